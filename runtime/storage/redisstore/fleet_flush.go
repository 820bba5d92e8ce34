package redisstore

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/breakergen/breakergen/internal/hotpath/bounded"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/redis/go-redis/v9"
)

// reply is the answer to one script of a pipeline.
type reply struct {
	v   any
	err error
}

// pipeline sends one script per call of add, in one pipeline (go-redis splits
// it by node on a cluster), and returns their replies in order. The whole round
// trip is bounded by ctx. A script the server no longer caches (after a restart
// or a failover) is sent again as EVAL.
func (f *fleet) pipeline(ctx context.Context, script *redis.Script, n int, keys func(i int) []string, args func(i int) []any) ([]reply, error) {
	client := f.s.client
	f.s.link.sent(monoNanos())
	cmds, err := bounded.Call(ctx, func(ctx context.Context) ([]redis.Cmder, error) {
		cmds, err := client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := range n {
				p.EvalSha(ctx, script.Hash(), keys(i), args(i)...)
			}
			return nil
		})
		if err != nil && !isNoScript(err) && len(cmds) == 0 {
			return nil, err
		}
		return cmds, nil
	})
	if err != nil {
		f.s.link.done(err)
		return nil, err
	}
	if len(cmds) > 0 {
		f.s.link.done(cmds[0].Err())
	}
	out := make([]reply, n)
	for i, cmd := range cmds {
		v, err := cmd.(*redis.Cmd).Result()
		if isNoScript(err) {
			v, err = bounded.Call(ctx, func(ctx context.Context) (any, error) {
				return script.Run(ctx, client, keys(i), args(i)...).Result()
			})
		}
		out[i] = reply{v, err}
	}
	return out, nil
}

func isNoScript(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT")
}

// flush sends the batches of cs, taking what their rings counted into new
// batches, and learns from the replies. It returns the first error.
func (f *fleet) flush(ctx context.Context, cs []*fcircuit) error {
	// Take the circuits' tokens in one order, so two flushes never deadlock.
	cs = slices.SortedFunc(slices.Values(cs), func(a, b *fcircuit) int { return strings.Compare(a.h.name, b.h.name) })
	var held []*fcircuit
	defer func() {
		for _, c := range held {
			c.unlock()
		}
	}()
	now := monoNanos()
	type job struct {
		c *fcircuit
		b *batch
	}
	var jobs []job
	for _, c := range cs {
		if c.lock(ctx) != nil {
			break // the others wait for the next round
		}
		held = append(held, c)
		c.take(now)
		for _, b := range c.batches(now) {
			jobs = append(jobs, job{c, b})
		}
	}
	if len(jobs) == 0 {
		return nil
	}
	sent := f.s.offset.Load()
	replies, err := f.pipeline(ctx, scriptFlush, len(jobs),
		func(i int) []string { return jobs[i].c.h.keys },
		func(i int) []any {
			j := jobs[i]
			return j.c.h.argv(j.c.h.announced(j.c.h.flushArgs(j.b.seq, 0, 0, "", j.b.vote, j.b.buckets)...))
		})
	if err != nil {
		for _, j := range jobs {
			j.c.failed("Flush", j.c.h.fail("Flush", err))
		}
		return err
	}
	var errs []error
	for i, r := range replies {
		j := jobs[i]
		a, err := j.c.h.answer("Flush", r.v, r.err)
		if err != nil {
			j.c.failed("Flush", err)
			errs = append(errs, err)
			continue
		}
		// Learn the counts before the batch leaves the in-flight ones: in
		// between, a threshold check would see the batch in neither and let a
		// failure that trips the circuit stay local. Seen in both, it only
		// flushes a failure at once that did not need it.
		j.c.learnAnswer(a, sent)
		j.c.settle(j.b)
		j.c.notify(a.res)
	}
	return errors.Join(errs...)
}

// refresh re-reads the status of cs.
func (f *fleet) refresh(ctx context.Context, cs []*fcircuit) error {
	if len(cs) == 0 {
		return nil
	}
	sent := f.s.offset.Load()
	replies, err := f.pipeline(ctx, scriptStatus, len(cs),
		func(i int) []string { return cs[i].h.keys },
		func(i int) []any { return cs[i].h.argv([]any{cs[i].h.width, cs[i].h.buckets, f.s.pid}) })
	if err != nil {
		for _, c := range cs {
			c.failed("Refresh", c.h.fail("Refresh", err))
		}
		return err
	}
	var errs []error
	for i, r := range replies {
		a, err := cs[i].h.answer("Refresh", r.v, r.err)
		if err != nil {
			cs[i].failed("Refresh", err)
			errs = append(errs, err)
			continue
		}
		at := micros(a.res.Status.CurrentTime)
		f.clock.learn(at, sent)
		cs[i].learn(a.res.Status, at, true, &a, true)
	}
	return errors.Join(errs...)
}

// learnAnswer learns the status and the quorum's processes a flush, record or
// refresh returned, to a script sent with the test offset sent.
func (c *fcircuit) learnAnswer(a answer, sent int64) {
	at := micros(a.res.Status.CurrentTime)
	c.f.clock.learn(at, sent)
	c.learn(a.res.Status, at, true, &a, false)
}

// notify tells the runtime of a transition a background flush made: no caller
// will return its result.
func (c *fcircuit) notify(res storage.Result) {
	if res.Transition == storage.TransitionNone {
		return
	}
	if fn := c.onTransition.Load(); fn != nil {
		(*fn)(res)
	}
}

package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/breakergen/breakergen/internal/hotpath/bounded"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/redis/go-redis/v9"
)

// reply is the answer to one script of a pipeline. lost is set when its chunk
// failed as a whole (the network, a timeout): the store reported that once.
type reply struct {
	v    any
	err  error
	lost bool
}

// Pipelines are sent in chunks of at most pipelineChunk scripts, each within
// chunkTimeout (and the round's context): a slow reply fails only its chunk's
// circuits, whose batches wait in their outboxes for the next round, and a
// chunk's reply comes back well within a client's read timeout.
const (
	pipelineChunk = 128
	chunkTimeout  = roundTimeout / 4
)

// pipeline sends one script per circuit of cs, in chunks, and returns their
// replies in order, and the first chunk's error. A chunk that fails as a
// whole is reported once for the store (op names the round), not once per
// circuit; the chunks after the round's context ended are lost too.
func (f *fleet) pipeline(ctx context.Context, op string, cs []*fcircuit, callOf func(i int) call) ([]reply, error) {
	units := make([]unit, len(cs))
	for i, c := range cs {
		k := callOf(i)
		units[i] = unit{script: k.script, keys: c.h.keys(), args: c.h.argv(k.args), cs: cs[i : i+1]}
	}
	return f.send(ctx, op, units)
}

// unit is one script of a pipeline: the script, its keys and ARGV, and the
// circuits whose keys they are.
type unit struct {
	script *redis.Script
	keys   []string
	args   []any
	cs     []*fcircuit
}

// send runs one script per unit, in pipelines of at most pipelineChunk
// scripts and as many circuits; see pipeline. A report script carries many
// circuits: counting them keeps a chunk's work for the server, and its wait
// behind other processes' chunks, within the chunk's deadline.
func (f *fleet) send(ctx context.Context, op string, units []unit) ([]reply, error) {
	out := make([]reply, len(units))
	var first error
	var lost []*fcircuit
	for lo := 0; lo < len(units); {
		hi, circuits := lo, 0
		for hi < len(units) && hi-lo < pipelineChunk && (hi == lo || circuits+len(units[hi].cs) <= pipelineChunk) {
			circuits += len(units[hi].cs)
			hi++
		}
		chunk, cancel := context.WithTimeout(ctx, chunkTimeout)
		rs, err := f.chunk(chunk, units[lo:hi])
		cancel()
		if err == nil {
			copy(out[lo:], rs)
		} else {
			for i := lo; i < hi; i++ {
				out[i] = reply{err: err, lost: true}
				lost = append(lost, units[i].cs...)
			}
			first = cmp.Or(first, err)
		}
		lo = hi
	}
	if len(lost) > 0 {
		f.storeFailed(op, first, lost)
	}
	return out, first
}

// chunk sends one script per unit in one pipeline (go-redis splits it by node
// on a cluster), bounded by ctx. A script the server no longer caches (after
// a restart or a failover) is sent again as EVAL.
func (f *fleet) chunk(ctx context.Context, units []unit) ([]reply, error) {
	client := f.s.client
	f.s.link.sent(f.s.clock.Now())
	cmds, err := bounded.Call(ctx, func(ctx context.Context) ([]redis.Cmder, error) {
		cmds, err := client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, u := range units {
				p.EvalSha(ctx, u.script.Hash(), u.keys, u.args...)
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
		// go-redis hands a pipeline that the network failed back with the
		// error in every command: the chunk failed, not each script.
		var rerr redis.Error
		if err := cmds[0].Err(); err != nil && !errors.As(err, &rerr) {
			return nil, err
		}
	}
	out := make([]reply, len(units))
	for i, cmd := range cmds {
		v, err := cmd.(*redis.Cmd).Result()
		if isNoScript(err) {
			u := units[i]
			v, err = bounded.Call(ctx, func(ctx context.Context) (any, error) {
				return u.script.Run(ctx, client, u.keys, u.args...).Result()
			})
		}
		out[i] = reply{v: v, err: err}
	}
	return out, nil
}

func isNoScript(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT")
}

// flush sends the batches of cs, taking what their rings counted into new
// batches, and learns from the replies. It returns the first error.
func (f *fleet) flush(ctx context.Context, cs []*fcircuit) error { return f.flushSome(ctx, cs, false) }

// flushSome is flush; when partial is set (a flush round), a circuit whose
// outcomes travel lazily sends its closed buckets only, and its current
// bucket's outcomes wait for the bucket to close: one report a bucket.
func (f *fleet) flushSome(ctx context.Context, cs []*fcircuit, partial bool) error {
	// Take the circuits' tokens in one order, so two flushes never deadlock,
	// and each once: a circuit listed twice (a round's dirty list and a
	// retired one, or a visit added while a flush of its own was on its way)
	// would wait for the token it holds until the round's deadline.
	cs = slices.SortedFunc(slices.Values(cs), func(a, b *fcircuit) int { return strings.Compare(a.h.name, b.h.name) })
	cs = slices.Compact(cs)
	var held []*fcircuit
	var made []storage.Result // transitions, told once the tokens are given back
	var makers []*fcircuit
	defer func() {
		for _, c := range held {
			c.unlock()
		}
		// A listener may call the circuits: never while this round holds them.
		for i, c := range makers {
			c.notify(made[i])
		}
	}()
	now := f.s.clock.Now()
	var lazy, jobs []flushJob
	for _, c := range cs {
		if c.lock(ctx) != nil {
			break // the others wait for the next round
		}
		held = append(held, c)
		c.take(now, partial && c.quiet())
		for _, b := range c.batches(now) {
			if j := (flushJob{c, b}); j.lazy() {
				lazy = append(lazy, j)
			} else {
				jobs = append(jobs, j)
			}
		}
	}
	sent := f.s.offset.Load()
	again, err := f.report(ctx, lazy, sent)
	jobs = append(jobs, again...)
	errs := []error{err}
	if len(jobs) == 0 {
		return errors.Join(errs...)
	}
	targets := make([]*fcircuit, len(jobs))
	for i, j := range jobs {
		targets[i] = j.c
	}
	replies, err := f.pipeline(ctx, "Flush", targets, func(i int) call {
		j := jobs[i]
		return j.c.h.flushCall("Flush", flushArgs{seq: j.b.seq, batch: j.b.buckets, vote: j.b.vote})
	})
	errs = append(errs, err)
	for i, r := range replies {
		j := jobs[i]
		res, err := j.settleReply(r, sent)
		errs = append(errs, err)
		if res.Transition != storage.TransitionNone {
			made, makers = append(made, res), append(makers, j.c)
		}
	}
	return errors.Join(errs...)
}

// settleReply learns the flush script's reply to j, sent at offset sent, and
// settles j's batch; it returns the transition the script made. A reply lost
// with its chunk, reported for the store, leaves the batch in the outbox.
func (j flushJob) settleReply(r reply, sent int64) (storage.Result, error) {
	if r.lost {
		return storage.Result{}, nil
	}
	a, err := j.c.h.answer("Flush", r.v, r.err)
	if err != nil {
		j.c.failed("Flush", err)
		return storage.Result{}, err
	}
	// Learn the counts before the batch leaves the in-flight ones: in
	// between, a threshold check would see the batch in neither and let a
	// failure that trips the circuit stay local. Seen in both, it only
	// flushes a failure at once that did not need it.
	j.c.learnAnswer(a, sent)
	j.c.settle(j.b)
	return a.res, nil
}

// refresh re-reads the status of cs.
func (f *fleet) refresh(ctx context.Context, cs []*fcircuit) error {
	if len(cs) == 0 {
		return nil
	}
	sent := f.s.offset.Load()
	replies, err := f.pipeline(ctx, "Refresh", cs, func(i int) call { return cs[i].h.statusCall("Refresh") })
	errs := []error{err}
	for i, r := range replies {
		if r.lost {
			continue
		}
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
	if n := c.told(); n != nil {
		n.Transitioned(res)
	}
}

// storeFailures limits the failures a fleet store reports for itself (a
// pipeline or a connection that failed every circuit of a chunk) to one a
// second per cause, counting the rest. It is safe for concurrent use.
type storeFailures struct {
	mu         sync.Mutex
	last       map[string]time.Time
	suppressed map[string]int
}

// storeFailed reports a failure of op that failed every circuit of cs, once a
// second per op for the whole store, through the first of cs: the runtime's
// event names that circuit, and the error how many the failure took.
func (f *fleet) storeFailed(op string, err error, cs []*fcircuit) {
	sf := &f.failures
	sf.mu.Lock()
	if sf.last == nil {
		sf.last, sf.suppressed = make(map[string]time.Time), make(map[string]int)
	}
	now := time.Now()
	if last, ok := sf.last[op]; ok && now.Sub(last) < time.Second {
		sf.suppressed[op] += len(cs)
		sf.mu.Unlock()
		return
	}
	missed := sf.suppressed[op]
	sf.last[op], sf.suppressed[op] = now, 0
	sf.mu.Unlock()
	c := slices.MinFunc(cs, func(a, b *fcircuit) int { return strings.Compare(a.h.name, b.h.name) })
	c.failed(op, fmt.Errorf("breakergen: redisstore: %s of %d circuits of the store (and %d more since the last report): %w",
		op, len(cs), missed, err))
}

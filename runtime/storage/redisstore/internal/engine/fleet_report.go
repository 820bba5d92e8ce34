package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/redis/go-redis/v9"
)

// This file holds the lazy reports: the batches of a process far below a
// circuit's thresholds, sent once their bucket closed, travel many circuits to
// a script (report.lua) that merges them without deciding a transition, at a
// fraction of the flush script's cost. They are what healthy traffic costs
// Redis.

// reportGroup is the most circuits one report script carries: large enough
// that a script's own cost is shared, small enough that one script holds the
// server for well under a millisecond.
const reportGroup = 64

// flushJob is one batch of a circuit, on its way in a flush round.
type flushJob struct {
	c *fcircuit
	b *batch
}

// lazy reports whether j's batch can travel in a report: the circuit is
// closed and unlocked here, the batch does not vote to open it, and no other
// process is known to vote, so it opens nothing unless the report script
// finds voters (and hands it back to the flush script). Redis cannot have
// lost anything this process would write back (see lostOf).
func (j flushJob) lazy() bool {
	s := j.c.cache.Load()
	return !j.b.vote && s.known && s.state == storage.StateClosed && s.lock == storage.LockNone &&
		s.voters == 0 && !s.lopen
}

// report sends the lazy jobs in report scripts, and returns the jobs the
// flush script must take instead (their failures may open the circuit with
// the votes Redis holds) and the first error.
func (f *fleet) report(ctx context.Context, jobs []flushJob, sent int64) ([]flushJob, error) {
	if len(jobs) == 0 {
		return nil, nil
	}
	size := reportGroup
	switch f.s.client.(type) {
	case *redis.ClusterClient, *redis.Ring:
		size = 1 // a circuit's keys are in a slot, or on a shard, of their own
	}
	var units []unit
	var groups [][]flushJob
	for lo := 0; lo < len(jobs); lo += size {
		g := jobs[lo:min(lo+size, len(jobs))]
		units, groups = append(units, f.reportUnit(g)), append(groups, g)
	}
	f.reports.Add(int64(len(jobs)))
	replies, err := f.send(ctx, "Flush", units)
	errs := []error{err}
	var full []flushJob
	for i, r := range replies {
		if r.lost {
			continue // reported for the store; the batches wait in their outboxes
		}
		again, err := f.reported(groups[i], r, sent)
		full, errs = append(full, again...), append(errs, err)
	}
	return full, errors.Join(errs...)
}

// reportUnit returns the report script of the jobs g.
func (f *fleet) reportUnit(g []flushJob) unit {
	u := unit{script: scriptReport, keys: make([]string, 0, reportKeys*len(g)), cs: make([]*fcircuit, len(g))}
	u.args = append(make([]any, 0, 4+14*len(g)), f.s.offset.Load(), f.s.pid, f.s.cfg.Quorum, len(g))
	for i, j := range g {
		h := j.c.h
		prefix := strconv.FormatInt(h.width, 10) + ":" + strconv.Itoa(h.buckets) + ":"
		u.keys, u.cs[i] = append(u.keys, h.keys()[:reportKeys]...), j.c
		counts, flags := j.c.countsOld(j.c.lazySpan(j.c.ownCounts(j.c.epoch()))), 0
		if counts {
			flags |= reportCounts
		}
		if j.c.voted.Load() {
			flags |= reportVoted
		}
		if j.c.touchDue() {
			flags |= reportTouch
		}
		u.args = append(u.args, prefix, h.width, h.buckets, h.windowTTL, j.b.seq.id(f.s.pid), j.b.seq.n,
			flags, len(j.b.buckets))
		if counts {
			cur := j.c.epoch()
			u.args = append(u.args, cur)
			for b := cur - int64(h.buckets) + 1; b <= cur; b++ {
				u.args = append(u.args, prefix+strconv.FormatInt(b, 10))
			}
		}
		for _, b := range j.b.buckets {
			u.args = append(u.args, prefix+strconv.FormatInt(b.epoch, 10), b.epoch, b.successes, b.failures)
		}
	}
	return u
}

// reportKeys is how many of a circuit's keys a report script takes: all but
// the reset's tombstone, which it never reads. Every key is a string the
// server makes for the script, so the ones it does not need are not sent.
const reportKeys = 6

// The flags of a circuit in a report script.
const (
	reportCounts = 1 << iota // read the state and the window's counts
	reportVoted              // the process's last report voted to open
	reportTouch              // write the process's report time
)

// touchDue reports whether a report should write the process's report time,
// half a window after it last did, and notes that it does: a process that
// reports the circuit at least every two buckets stays among the window's
// reporters.
func (c *fcircuit) touchDue() bool {
	now, last := c.f.clock.nowUS(), c.touched.Load()
	if now-last < c.h.width*int64(c.h.buckets)/2 {
		return false
	}
	return c.touched.CompareAndSwap(last, now)
}

// reported learns from the reply r to the report script of g, and returns
// the jobs its reply handed back to the flush script, and the first error.
func (f *fleet) reported(g []flushJob, r reply, sent int64) ([]flushJob, error) {
	var items []any
	if r.err == nil {
		var ok bool
		if items, ok = r.v.([]any); !ok || len(items) != len(g) {
			r.err = fmt.Errorf("%w: report reply %T of %d values for %d circuits", storage.ErrCorrupt, r.v, len(items), len(g))
		}
	}
	var again []flushJob
	var errs []error
	for i, j := range g {
		if r.err != nil {
			err := j.c.h.fail("Flush", r.err)
			j.c.failed("Flush", err)
			errs = append(errs, err)
			continue
		}
		rep, err := decodeReport(items[i], j.c.cache.Load())
		switch {
		case err != nil:
			err = j.c.h.fail("Flush", err)
			j.c.failed("Flush", err)
			errs = append(errs, err)
		case rep.kind == reportHandedBack:
			f.handedBack.Add(1)
			again = append(again, j)
		case rep.quiet:
			j.c.settle(j.b)
		default:
			at := micros(rep.a.res.Status.CurrentTime)
			f.clock.learn(at, sent)
			j.c.learn(rep.a.res.Status, at, rep.counts, &rep.a, false)
			j.c.settle(j.b)
		}
	}
	return again, errors.Join(errs...)
}

// The kinds of a circuit's reply to a report.
const (
	reportCounted    = 0
	reportHandedBack = 1
)

// report is one circuit's reply to a report script.
type reportReply struct {
	kind   int
	a      answer
	counts bool // the reply read the window's counts
	quiet  bool // the batch was counted, and the circuit is as the process knows it
}

// decodeReport decodes one circuit's reply to a report: 0 when it counted the
// batch and the circuit is as s knows it (closed, unlocked), else {kind, state, lock,
// opened, reserved, failures, samples, now, voters, reporters},
// failures and samples -1 when the script did not read them, voters or
// reporters -1 when it did not read them (they are then those known in s);
// or {-1, error}.
func decodeReport(v any, s *cached) (reportReply, error) {
	if n, ok := v.(int64); ok && n == reportCounted {
		return reportReply{kind: reportCounted, quiet: true}, nil
	}
	if a, ok := v.([]any); ok && len(a) == 2 {
		if msg, ok := a[1].(string); ok {
			return reportReply{}, scriptError(msg)
		}
	}
	n, err := ints(v, 10)
	if err != nil {
		return reportReply{}, err
	}
	n = append(n, presentState+presentLock, 0, 0, 0, 0) // nothing to write back (see lazy); nothing of an opening read
	r := reportReply{kind: int(n[0]), counts: true}
	if r.kind != reportCounted && r.kind != reportHandedBack {
		return reportReply{}, fmt.Errorf("%w: report reply %v out of range", storage.ErrCorrupt, n)
	}
	if n[5] == -1 && n[6] == -1 {
		n[5], n[6], r.counts = 0, 0, false
	}
	if n[8] == -1 {
		n[8] = int64(s.voters)
	}
	if n[9] == -1 {
		n[9] = int64(s.reporters)
	}
	vals := make([]any, len(n))
	for i, x := range n {
		vals[i] = x
	}
	vals[0] = int64(storage.TransitionNone)
	r.a, err = decodeAnswer(vals)
	return r, err
}

// countsOld reports whether the shared window's counts known here are older
// than half the window times span, the buckets a lazy report of the circuit
// waits for (lazySpan): a report then reads them again (and the server's
// clock). Far below the threshold they are read once a window: there they
// only decide whether a failure travels at once, which the process's own
// rate decides long before they do, and what a scrape shows. Between
// readings a scrape shows the shared counts as of the last one, with this
// process's outcomes not sent yet.
func (c *fcircuit) countsOld(span int64) bool {
	s := c.cache.Load()
	return c.f.clock.nowUS()-s.countsAt > span*c.h.width*int64(c.h.buckets)/2
}

// scriptError is an error a script caught for one circuit of several (a
// corrupt key, a key of another type): Redis's error reply, as go-redis
// would have returned it alone.
type scriptError string

func (e scriptError) Error() string { return string(e) }

// RedisError marks e as an error reply of the server.
func (e scriptError) RedisError() {}

var _ redis.Error = scriptError("")

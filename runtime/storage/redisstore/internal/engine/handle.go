package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/redis/go-redis/v9"
)

// handle is one circuit of a Store: its keys and the script arguments its
// policy fixes. The now arguments of its methods are ignored: every script
// reads Redis's TIME.
type handle struct {
	s         *Engine
	name      string
	channel   string // where changes of the circuit are announced
	width     int64  // bucket width in microseconds
	buckets   int
	rate      float64
	samples   int
	stateTTL  int64 // milliseconds
	windowTTL int64 // milliseconds
	coolDown  int64 // microseconds: an opening's cool-down
	coolMax   int64 // microseconds: Policy.CoolDownMax, 0 for none
	ramp      int64 // microseconds: Policy.Ramp, 0 for none
	probes    int   // Policy.Probes(): the probes a close needs, 1 for one
	// seq numbers this process's batches of the circuit, shared by its
	// handles: every flush or record takes the next one.
	seq *sequence
}

// keys returns the circuit's keys, made when a script is sent rather than
// kept: a fleet store holds many circuits, most of them quiet.
func (h *handle) keys() []string { return h.s.keys(h.name) }

var (
	_ storage.Handle   = (*handle)(nil)
	_ storage.Operator = (*handle)(nil)
)

// Status reads the circuit's status; CurrentTime is Redis's time.
func (h *handle) Status(ctx context.Context, _ time.Time) (storage.Status, error) {
	a, err := h.read(ctx)
	return a.res.Status, err
}

// read reads the circuit's status, and the other processes of the window.
func (h *handle) read(ctx context.Context) (answer, error) {
	v, err := h.run(ctx, h.statusCall("Status"))
	return h.answer("Status", v, err)
}

// statusCall is the status script's call, for op: the window's geometry and
// the process, whose own vote the reply leaves out of the voters. Its reply is
// an answer.
func (h *handle) statusCall(op string) call {
	return call{script: scriptStatus, op: op, args: []any{h.width, h.buckets, h.s.pid}}
}

// Record counts the outcome in the window and applies the transition it causes,
// in one script. The handle alone knows no process's own outcomes, so it votes
// to open on a failure: a plain handle decides as a process that fails.
func (h *handle) Record(ctx context.Context, _ time.Time, o storage.Outcome) (storage.Result, error) {
	a, err := h.record(ctx, o, !o.Success, h.seq.record())
	return a.res, err
}

// record runs the flush script for one outcome, with the process's vote, as
// the batch seq of this process: sent again, it counts nothing and returns the
// transition its first run made.
func (h *handle) record(ctx context.Context, o storage.Outcome, vote bool, seq seqNum) (answer, error) {
	return h.flush(ctx, "Record", flushArgs{seq: seq, outcome: o, withOutcome: true, vote: vote})
}

// flushArgs are what a flush script carries besides the circuit's policy: a
// batch of bucket counts and maybe one outcome, merged once as the batch seq
// of this process, with the process's vote.
type flushArgs struct {
	seq   seqNum
	batch []bucketCount
	// outcome, when withOutcome is set, is counted with the batch at the
	// script's time, with its probe and the opening it saw. A value and a
	// flag, not a pointer, so that a strict store's every Record does not
	// allocate it.
	outcome     storage.Outcome
	withOutcome bool
	vote        bool
}

// flush runs the flush script, and decodes its answer.
func (h *handle) flush(ctx context.Context, op string, a flushArgs) (answer, error) {
	v, err := h.run(ctx, h.flushCall(op, a))
	return h.answer(op, v, err)
}

// flushCall is the flush script's call, for op. Its reply is an answer.
func (h *handle) flushCall(op string, a flushArgs) call {
	probe, seen, outcome := 0, int64(0), ""
	if a.withOutcome {
		probe, seen, outcome = flag(a.outcome.Probe), micros(a.outcome.OpenedAt), "f"
		if a.outcome.Success {
			outcome = "s"
		}
	}
	args := make([]any, 0, 20+3*len(a.batch))
	args = append(args, h.width, h.buckets, strconv.FormatFloat(h.rate, 'g', -1, 64), h.samples,
		h.stateTTL, h.windowTTL, h.s.pid, a.seq.n, h.coolDown,
		probe, seen, outcome, flag(a.vote), h.s.cfg.Quorum, a.seq.id(h.s.pid),
		h.coolMax, h.jitter(), h.ramp, h.probes, len(a.batch))
	for _, b := range a.batch {
		args = append(args, b.epoch, b.successes, b.failures)
	}
	return call{script: scriptFlush, op: op, args: h.announced(args...)}
}

// jitter returns the backoff's jitter for a flush, in [0, 1): drawn here, so
// that the script's cool-downs of circuits that fail together differ. "0"
// without CoolDownMax, which backs nothing off.
func (h *handle) jitter() string {
	if h.coolMax == 0 {
		return "0"
	}
	return strconv.FormatFloat(rand.Float64(), 'f', 6, 64)
}

// answer decodes the reply of a script that returns a status, or maps its error.
func (h *handle) answer(op string, v any, err error) (answer, error) {
	if err != nil {
		return answer{}, h.fail(op, err)
	}
	a, err := decodeAnswer(v)
	if err != nil {
		return answer{}, h.fail(op, err)
	}
	return a, nil
}

// bucketCount is the counts of one bucket of a batch.
type bucketCount struct {
	epoch               int64 // the bucket's number: its start over its width
	successes, failures int
}

// Reserve sets ReservedAt to Redis's time if the circuit is open in the period
// that began at openedAt and its ReservedAt equals reservedAt (zero for none),
// and returns it. Of several callers passing the same pair, exactly one wins.
func (h *handle) Reserve(ctx context.Context, _, openedAt, reservedAt time.Time) (time.Time, bool, error) {
	r, err := h.reserveOnce(ctx, openedAt, reservedAt)
	if err != nil || !r.won {
		return time.Time{}, false, err
	}
	return r.status.ReservedAt, true, nil
}

// reserve runs the reservation's compare-and-set with token: a replay of the
// winning script finds the reservation its token made and wins again.
func (h *handle) reserve(ctx context.Context, openedAt, reservedAt time.Time, token string) (time.Time, bool, error) {
	r, err := h.reserveStatus(ctx, openedAt, reservedAt, token)
	if err != nil || !r.won {
		return time.Time{}, false, err
	}
	return r.status.ReservedAt, true, nil
}

// reserveOnce runs the reservation's compare-and-set and, when its reply was
// lost on the way (the script may have run), sends it again with the same
// token within ctx: if the first one won, the second finds its reservation and
// wins again, so a lost reply costs no cool-down. When ctx ends first (the
// caller's storage budget spent on a reply lost or late), the reservation is
// given back in the background (giveBack).
func (h *handle) reserveOnce(ctx context.Context, openedAt, reservedAt time.Time) (reserved, error) {
	token := newToken()
	r, err := h.reserveStatus(ctx, openedAt, reservedAt, token)
	var rerr redis.Error
	switch {
	case err == nil || errors.As(err, &rerr):
	case ctx.Err() == nil:
		r, err = h.reserveStatus(ctx, openedAt, reservedAt, token)
	default:
		h.s.giveBack(h, openedAt, reservedAt, token)
	}
	return r, err
}

// reserved is the answer of the reserve script: whether it won, and the state
// it found or made.
type reserved struct {
	won    bool
	status storage.Status // state, lock, opened, reserved and now only
}

func (h *handle) reserveStatus(ctx context.Context, openedAt, reservedAt time.Time, token string) (reserved, error) {
	v, acked, err := h.runAcked(ctx, call{script: scriptReserve, op: "Reserve",
		args: h.announced(micros(openedAt), micros(reservedAt), h.stateTTL, token, h.probes, h.coolDown)})
	if err != nil {
		return reserved{}, err
	}
	a, err := ints(v, 7)
	if err != nil || a[0] < 0 || a[0] > 1 || a[1] < 0 || a[1] > 1 || a[2] < 0 || a[2] > int64(storage.LockClosed) ||
		a[6] < 0 || a[6] > storage.MaxHalfOpenProbes {
		return reserved{}, h.fail("Reserve", fmt.Errorf("%w: reply %v", storage.ErrCorrupt, v))
	}
	r := reserved{won: a[0] == 1, status: storage.Status{
		State: storage.State(a[1]), Lock: storage.Lock(a[2]),
		OpenedAt: fromMicros(a[3]), ReservedAt: fromMicros(a[4]), CurrentTime: fromMicros(a[5]), Probes: int(a[6]),
	}}
	if r.won && !acked {
		// No replica has it: a failover now would let another caller win
		// the same window. Not granted; given back, so the next caller may
		// try (a release that fails leaves it to expire after CoolDown).
		_, _ = h.Release(ctx, time.Time{}, r.status.ReservedAt)
		r.won = false
	}
	return r, nil
}

// Release clears the reservation if ReservedAt equals reservedAt.
func (h *handle) Release(ctx context.Context, _, reservedAt time.Time) (bool, error) {
	return h.runBool(ctx, call{script: scriptRelease, op: "Release", args: h.announced(micros(reservedAt), h.probes)})
}

// Lock sets the circuit's lock; it expires after the LockTTL option, if set.
// LockNone removes it.
func (h *handle) Lock(ctx context.Context, _ time.Time, l storage.Lock) error {
	var v string
	switch l {
	case storage.LockNone:
	case storage.LockOpen:
		v = "open"
	case storage.LockClosed:
		v = "closed"
	default:
		return fmt.Errorf("%w: Lock %q: invalid lock %d", ErrInvalid, h.name, l)
	}
	_, acked, err := h.runAcked(ctx, call{script: scriptLock, op: "Lock",
		args: h.announced(v, ttlMillis(h.s.cfg.LockTTL), h.stateTTL)})
	if err == nil && !acked {
		return h.unacknowledged("Lock")
	}
	return err
}

// Reset deletes every key of the circuit: state, window, reservation and lock.
func (h *handle) Reset(ctx context.Context, _ time.Time) error {
	_, acked, err := h.runAcked(ctx, call{script: scriptReset, op: "Reset", args: h.announced(h.stateTTL)})
	if err == nil && !acked {
		return h.unacknowledged("Reset")
	}
	return err
}

// Open opens a closed circuit, with OpenedAt set to Redis's time.
func (h *handle) Open(ctx context.Context, _ time.Time) (bool, error) {
	return h.runBool(ctx, call{script: scriptOpen, op: "Open", args: h.announced(h.stateTTL, h.coolDown)})
}

// Reopen gives an open circuit a new OpenedAt, Redis's time, if its current one
// equals previous. The reservation is kept.
func (h *handle) Reopen(ctx context.Context, _, previous time.Time) (bool, error) {
	return h.runBool(ctx, call{script: scriptReopen, op: "Reopen",
		args: h.announced(micros(previous), h.stateTTL, h.coolDown)})
}

// Close closes an open circuit, clearing its reservation and its window.
func (h *handle) Close(ctx context.Context, _ time.Time) (bool, error) {
	return h.runBool(ctx, call{script: scriptClose, op: "Close", args: h.announced(h.stateTTL)})
}

// History returns the window's live buckets, oldest first, at Redis's time.
func (h *handle) History(ctx context.Context, _ time.Time) ([]storage.Bucket, error) {
	v, err := h.run(ctx, call{script: scriptHistory, op: "History", args: []any{h.width, h.buckets}})
	if err != nil {
		return nil, err
	}
	b, err := decodeHistory(v)
	if err != nil {
		return nil, h.fail("History", err)
	}
	return b, nil
}

package engine

import (
	"context"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

// Inspection is the inspect script's reply: a circuit as an operator sees it,
// which redisstore.Store.Inspect returns as a redisstore.Inspection.
type Inspection struct {
	Name       string
	State      storage.State
	Lock       storage.Lock
	OpenedAt   time.Time // zero when never opened
	ReservedAt time.Time // zero when no probe is reserved
	// CoolDown is the cool-down of the circuit's last open period: the one
	// the service that opened it used, backed off after failed probes with
	// CoolDownMax; 0 when it never opened.
	CoolDown time.Duration
	// Windows holds the counts of the window of every geometry (window length
	// and bucket count) that wrote outcomes, as the services that use each see
	// them; usually one.
	Windows     []WindowCounts
	CurrentTime time.Time // the Redis server's
	// Reporting is how many processes reported outcomes within the last
	// window (as of the last report of any: the list is trimmed by reports),
	// and Voting how many of them voted to open: their own outcomes failed
	// the rate threshold. The fleet's circuit opens only with a quorum of
	// voters (see redisstore.WithQuorum); a voter that stands alone has a local opening.
	Reporting, Voting int
}

// WindowCounts are the counts of one geometry's window.
type WindowCounts struct {
	Window   time.Duration // EvaluationWindow, to the bucket
	Buckets  int
	Failures int
	Samples  int
}

// Counts returns the failures and samples of the longest window, 0, 0 when none
// holds outcomes.
func (i Inspection) Counts() (failures, samples int) {
	var longest time.Duration
	for _, w := range i.Windows {
		if w.Window > longest {
			longest, failures, samples = w.Window, w.Failures, w.Samples
		}
	}
	return failures, samples
}

// HalfOpen reports whether the circuit is open and its cool-down has passed.
func (i Inspection) HalfOpen() bool {
	return i.State == storage.StateOpen && !i.OpenedAt.Add(i.CoolDown).After(i.CurrentTime)
}

// NextProbe returns when a probe may run next: the end of the cool-down, or of
// a probe's reservation while it holds; zero when the circuit is closed.
func (i Inspection) NextProbe() time.Time {
	if i.State != storage.StateOpen {
		return time.Time{}
	}
	next := i.OpenedAt.Add(i.CoolDown)
	if r := i.ReservedAt.Add(i.CoolDown); !i.ReservedAt.IsZero() && r.After(next) && r.After(i.CurrentTime) {
		next = r
	}
	return next
}

// Inspect reads the circuit name for an operator, in one script, without
// knowing its policy. A circuit never written reads as closed and empty.
func (s *Engine) Inspect(ctx context.Context, name string) (Inspection, error) {
	h := &handle{s: s, name: name}
	v, err := h.run(ctx, call{script: scriptInspect, op: "Inspect"})
	if err != nil {
		return Inspection{}, err
	}
	in, err := decodeInspection(name, v)
	if err != nil {
		return Inspection{}, h.fail("Inspect", err)
	}
	return in, nil
}

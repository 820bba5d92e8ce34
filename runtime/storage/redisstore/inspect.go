package redisstore

import (
	"context"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore/internal/engine"
)

// Inspection is a circuit as an operator sees it, read without its policy: what
// the services that use it stored. It is a plain value.
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
	// voters (see WithQuorum); a voter that stands alone has a local opening.
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
func (i Inspection) Counts() (failures, samples int) { return i.engine().Counts() }

// HalfOpen reports whether the circuit is open and its cool-down has passed.
func (i Inspection) HalfOpen() bool { return i.engine().HalfOpen() }

// NextProbe returns when a probe may run next: the end of the cool-down, or of
// a probe's reservation while it holds; zero when the circuit is closed.
func (i Inspection) NextProbe() time.Time { return i.engine().NextProbe() }

// engine returns i as the engine's inspection, whose methods the ones above
// are, so that the decoder's fuzz test covers them.
func (i Inspection) engine() engine.Inspection {
	in := engine.Inspection{Name: i.Name, State: i.State, Lock: i.Lock, OpenedAt: i.OpenedAt,
		ReservedAt: i.ReservedAt, CoolDown: i.CoolDown, CurrentTime: i.CurrentTime,
		Reporting: i.Reporting, Voting: i.Voting}
	for _, w := range i.Windows {
		in.Windows = append(in.Windows, engine.WindowCounts(w))
	}
	return in
}

// Inspect reads the circuit name for an operator, in one script, without
// knowing its policy. A circuit never written reads as closed and empty.
func (s *Store) Inspect(ctx context.Context, name string) (Inspection, error) {
	in, err := s.e.Inspect(ctx, name)
	if err != nil {
		return Inspection{}, err
	}
	out := Inspection{Name: in.Name, State: in.State, Lock: in.Lock, OpenedAt: in.OpenedAt,
		ReservedAt: in.ReservedAt, CoolDown: in.CoolDown, CurrentTime: in.CurrentTime,
		Reporting: in.Reporting, Voting: in.Voting}
	for _, w := range in.Windows {
		out.Windows = append(out.Windows, WindowCounts(w))
	}
	return out, nil
}

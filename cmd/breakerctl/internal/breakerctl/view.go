package breakerctl

import (
	"math"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
)

// view is a circuit as breakerctl prints it, and its JSON.
type view struct {
	Name  string `json:"name"`
	State string `json:"state"` // runtime.Status.String: closed, open, half-open, ...
	Lock  string `json:"lock"`  // none, open or closed
	// Stored is the state Redis holds, open or closed, which a lock hides and
	// an unlock gives back.
	Stored   string    `json:"stored_state"`
	OpenedAt time.Time `json:"opened_at,omitzero"`
	// History: OpenedAt is when a circuit that has closed since last opened.
	History     bool    `json:"opened_at_is_history,omitempty"`
	FailureRate float64 `json:"failure_rate"`
	Failures    int     `json:"failures"`
	Samples     int     `json:"samples"`
	// NextProbe is when a probe may run: absent when closed or locked.
	NextProbe     time.Time    `json:"next_probe,omitzero"`
	NextProbeIn   *float64     `json:"next_probe_in_seconds,omitempty"`
	ProbeInFlight bool         `json:"probe_in_flight"`
	CoolDown      float64      `json:"cool_down_seconds,omitempty"`
	Windows       []windowView `json:"windows,omitempty"`
	// Reporting is how many processes reported outcomes within the last
	// window, Voting how many of them voted to open (their own outcomes
	// failed the rate threshold): the quorum's view. The fleet's circuit
	// opens only with a quorum of voters (redisstore.WithQuorum, default 2,
	// fewer when fewer report); a voter alone has a local opening.
	Reporting int       `json:"reporting_processes"`
	Voting    int       `json:"voting_processes"`
	Time      time.Time `json:"time"` // the Redis server's
}

// windowView is the window of one geometry.
type windowView struct {
	Window   float64 `json:"window_seconds"`
	Buckets  int     `json:"buckets"`
	Failures int     `json:"failures"`
	Samples  int     `json:"samples"`
}

// change is what a mutation did.
type change struct {
	Circuit string `json:"circuit"`
	Action  string `json:"action"`
	Before  view   `json:"before"`
	After   view   `json:"after"`
}

func newView(in redisstore.Inspection) view {
	failures, samples := in.Counts()
	st := status(in)
	v := view{
		Name:      in.Name,
		State:     st.String(),
		Stored:    in.State.String(),
		History:   in.State == storage.StateClosed && !in.OpenedAt.IsZero(),
		Lock:      in.Lock.String(),
		OpenedAt:  in.OpenedAt.UTC(),
		Failures:  failures,
		Samples:   samples,
		CoolDown:  in.CoolDown.Seconds(),
		Time:      in.CurrentTime.UTC(),
		Reporting: in.Reporting,
		Voting:    in.Voting,
	}
	if samples > 0 {
		v.FailureRate = float64(failures) / float64(samples)
	}
	if next := in.NextProbe(); !next.IsZero() && in.Lock == storage.LockNone {
		v.NextProbe = next.UTC()
		s := math.Max(0, next.Sub(in.CurrentTime).Seconds())
		v.NextProbeIn = &s
	}
	v.ProbeInFlight = v.State == "open, probe in flight"
	for _, w := range in.Windows {
		v.Windows = append(v.Windows, windowView{Window: w.Window.Seconds(), Buckets: w.Buckets, Failures: w.Failures, Samples: w.Samples})
	}
	return v
}

// status is the circuit's runtime.Status, as far as an inspection without
// its policy tells it, for the words every integration uses.
func status(in redisstore.Inspection) runtime.Status {
	return runtime.Status{
		State:       in.State,
		Lock:        in.Lock,
		OpenedAt:    in.OpenedAt,
		ReservedAt:  in.ReservedAt,
		CurrentTime: in.CurrentTime,
		Options:     runtime.Options{CoolDown: in.CoolDown},
	}
}

package fleetsim

import (
	"sync/atomic"

	"github.com/breakergen/breakergen/runtime"
)

// events counts the events of every process that cost Redis something:
// transitions, probes and storage failures. It wants no success, failure or
// refusal, so the calls stay on the runtime's hot path. It is safe for
// concurrent use.
type events struct {
	opened, reopened, closed, remote, probes, failures, suppressed atomic.Int64
	lastFailure                                                    atomic.Pointer[string] // the latest storage failure's error
}

// EventCounts are the events of every process of the fleet, a plain value.
type EventCounts struct {
	Opened   int64 `json:"opened"`   // EventOpened, in every process (each transition once per process)
	Reopened int64 `json:"reopened"` // EventReopened
	Closed   int64 `json:"closed"`   // EventClosed
	// Remote counts the transitions above that a process learnt from Redis
	// rather than made.
	Remote int64 `json:"remote"`
	Probes int64 `json:"probes"` // EventProbe: half-open probes granted
	// StorageFailures counts EventStorageFailure events; Suppressed, the
	// storage failures they said were not reported on their own.
	StorageFailures int64 `json:"storage_failures"`
	Suppressed      int64 `json:"suppressed"`
	// LastFailure is the error of the latest storage failure of the run so
	// far, an example of what failed.
	LastFailure string `json:"last_storage_failure,omitempty"`
}

func (e *events) types() []runtime.EventType {
	return []runtime.EventType{runtime.EventOpened, runtime.EventReopened, runtime.EventClosed,
		runtime.EventProbe, runtime.EventStorageFailure}
}

// Handle counts ev.
func (e *events) Handle(ev runtime.Event) {
	switch ev.Type {
	case runtime.EventOpened:
		e.opened.Add(1)
	case runtime.EventReopened:
		e.reopened.Add(1)
	case runtime.EventClosed:
		e.closed.Add(1)
	case runtime.EventProbe:
		e.probes.Add(1)
	case runtime.EventStorageFailure:
		e.failures.Add(1)
		e.suppressed.Add(int64(ev.Suppressed))
		if ev.Err != nil {
			msg := ev.Err.Error()
			e.lastFailure.Store(&msg)
		}
	}
	if ev.Remote {
		e.remote.Add(1)
	}
}

func (e *events) counts() EventCounts {
	return EventCounts{Opened: e.opened.Load(), Reopened: e.reopened.Load(), Closed: e.closed.Load(),
		Remote: e.remote.Load(), Probes: e.probes.Load(), StorageFailures: e.failures.Load(),
		Suppressed: e.suppressed.Load(), LastFailure: e.last()}
}

func (e *events) last() string {
	if p := e.lastFailure.Load(); p != nil {
		return *p
	}
	return ""
}

func (c EventCounts) minus(o EventCounts) EventCounts {
	d := EventCounts{Opened: c.Opened - o.Opened, Reopened: c.Reopened - o.Reopened, Closed: c.Closed - o.Closed,
		Remote: c.Remote - o.Remote, Probes: c.Probes - o.Probes, StorageFailures: c.StorageFailures - o.StorageFailures,
		Suppressed: c.Suppressed - o.Suppressed}
	if d.StorageFailures > 0 {
		d.LastFailure = c.LastFailure
	}
	return d
}

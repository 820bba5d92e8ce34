package runtime

import (
	"time"
)

// EventType says what happened to a circuit.
type EventType uint8

// The events. Each transition emits exactly one event: EventOpened when a closed
// circuit opens, EventReopened when a probe fails, EventClosed when a probe
// succeeds.
const (
	EventSuccess        EventType  = iota + 1 // a call succeeded
	EventFailure                              // a call failed
	EventOpened                               // the circuit opened
	EventReopened                             // a failed probe reopened the circuit
	EventClosed                               // a successful probe closed the circuit
	EventSkipped                              // a call was skipped: open, reserved or locked open
	EventStorageFailure                       // the storage failed; the circuit failed open
	EventProbe                                // a half-open circuit's probe was granted: the one call that may close it
	EventLockChanged                          // an operator locked or unlocked the circuit: Status.Lock is the lock set, LockNone for an unlock
	eventTypes          = iota + 1            // one more than the last type
)

var eventNames = [eventTypes]string{
	EventSuccess:        "success",
	EventFailure:        "failure",
	EventOpened:         "opened",
	EventReopened:       "reopened",
	EventClosed:         "closed",
	EventSkipped:        "skipped",
	EventStorageFailure: "storage_failure",
	EventProbe:          "probe",
	EventLockChanged:    "lock_changed",
}

func (t EventType) valid() bool { return t > 0 && t < eventTypes }

// String returns the event's name, such as "opened", or "unknown" for a value
// that is no event type.
func (t EventType) String() string {
	if t.valid() {
		return eventNames[t]
	}
	return "unknown"
}

// Event is one thing that happened to a circuit.
type Event struct {
	Type    EventType
	Circuit string
	// Err is the call's error for EventFailure (for a call that panicked, an
	// error saying so), the storage's for EventStorageFailure, and the error
	// of the call whose failure made the transition for EventOpened and
	// EventReopened (nil when a background flush of many outcomes made it, or
	// another process).
	Err    error
	Status Status    // the status after the event's transition
	Time   time.Time // Status.CurrentTime
	// Suppressed is, for EventStorageFailure, how many storage failures of the
	// circuit were not reported since the previous such event: they are
	// reported at most once a second per circuit.
	Suppressed int
	// Remote is set on a transition (EventOpened, EventReopened, EventClosed,
	// EventLockChanged) that another process of the fleet made and this one
	// learnt from the shared storage: every process emits each transition
	// once, the one that made it with Remote unset. A learnt transition
	// carries no error.
	Remote bool
	// Slow is set on EventSuccess and EventFailure for a call that took the
	// circuit's SlowCall or longer.
	Slow bool
}

// Listener receives events. Handle is called synchronously on the goroutine of
// the call, outside every lock of breakergen; it must be safe for concurrent use
// and should return quickly. A panic in Handle is recovered and dropped.
type Listener interface {
	Handle(Event)
}

// ListenerFunc adapts a function to a Listener.
type ListenerFunc func(Event)

// Handle calls f(e).
func (f ListenerFunc) Handle(e Event) { f(e) }

// listeners are a Breaker's listeners, indexed by the event types they want.
type listeners [eventTypes][]Listener

func newListeners(specs []listenerSpec) *listeners {
	var ls listeners
	for _, s := range specs {
		if len(s.only) == 0 {
			for t := EventType(1); t < eventTypes; t++ {
				ls[t] = append(ls[t], s.l)
			}
			continue
		}
		var seen [eventTypes]bool
		for _, t := range s.only {
			if !seen[t] {
				seen[t] = true
				ls[t] = append(ls[t], s.l)
			}
		}
	}
	return &ls
}

// wants reports whether any listener wants events of type t.
func (ls *listeners) wants(t EventType) bool { return len(ls[t]) > 0 }

// notify delivers e to every listener that wants it, containing their panics.
func (ls *listeners) notify(e Event) {
	for _, l := range ls[e.Type] {
		deliver(l, e)
	}
}

func deliver(l Listener, e Event) {
	defer func() { _ = recover() }()
	l.Handle(e)
}

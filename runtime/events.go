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
	EventSuccess        EventType = iota + 1 // a call succeeded
	EventFailure                             // a call failed
	EventOpened                              // the circuit opened
	EventReopened                            // a failed probe reopened the circuit
	EventClosed                              // a successful probe closed the circuit
	EventSkipped                             // a call was skipped: open, reserved or locked open
	EventStorageFailure                      // the storage failed; the circuit failed open
)

var eventNames = [...]string{
	EventSuccess:        "success",
	EventFailure:        "failure",
	EventOpened:         "opened",
	EventReopened:       "reopened",
	EventClosed:         "closed",
	EventSkipped:        "skipped",
	EventStorageFailure: "storage_failure",
}

// String returns the event's name, such as "opened".
func (t EventType) String() string {
	if int(t) < len(eventNames) && eventNames[t] != "" {
		return eventNames[t]
	}
	return "unknown"
}

// Event is one thing that happened to a circuit.
type Event struct {
	Type    EventType
	Circuit string
	Err     error     // the call's error for EventFailure, the storage's for EventStorageFailure
	Status  Status    // the status after the event's transition
	Time    time.Time // Status.CurrentTime
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

// notify delivers e to every listener, containing their panics.
func notify(listeners []Listener, e Event) {
	for _, l := range listeners {
		deliver(l, e)
	}
}

func deliver(l Listener, e Event) {
	defer func() { _ = recover() }()
	l.Handle(e)
}

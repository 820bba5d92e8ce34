package breakerhttp

import (
	"sync"
	"time"
	"unicode/utf8"

	"github.com/breakergen/breakergen/runtime"
)

// eventLogSize is how many events an EventLog keeps.
const eventLogSize = 50

// maxEventError bounds the length of an error message an EventLog keeps, in
// bytes: an error that quotes a response body stays small.
const maxEventError = 512

// logged are the event types an EventLog keeps: the transitions, the probes
// granted and the operator's lock changes.
var logged = []runtime.EventType{
	runtime.EventOpened, runtime.EventReopened, runtime.EventClosed,
	runtime.EventProbe, runtime.EventLockChanged,
}

// EventLog is a runtime.Listener that keeps the latest 50 transition events
// of a breaker's circuits, for the status page (WithEventLog): openings,
// reopenings, closings, probes granted and operator lock changes, those this
// process learnt from the others of its fleet (runtime.Event.Remote)
// included, each with its time, circuit, the state it left and the error
// that caused it, if any. Other events are ignored. Give it to the breaker
// and to StatusHandler:
//
//	events := breakerhttp.NewEventLog()
//	b := runtime.MustNew(runtime.WithListener(events)) // asks for events.Events() only
//	admin.Handle("GET /admin/circuits", breakerhttp.StatusHandler(b, breakerhttp.WithEventLog(events)))
//
// Its memory is bounded: the oldest event makes room for the newest, and an
// error message is cut to 512 bytes. It is safe for concurrent use.
type EventLog struct {
	mu     sync.Mutex
	ring   [eventLogSize]loggedEvent
	next   int // where the next event goes
	filled bool
}

// loggedEvent is what an EventLog keeps of an event: no error value, status
// or options that would keep memory of their own alive.
type loggedEvent struct {
	time    time.Time
	circuit string
	typ     runtime.EventType
	state   string // runtime.Status.String after the event
	scope   string
	lock    runtime.Lock // the lock set, of EventLockChanged
	remote  bool
	err     string
}

// NewEventLog returns an empty EventLog.
func NewEventLog() *EventLog { return &EventLog{} }

// Events returns the event types the log keeps, for runtime.WithListener:
// EventOpened, EventReopened, EventClosed, EventProbe and EventLockChanged.
func (l *EventLog) Events() []runtime.EventType {
	return append([]runtime.EventType(nil), logged...)
}

// Handle keeps e if it is of a type Events lists, dropping the oldest event
// kept when the log is full.
func (l *EventLog) Handle(e runtime.Event) {
	switch e.Type {
	case runtime.EventOpened, runtime.EventReopened, runtime.EventClosed,
		runtime.EventProbe, runtime.EventLockChanged:
	default:
		return
	}
	le := loggedEvent{
		time:    e.Time,
		circuit: e.Circuit,
		typ:     e.Type,
		state:   e.Status.String(),
		scope:   e.Status.Scope.String(),
		lock:    e.Status.Lock,
		remote:  e.Remote,
	}
	if le.time.IsZero() {
		le.time = time.Now()
	}
	if e.Err != nil {
		le.err = cut(e.Err.Error(), maxEventError)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ring[l.next] = le
	l.next++
	if l.next == len(l.ring) {
		l.next, l.filled = 0, true
	}
}

// latest returns the events kept, newest first.
func (l *EventLog) latest() []loggedEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.next
	if l.filled {
		n = len(l.ring)
	}
	out := make([]loggedEvent, 0, n)
	for i := range n {
		out = append(out, l.ring[(l.next-1-i+len(l.ring))%len(l.ring)])
	}
	return out
}

// cut returns s cut to at most n bytes, on a rune boundary, marked with an
// ellipsis when cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	i := n - len(ellipsis)
	for i > 0 && !utf8.RuneStart(s[i]) { // s[i] is the first byte left out
		i--
	}
	return s[:i] + ellipsis
}

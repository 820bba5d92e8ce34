package breakertest

import (
	"slices"
	"sync"

	"github.com/breakergen/breakergen/runtime"
)

// Recorder is a runtime.Listener that keeps every event it is given, in
// order, for a test to read or assert on. Give it to runtime.WithListener (a
// Kit has one already, Kit.Events). A Recorder is safe for concurrent use;
// the zero value is ready to use.
type Recorder struct {
	mu     sync.Mutex
	events []runtime.Event
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{} }

// Handle records e.
func (r *Recorder) Handle(e runtime.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// All returns a copy of every event recorded, in order.
func (r *Recorder) All() []runtime.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// Of returns the events of the circuit name, in order; every event when name
// is "".
func (r *Recorder) Of(name string) []runtime.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []runtime.Event
	for _, e := range r.events {
		if name == "" || e.Circuit == name {
			out = append(out, e)
		}
	}
	return out
}

// Types returns the types of the events of the circuit name ("" for every
// circuit), in order, leaving out the types in except.
func (r *Recorder) Types(name string, except ...runtime.EventType) []runtime.EventType {
	var out []runtime.EventType
	for _, e := range r.Of(name) {
		if !slices.Contains(except, e.Type) {
			out = append(out, e.Type)
		}
	}
	return out
}

// Transitions returns the transitions of the circuit name ("" for every
// circuit): its EventOpened, EventReopened and EventClosed, in order.
func (r *Recorder) Transitions(name string) []runtime.EventType {
	var out []runtime.EventType
	for _, e := range r.Of(name) {
		if isTransition(e.Type) {
			out = append(out, e.Type)
		}
	}
	return out
}

// Count returns how many events of type typ the circuit name ("" for every
// circuit) had.
func (r *Recorder) Count(name string, typ runtime.EventType) int {
	n := 0
	for _, e := range r.Of(name) {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// Last returns the last event of the circuit name ("" for any), and false
// when it had none.
func (r *Recorder) Last(name string) (runtime.Event, bool) {
	evs := r.Of(name)
	if len(evs) == 0 {
		return runtime.Event{}, false
	}
	return evs[len(evs)-1], true
}

// Clear forgets every event recorded so far, so a test can assert on what
// follows a step.
func (r *Recorder) Clear() {
	r.mu.Lock()
	r.events = nil
	r.mu.Unlock()
}

func isTransition(t runtime.EventType) bool {
	return t == runtime.EventOpened || t == runtime.EventReopened || t == runtime.EventClosed
}

package breakertest

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/breakergen/breakergen/runtime"
)

// AssertTypes checks that the circuit name ("" for every circuit) had exactly
// the events of types want, in that order, and reports whether it did.
func (r *Recorder) AssertTypes(t testing.TB, name string, want ...runtime.EventType) bool {
	t.Helper()
	return assert.Equal(t, typeNames(want), typeNames(r.Types(name)), "events of circuit %q", name)
}

// AssertTransitions checks that the circuit name ("" for every circuit) went
// through exactly the transitions want (EventOpened, EventReopened,
// EventClosed), in that order, whatever its other events.
func (r *Recorder) AssertTransitions(t testing.TB, name string, want ...runtime.EventType) bool {
	t.Helper()
	return assert.Equal(t, typeNames(want), typeNames(r.Transitions(name)), "transitions of circuit %q", name)
}

// AssertCount checks that the circuit name ("" for every circuit) had n
// events of type typ.
func (r *Recorder) AssertCount(t testing.TB, name string, typ runtime.EventType, n int) bool {
	t.Helper()
	return assert.Equal(t, n, r.Count(name, typ), "%s events of circuit %q", typ, name)
}

// AssertNone checks that the circuit name ("" for every circuit) had no event
// of the types given.
func (r *Recorder) AssertNone(t testing.TB, name string, types ...runtime.EventType) bool {
	t.Helper()
	ok := true
	for _, typ := range types {
		ok = assert.Zero(t, r.Count(name, typ), "%s events of circuit %q", typ, name) && ok
	}
	return ok
}

// typeNames makes failure messages read "opened", not 3.
func typeNames(types []runtime.EventType) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = t.String()
	}
	return out
}

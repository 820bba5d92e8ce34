package breakerhttp

import (
	"math"
	"strings"
	"time"

	"github.com/breakergen/breakergen/runtime"
)

// statusPage is what the status page shows, and its JSON.
type statusPage struct {
	// Time is the instant of the latest status read, by the storage's clock.
	Time     time.Time       `json:"time"`
	Circuits []circuitStatus `json:"circuits"`
	// Events are the EventLog's, newest first; absent without WithEventLog.
	Events []eventStatus `json:"events,omitzero"`
}

// eventStatus is one event on the status page.
type eventStatus struct {
	Time    time.Time `json:"time"`
	Circuit string    `json:"circuit"`
	// Type is runtime.EventType.String: "opened", "reopened", "closed",
	// "probe" or "lock_changed".
	Type string `json:"type"`
	// State is the circuit's state after the event, in runtime.Status.String's
	// words, and Scope whose verdict it is: "fleet" or "process".
	State string `json:"state"`
	Scope string `json:"scope"`
	// Lock is the lock a lock_changed event set: "open", "closed", or "none"
	// (an unlock); absent for the other events.
	Lock string `json:"lock,omitempty"`
	// Remote is set when another process of the fleet made the transition
	// and this one learnt it (runtime.Event.Remote).
	Remote bool `json:"remote"`
	// Error is the error that caused the event: the failure that opened or
	// reopened the circuit; absent when none did, or the event was learnt.
	Error string `json:"error,omitempty"`
}

func newEventStatus(e loggedEvent) eventStatus {
	es := eventStatus{
		Time:    e.time.UTC(),
		Circuit: e.circuit,
		Type:    e.typ.String(),
		State:   e.state,
		Scope:   e.scope,
		Remote:  e.remote,
		Error:   e.err,
	}
	if e.typ == runtime.EventLockChanged {
		es.Lock = e.lock.String()
	}
	return es
}

// circuitStatus is one circuit on the status page.
type circuitStatus struct {
	Name string `json:"name"`
	// State is runtime.Status.String: "closed", "open", "half-open", "open,
	// probe in flight", "open (locked open)", "closed (locked closed)", or
	// "unknown (storage failed)"; followed by " (this process)" when Scope is
	// "process".
	State string `json:"state"`
	// Scope is whose verdict State is (runtime.Status.Scope): "fleet", the
	// storage's shared state (the only one with in-memory storage), or
	// "process", this process's own: a local opening of a fleet circuit, or
	// a process cut off from its storage deciding alone.
	Scope string `json:"scope"`
	Lock  string `json:"lock"` // none, open or closed
	// OpenedAt is when the circuit last opened; absent when never.
	OpenedAt    time.Time `json:"opened_at,omitzero"`
	FailureRate float64   `json:"failure_rate"`
	Samples     int       `json:"samples"`
	// NextProbe is when a probe may run next: absent when closed or locked.
	NextProbe time.Time `json:"next_probe,omitzero"`
	// NextProbeIn is the seconds until NextProbe, 0 once it has come; absent
	// with NextProbe.
	NextProbeIn     *float64 `json:"next_probe_in_seconds,omitempty"`
	ProbeInFlight   bool     `json:"probe_in_flight"`
	CoolDown        float64  `json:"cool_down_seconds"`
	Window          float64  `json:"evaluation_window_seconds"`
	RateThreshold   float64  `json:"rate_threshold"`
	SampleThreshold int      `json:"sample_threshold"`
	// Error is the storage's error when the status could not be read.
	Error string `json:"error,omitempty"`
}

func newCircuitStatus(name string, st runtime.Status, err error) circuitStatus {
	cs := circuitStatus{
		Name:            name,
		State:           st.String(),
		Scope:           st.Scope.String(),
		Lock:            st.Lock.String(),
		OpenedAt:        st.OpenedAt.UTC(),
		FailureRate:     st.FailureRate,
		Samples:         st.SampleSize,
		ProbeInFlight:   strings.HasPrefix(st.String(), probing), // " (this process)" may follow
		CoolDown:        st.Options.CoolDown.Seconds(),
		Window:          st.Options.EvaluationWindow.Seconds(),
		RateThreshold:   st.Options.RateThreshold,
		SampleThreshold: st.Options.SampleThreshold,
	}
	if next := st.NextProbe(); !next.IsZero() {
		cs.NextProbe = next.UTC()
		// The storage's clock may differ from ours: count from its instant.
		in := math.Max(0, next.Sub(st.CurrentTime).Seconds())
		cs.NextProbeIn = &in
	}
	switch {
	case err != nil:
		cs.State, cs.Error = unknown, err.Error()
	case st.Stub:
		cs.State, cs.Error = unknown, "storage unavailable: the circuit fails open"
	}
	return cs
}

// Words of runtime.Status.String, and of the String of Status.Scope, the page
// acts on.
const (
	probing      = "open, probe in flight"
	unknown      = "unknown (storage failed)"
	scopeProcess = "process"
)

// stateClass is the kind of a state, for the page's style and counts:
// "closed", "open", "half-open" or "unknown", the first word of the state.
func stateClass(state string) string {
	if i := strings.IndexAny(state, " ,"); i >= 0 {
		return state[:i]
	}
	return state
}

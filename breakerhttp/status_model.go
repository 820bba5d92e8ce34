package breakerhttp

import (
	"math"
	"time"

	"github.com/breakergen/breakergen/runtime"
)

// statusPage is what the status page shows, and its JSON.
type statusPage struct {
	// Time is the instant of the latest status read, by the storage's clock.
	Time     time.Time       `json:"time"`
	Circuits []circuitStatus `json:"circuits"`
}

// circuitStatus is one circuit on the status page.
type circuitStatus struct {
	Name  string `json:"name"`
	State string `json:"state"` // closed, open, half-open, or unknown when the storage failed
	Lock  string `json:"lock"`  // none, open or closed
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
		State:           stateName(st),
		Lock:            st.Lock.String(),
		OpenedAt:        st.OpenedAt.UTC(),
		FailureRate:     st.FailureRate,
		Samples:         st.SampleSize,
		ProbeInFlight:   st.Reserved() && st.HalfOpen(),
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
		cs.State, cs.Error = "unknown", err.Error()
	case st.Stub:
		cs.State, cs.Error = "unknown", "storage unavailable: the circuit fails open"
	}
	return cs
}

// stateName names a status's state as an operator sees it.
func stateName(st runtime.Status) string {
	switch {
	case st.Closed():
		return "closed"
	case st.HalfOpen():
		return "half-open"
	}
	return "open"
}

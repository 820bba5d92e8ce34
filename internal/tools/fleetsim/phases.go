package fleetsim

import "time"

// traffic is what the workers do during a phase.
type traffic uint8

const (
	trafficNone     traffic = iota // no calls
	trafficSteady                  // calls at the rate, Config.Failures of them failing
	trafficIncident                // trafficSteady, and every call of the incident's circuits fails
)

// phase is one part of a run.
type phase struct {
	name     string
	dur      time.Duration
	traffic  traffic
	measured bool // reported; the warm-up and the idle scenario's settling are not
	once     bool // every pair is called once as the phase starts
}

// phases returns the parts of a run of c, in order; c has its defaults.
func (c Config) phases() []phase {
	switch c.Scenario {
	case Idle:
		return []phase{
			{name: "bind", dur: c.Warmup, traffic: trafficNone},
			{name: "never-called", dur: c.Phase, traffic: trafficNone, measured: true},
			{name: "settle", dur: c.Warmup, traffic: trafficNone, once: true},
			{name: "idle", dur: c.Phase, traffic: trafficNone, measured: true},
		}
	case IncidentOne, IncidentAll:
		return []phase{
			{name: "warm-up", dur: c.Warmup, traffic: trafficSteady},
			{name: "steady", dur: c.Phase, traffic: trafficSteady, measured: true},
			{name: "incident", dur: c.Incident, traffic: trafficIncident, measured: true},
			{name: "recovered", dur: c.Phase, traffic: trafficSteady, measured: true},
		}
	default:
		return []phase{
			{name: "warm-up", dur: c.Warmup, traffic: trafficSteady},
			{name: "steady", dur: c.Phase, traffic: trafficSteady, measured: true},
		}
	}
}

// inIncident reports whether circuit i of every store fails in an incident.
func (c Config) inIncident(circuit int) bool {
	switch c.Scenario {
	case IncidentAll:
		return true
	case IncidentOne:
		return circuit == 0
	}
	return false
}

package runtime

import "github.com/breakergen/breakergen/runtime/storage"

// The words of Status.String, the one vocabulary every integration (logs,
// status page, breakerctl, refusal errors) shows an operator.
const (
	wordClosed       = "closed"
	wordOpen         = "open"
	wordHalfOpen     = "half-open"
	wordProbing      = "open, probe in flight"
	wordLockedOpen   = "open (locked open)"
	wordLockedClosed = "closed (locked closed)"
	wordUnknown      = "unknown (storage failed)"
	wordRamping      = "closed, ramping up"
	wordThrottling   = "closed, throttling"
	// wordProcess follows the words of a status of this process's own
	// verdict (Scope storage.ScopeProcess), which holds for its calls only.
	wordProcess = " (this process)"
)

// String describes the status in the words an operator reads during an
// incident, one of:
//
//	"closed"                    calls run and are counted
//	"open"                      calls are refused until the cool-down ends (also right after a failed probe)
//	"half-open"                 the cool-down is over: the next call probes the dependency
//	"open, probe in flight"     a probe holds the circuit: other calls are refused until it reports
//	"open (locked open)"        an operator's lock refuses every call, whatever the stored state
//	"closed (locked closed)"    an operator's lock runs every call, whatever the stored state
//	"unknown (storage failed)"  the status is the stand-in of a failed storage read (Stub)
//	"closed, ramping up"        probes closed it; it admits a growing share of calls (Ramp)
//	"closed, throttling"        adaptive mode rejects a share of calls (RejectionRate)
//
// A lock names what the circuit does, then the lock, because that is what a
// caller meets; Lock and State keep the stored details. A status of this
// process's own verdict (Scope storage.ScopeProcess: a local opening, or a
// process cut off from its shared storage) ends with " (this process)", as in
// "open (this process)": the fleet's circuit may well be closed.
func (s Status) String() string {
	w := s.words()
	if s.Scope == storage.ScopeProcess && !s.Stub && s.Lock == LockNone {
		return w + wordProcess
	}
	return w
}

// words returns the words of String, before the scope's.
func (s Status) words() string {
	switch {
	case s.Stub:
		return wordUnknown
	case s.LockedOpen():
		return wordLockedOpen
	case s.LockedClosed():
		return wordLockedClosed
	case s.Closed() && s.Ramping():
		return wordRamping
	case s.Closed() && s.RejectionRate() > 0:
		return wordThrottling
	case s.Closed():
		return wordClosed
	case s.probeInFlight():
		return wordProbing
	case s.HalfOpen():
		return wordHalfOpen
	}
	return wordOpen
}

// probeInFlight reports that a probe of the current open period holds the
// reservation. A failed probe reopens the circuit but keeps its reservation
// (so that a late compare-and-set against it fails): that reservation is
// older than the new OpenedAt, and no probe is in flight.
func (s Status) probeInFlight() bool {
	return s.Reserved() && s.ReservedAt.After(s.OpenedAt)
}

// refusal says why a call was refused, for OpenCircuitError: a refusal seen
// with a half-open status lost the race for the probe to another caller,
// whose probe is then in flight.
func (s Status) refusal() string {
	switch {
	case s.LockedOpen():
		return wordLockedOpen
	case s.Closed() && !s.Stub && s.Ramping():
		return wordRamping // a ramp refused it
	case s.Closed() && !s.Stub && s.Options.Mode == ModeAdaptive:
		return wordThrottling // adaptive mode rejected it
	case s.Scope == storage.ScopeProcess && !s.Stub && (s.probeInFlight() || s.HalfOpen()):
		return wordProbing + wordProcess
	case s.Scope == storage.ScopeProcess && !s.Stub:
		return wordOpen + wordProcess
	case s.probeInFlight() || (s.HalfOpen() && !s.Stub):
		return wordProbing
	}
	return wordOpen
}

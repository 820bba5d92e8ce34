package runtime

// CallOutcome is what became of one call, as told to a CallCounter.
type CallOutcome uint8

// The outcomes.
const (
	CallSuccess  CallOutcome = iota + 1 // Done recorded a success
	CallFailure                         // Done recorded a failure
	CallExcluded                        // Done recorded nothing: an excluded error or the caller's own cancellation
	CallSkipped                         // Allow refused the call
	CallFallback                        // a refused call was answered by a fallback (also counted as CallSkipped)
	// CallSlow is told once more, after CallSuccess or CallFailure, for a
	// call that took SlowCall or longer: a counter of calls by outcome skips
	// it (it is no outcome of its own), a counter of slow calls counts it.
	CallSlow
	callOutcomes = iota + 1
)

var callOutcomeNames = [callOutcomes]string{
	CallSuccess:  "success",
	CallFailure:  "failure",
	CallExcluded: "excluded",
	CallSkipped:  "skipped",
	CallFallback: "fallback",
	CallSlow:     "slow",
}

// String returns the outcome's name, such as "skipped".
func (o CallOutcome) String() string {
	if o > 0 && o < callOutcomes {
		return callOutcomeNames[o]
	}
	return "unknown"
}

// CallCounter is an optional interface of a Listener given to WithListener: it
// counts every call of every circuit on the hot path, without the status an
// event carries, so a metrics collector adds a few nanoseconds to a call
// rather than a status read.
//
// The breaker calls CountCalls once per circuit, when the circuit is created,
// for the function that counts that circuit's calls (nil: none), and then calls
// that function once per call with its outcome. The function must be safe for
// concurrent use, must not block and should not allocate; a panic in it is not
// recovered.
type CallCounter interface {
	CountCalls(circuit string) func(CallOutcome)
}

// callCounters combines the counting functions of a circuit's CallCounters into
// one, nil when there is none.
func callCounters(name string, specs []listenerSpec) func(CallOutcome) {
	var fns []func(CallOutcome)
	for _, s := range specs {
		if cc, ok := s.l.(CallCounter); ok {
			if fn := cc.CountCalls(name); fn != nil {
				fns = append(fns, fn)
			}
		}
	}
	switch len(fns) {
	case 0:
		return nil
	case 1:
		return fns[0]
	}
	return func(o CallOutcome) {
		for _, fn := range fns {
			fn(o)
		}
	}
}

// Fallback tells the circuit's call counters that a call Allow refused was
// answered by a fallback instead (CallFallback; the refusal itself was counted
// as CallSkipped). Generated decorators call it before they call a method's
// fallback.
func (c *Circuit) Fallback() { c.counted(CallFallback) }

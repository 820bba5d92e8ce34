package callcount

// Outcome is what became of one call, as told to a Counter's function.
type Outcome uint8

// The outcomes.
const (
	Success  Outcome = iota + 1 // Done recorded a success
	Failure                     // Done recorded a failure
	Excluded                    // Done recorded nothing: an excluded error or the caller's own cancellation
	Skipped                     // Allow refused the call
	Fallback                    // a refused call was answered by a fallback (also counted as Skipped)
	// Slow is told once more, after Success or Failure, for a call that took
	// the circuit's SlowCall or longer: a counter of calls by outcome skips it
	// (it is no outcome of its own), a counter of slow calls counts it.
	Slow
	outcomes = iota + 1
)

var outcomeNames = [outcomes]string{
	Success:  "success",
	Failure:  "failure",
	Excluded: "excluded",
	Skipped:  "skipped",
	Fallback: "fallback",
	Slow:     "slow",
}

// String returns the outcome's name, such as "skipped", or "unknown".
func (o Outcome) String() string {
	if o > 0 && o < outcomes {
		return outcomeNames[o]
	}
	return "unknown"
}

// Counter is an optional interface of a runtime.Listener given to
// runtime.WithListener: it counts every call of every circuit.
//
// The breaker calls CountCalls once per circuit, when the circuit is made, for
// the function that counts that circuit's calls (nil: none), and then calls
// that function once per call with its outcome, on the call's goroutine. The
// function must be safe for concurrent use, must not block and should not
// allocate; a panic in it is not recovered.
type Counter interface {
	CountCalls(circuit string) func(Outcome)
}

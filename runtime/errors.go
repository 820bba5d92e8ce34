package runtime

import (
	"errors"
	"fmt"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

// ErrInvalid is wrapped by every configuration error of breakergen: an invalid
// option given to New, a Circuit's invalid Options, a storage constructor's bad
// argument. It is storage.ErrInvalid, so errors.Is matches either name.
var ErrInvalid = storage.ErrInvalid

// ErrOpen matches, with errors.Is, every error returned for a skipped call.
var ErrOpen = errors.New("breakergen: circuit open")

// errPanicked is the error recorded, and given to listeners, when a protected
// call panicked. The panic itself goes on up the stack.
var errPanicked = errors.New("breakergen: protected call panicked")

// OpenCircuitError is returned for a call that was skipped because its circuit
// is open, reserved for another caller's probe, or locked open. Status is the
// circuit's status when the first call of the open period was refused: the
// error of one period is shared by the calls it refuses, so refusing a call
// allocates nothing. Treat it as read-only.
type OpenCircuitError struct {
	Circuit string
	Status  Status
	clock   Clock // the circuit's, for RetryAfter
}

// Error describes the skipped circuit in Status.String's words: "open",
// "open, probe in flight" (another caller's probe holds the circuit) or
// "open (locked open)".
func (e *OpenCircuitError) Error() string {
	return fmt.Sprintf("breakergen: circuit %q %s", e.Circuit, e.Status.refusal())
}

// Is reports that the error matches ErrOpen.
func (e *OpenCircuitError) Is(target error) bool { return target == ErrOpen }

// RetryAfter returns how long until the circuit may let a probe through: the
// rest of its cool-down, or of another caller's reservation, at the time of the
// call, and 0 when that time has passed. While the circuit is locked open no
// probe runs until an operator unlocks it; RetryAfter then returns CoolDown as a
// hint. An HTTP server can answer a refused request with 503 and Retry-After.
func (e *OpenCircuitError) RetryAfter() time.Duration {
	now := e.Status.CurrentTime
	if e.clock != nil {
		now = e.clock.Now()
	}
	return e.Status.retryAfter(now)
}

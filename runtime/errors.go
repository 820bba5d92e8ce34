package runtime

import (
	"errors"
	"fmt"
)

// ErrOpen matches, with errors.Is, every error returned for a skipped call.
var ErrOpen = errors.New("breakergen: circuit open")

// ErrPanicked is the error recorded, and given to listeners, when a protected call
// panicked. The panic itself goes on up the stack.
var ErrPanicked = errors.New("breakergen: protected call panicked")

// OpenCircuitError is returned for a call that was skipped because its circuit
// is open, reserved for another caller's probe, or locked open.
type OpenCircuitError struct {
	Circuit string
	Status  Status
}

// Error describes the skipped circuit.
func (e *OpenCircuitError) Error() string {
	reason := "open"
	switch {
	case e.Status.LockedOpen():
		reason = "locked open"
	case e.Status.Reserved() || e.Status.HalfOpen():
		reason = "half-open, probe in flight"
	}
	return fmt.Sprintf("breakergen: circuit %q %s", e.Circuit, reason)
}

// Is reports that the error matches ErrOpen.
func (e *OpenCircuitError) Is(target error) bool { return target == ErrOpen }

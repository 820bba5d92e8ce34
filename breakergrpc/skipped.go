package breakergrpc

import (
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/breakergen/breakergen/runtime"
)

// SkippedError is the error of a call the circuit refused: a gRPC status
// error with codes.Unavailable (status.Code and status.FromError see it,
// with a RetryInfo detail), wrapping the *runtime.OpenCircuitError, so
// errors.Is(err, runtime.ErrOpen) holds and errors.As finds the
// OpenCircuitError and its RetryAfter. The calls of one open period share
// one; treat it as read-only. It is safe for concurrent use.
type SkippedError struct {
	open *runtime.OpenCircuitError
}

// Error describes the refusal as gRPC describes a status error.
func (e *SkippedError) Error() string {
	return "rpc error: code = Unavailable desc = " + e.open.Error()
}

// Unwrap returns the *runtime.OpenCircuitError.
func (e *SkippedError) Unwrap() error { return e.open }

// GRPCStatus returns the refusal as a status: codes.Unavailable, with the
// retry-after as a RetryInfo detail.
func (e *SkippedError) GRPCStatus() *status.Status {
	st := status.New(codes.Unavailable, e.open.Error())
	info := &errdetails.RetryInfo{RetryDelay: durationpb.New(e.open.RetryAfter())}
	if withInfo, err := st.WithDetails(info); err == nil {
		return withInfo
	}
	return st
}

// skip returns the error of a call c refused with err.
func (c *circuit) skip(err error) error {
	open, ok := err.(*runtime.OpenCircuitError) //nolint:errorlint // Allow returns it unwrapped
	if !ok {
		return err
	}
	if s := c.skipped.Load(); s != nil && s.open == open {
		return s
	}
	s := &SkippedError{open: open}
	c.skipped.Store(s)
	return s
}

package breakerimpl

import (
	"fmt"
	"io"
)

// ErrHungUp is what a generated RoundTrip records when the round trip
// returned io.EOF itself: net/http's Transport does so when the server
// closed the connection without answering, which is a failure of the server,
// while io.EOF from any other call is the graceful end of a stream and is not
// recorded. It wraps io.ErrUnexpectedEOF. The caller still gets io.EOF.
var ErrHungUp = fmt.Errorf("breakergen: the server closed the connection without answering: %w", io.ErrUnexpectedEOF)

// RoundTripOutcome returns the error a generated RoundTrip records for the
// judged outcome err: ErrHungUp for io.EOF itself, else err.
func RoundTripOutcome(err error) error {
	if err == io.EOF {
		return ErrHungUp
	}
	return err
}

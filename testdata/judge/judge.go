// Package judge is a golden case: outcomes judged from a call's results, not
// only from its error. judge= names a function of this package or of an
// imported one; a final result with an Err() error method is judged by it,
// and while the circuit is open it carries the open-circuit error through its
// SetErr method.
package judge

import (
	"context"
	"errors"
	"net/http"

	"github.com/breakergen/breakergen/testdata/deps/extapi"
)

// The package's HTTP transport has one circuit per host, and a 5xx response
// counts as a failure although RoundTrip returned no error.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen -source net/http -type RoundTripper
//breaker:circuit name=api key=$1.URL.Host judge=statusFailure samples=5 cooldown=30s

// ErrServer is what statusFailure records for a 5xx response.
var ErrServer = errors.New("judge: server error")

// statusFailure judges a round trip: its error, else ErrServer for a 5xx.
func statusFailure(resp *http.Response, err error) error {
	if err == nil && resp.StatusCode >= 500 {
		return ErrServer
	}
	return err
}

// Reply is an answer that carries its own status.
type Reply struct {
	Code int
	Body string
}

// replyFailure judges a call: its error, else ErrServer for a Code of 500 or
// more.
func replyFailure(r Reply, err error) error {
	if err == nil && r.Code >= 500 {
		return ErrServer
	}
	return err
}

// Health has no error result.
type Health struct{ OK bool }

// ErrUnhealthy is what unhealthy records.
var ErrUnhealthy = errors.New("judge: unhealthy")

// unhealthy judges a health check.
func unhealthy(h Health) error {
	if !h.OK {
		return ErrUnhealthy
	}
	return nil
}

// assumeHealthy answers Health while the circuit is open.
func assumeHealthy(ctx context.Context) Health { return Health{OK: false} }

// Rows is a command result in the go-redis style: its error is Err(), and
// SetErr lets a decorator hand back a refused call's error.
type Rows struct {
	Values []string
	err    error
}

// Err returns the command's error.
func (r *Rows) Err() error { return r.err }

// SetErr sets the command's error.
func (r *Rows) SetErr(err error) { r.err = err }

// Status is a result value with Err and a SetErr on its pointer.
type Status struct {
	Text string
	err  error
}

// Err returns the status's error.
func (s Status) Err() error { return s.err }

// SetErr sets the status's error.
func (s *Status) SetErr(err error) { s.err = err }

// NewStatus returns a Status with an error, for fakes.
func NewStatus(text string, err error) Status { return Status{Text: text, err: err} }

// Service answers in several shapes.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
//breaker:circuit name=service samples=3
type Service interface {
	//breaker:circuit judge=replyFailure
	Call(ctx context.Context, q string) (Reply, error)
	//breaker:circuit judge=unhealthy fallback=assumeHealthy
	Health(ctx context.Context) Health
	//breaker:circuit name=service.items judge=extapi.ItemMissing
	Get(ctx context.Context, key string) (extapi.Item, error)
	// Query is judged by the Err() of its result, on the interface's circuit.
	Query(ctx context.Context, q string) *Rows
	//breaker:circuit name=service.status
	Status(ctx context.Context) Status
}

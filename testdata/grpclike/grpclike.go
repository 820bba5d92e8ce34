// Package grpclike is a golden case: a client in the style of a gRPC client,
// whose methods return different reply types, judged by one generic judge
// instantiated per method. The judge declines to record NotFound (it wraps
// runtime.ErrNotRecorded): an answer, neither a failure nor a success.
package grpclike

import (
	"context"
	"errors"
	"fmt"

	"github.com/breakergen/breakergen/runtime"
)

// Code is a status code.
type Code int

// The codes.
const (
	OK Code = iota
	NotFound
	Unavailable
)

// StatusError is a call's status.
type StatusError struct{ Code Code }

// Error describes the status.
func (e *StatusError) Error() string { return fmt.Sprintf("rpc error: code = %d", e.Code) }

// CallOption configures a call.
type CallOption interface{}

// UserReply and OrderReply are replies.
type (
	UserReply  struct{ Name string }
	OrderReply struct{ Cents int }
)

// judge judges any reply by its status: NotFound is not recorded.
func judge[R any](reply R, err error) error {
	if se, ok := errors.AsType[*StatusError](err); ok && se.Code == NotFound {
		return fmt.Errorf("%w: %w", runtime.ErrNotRecorded, err)
	}
	return err
}

// Client is the service's client.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
//breaker:circuit name=rpc samples=3 judge=judge
type Client interface {
	GetUser(ctx context.Context, id string, opts ...CallOption) (*UserReply, error)
	GetOrder(ctx context.Context, id int64, opts ...CallOption) (*OrderReply, error)
}

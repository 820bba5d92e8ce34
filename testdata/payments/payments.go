// Package payments is a golden case: the design document's example. It has an
// interface-level circuit, a method-level circuit with exclude and fallback, a
// method with success errors, a method sharing the interface circuit and a
// skipped method.
package payments

import (
	"context"
	"errors"
)

// ErrDeclined is a business outcome, not a failure of the dependency.
var ErrDeclined = errors.New("payments: declined")

// ErrAlreadyCaptured means a retry found its work done: a success.
var ErrAlreadyCaptured = errors.New("payments: already captured")

// ChargeRequest asks for money.
type ChargeRequest struct {
	Account string
	Cents   int64
}

// Receipt proves a charge.
type Receipt struct{ ID string }

// Payments is a payment provider.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
//breaker:circuit name=payments cooldown=30s window=1m rate=0.5 samples=5
type Payments interface {
	//breaker:circuit name=payments.charge cooldown=10s exclude=ErrDeclined fallback=chargeOffline
	Charge(ctx context.Context, req ChargeRequest) (Receipt, error)
	Refund(ctx context.Context, id string) error // shares the interface circuit "payments"
	//breaker:circuit success=ErrAlreadyCaptured,context.DeadlineExceeded
	Capture(ctx context.Context, id string) error
	//breaker:skip
	Name() string
}

// chargeOffline queues a charge while the provider is unavailable.
func chargeOffline(ctx context.Context, req ChargeRequest) (Receipt, error) {
	return Receipt{ID: "queued:" + req.Account}, nil
}

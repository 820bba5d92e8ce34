// Package gateway is the client side of a card-payments provider, as a service
// would declare it: an interface the rest of the code depends on, protected by a
// generated circuit-breaker decorator (ClientBreaker, in client_breaker.go).
package gateway

import (
	"context"
	"errors"
)

// ErrDeclined is the provider's answer for a card it refuses. It says nothing
// about the provider's health, so it is excluded: returned untouched, never
// counted as a failure.
var ErrDeclined = errors.New("gateway: card declined")

// ChargeRequest asks for an amount to be taken from a card.
type ChargeRequest struct {
	Card   string
	Amount int64 // in cents
}

// Receipt proves a charge.
type Receipt struct {
	ID     string
	Amount int64
}

// Client talks to the payments provider. Every method but Name goes through a
// circuit: Charge through its own, "payments.charge", the others through the
// interface's, "payments".
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
//breaker:circuit name=payments cooldown=30s window=1m rate=0.5 samples=3
type Client interface {
	//breaker:circuit name=payments.charge cooldown=30s exclude=ErrDeclined
	Charge(ctx context.Context, req ChargeRequest) (Receipt, error)
	Refund(ctx context.Context, receiptID string) error
	//breaker:circuit fallback=CachedBalance
	Balance(ctx context.Context, account string) (int64, error)
	//breaker:skip
	Name() string
}

// CachedBalance answers Balance while the provider's circuit is open, without
// calling the provider: -1, which dashboards show as "unknown", beats an error
// page while the provider recovers.
func CachedBalance(ctx context.Context, account string) (int64, error) {
	return -1, nil
}

// Package policies is a golden case: the policies beyond Faulty's set by
// directives, on an interface and on its methods, which inherit them.
package policies

import "context"

// Inventory is a dependency that sometimes hangs.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
//breaker:circuit name=inventory slow=2s slowrate=0.5 cooldown=10s cooldownmax=5m ramp=30s probes=3
type Inventory interface {
	Reserve(ctx context.Context, sku string) error // the interface circuit
	//breaker:circuit name=inventory.count slow=500ms probes=1
	Count(ctx context.Context, sku string) (int, error)
}

// Search is throttled adaptively rather than opened.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
//breaker:circuit name=search mode=adaptive k=1.5 window=10s
type Search interface {
	Query(ctx context.Context, q string) ([]string, error)
}

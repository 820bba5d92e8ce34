// Package fallbacks is a golden case: fallbacks with state. fallback= names
// a method value of a package variable or a function-typed package variable,
// and every protected method has a generated option that gives a fallback
// function value, with the method's exact signature, at construction.
package fallbacks

import (
	"context"
	"errors"
)

// Cache holds the last prices seen.
type Cache struct {
	Prices map[string]int
}

// Lookup answers a price from the cache.
func (c *Cache) Lookup(ctx context.Context, sku string) (int, error) {
	if p, ok := c.Prices[sku]; ok {
		return p, nil
	}
	return 0, ErrUnknown
}

// ErrUnknown says the cache has no price for a SKU.
var ErrUnknown = errors.New("fallbacks: unknown SKU")

// local is the cache Get falls back to while the price service is down.
var local = &Cache{Prices: map[string]int{"apple": 3}}

// Estimate is the fallback of Quote, a function-typed variable that tests or
// start-up code may replace.
var Estimate = func(ctx context.Context, sku string, qty int) (int, error) { return 100 * qty, nil }

// Prices is a price service.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
//breaker:circuit name=prices samples=2
type Prices interface {
	//breaker:circuit fallback=local.Lookup
	Get(ctx context.Context, sku string) (int, error)
	//breaker:circuit fallback=Estimate
	Quote(ctx context.Context, sku string, qty int) (int, error)
	List(ctx context.Context) ([]string, error)
}

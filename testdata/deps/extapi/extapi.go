// Package extapi is a dependency of the golden cases: interfaces and types of
// another package, embedded and referred to by the cases.
package extapi

import (
	"context"
	"errors"
)

// Item is a value of another package.
type Item struct{ Key string }

// Getter reads items.
type Getter interface {
	Get(ctx context.Context, key string) (Item, error)
}

// Lister lists items; its Close overlaps with io.Closer.
type Lister interface {
	List(ctx context.Context) ([]Item, error)
	Close() error
}

// ErrMissing is what ItemMissing records for an item without a key.
var ErrMissing = errors.New("extapi: missing item")

// ItemMissing judges a lookup: its error, else ErrMissing for an empty item. It
// is a judge= function of another package.
func ItemMissing(item Item, err error) error {
	if err == nil && item.Key == "" {
		return ErrMissing
	}
	return err
}

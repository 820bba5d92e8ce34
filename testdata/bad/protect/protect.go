// Package protect has interfaces of which nothing can be protected.
package protect

import "context"

// Sink returns nothing to judge.
type Sink interface {
	Write(ctx context.Context, p []byte)
	Len() int
}

// Closer only cleans up, and cleanup passes through.
type Closer interface {
	Close() error
}

// Skipped skips everything.
//
//breaker:circuit skip=Do
type Skipped interface {
	Do(ctx context.Context) error
}

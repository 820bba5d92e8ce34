// Package multi is a golden case: several //go:generate lines in one file
// (one output file each) and one run wrapping several types into one file.
package multi

import "context"

// Ledger records entries.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
type Ledger interface {
	Append(ctx context.Context, entry string) error
}

// Audit checks entries.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
//breaker:circuit name=audit
type Audit interface {
	Check(ctx context.Context, entry string) (bool, error)
}

//go:generate go run github.com/breakergen/breakergen/cmd/breakergen -type Reader,Writer -output rw_breaker.go

// Reader reads.
type Reader interface {
	Read(ctx context.Context) (string, error)
}

// Writer writes.
type Writer interface {
	Write(ctx context.Context, s string) error
}

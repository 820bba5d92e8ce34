// Package typederrs is a golden case: exclude= and success= list error types
// (T and *T, matched with errors.As through runtime.ErrorAs), constants of
// error types and variables, for an SDK client wrapped with -source and for
// an interface of this package. Names of packages no file imports are written
// with their quoted import path, as the AWS SDK's error types are.
package typederrs

import "context"

// The object store: a missing object is an answer, not an outage, and its
// circuit is one per bucket.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen -source github.com/breakergen/breakergen/testdata/deps/s3like -type API -name Objects
//breaker:circuit name=s3 exclude=*"github.com/breakergen/breakergen/testdata/deps/s3like/types".NoSuchKey,"github.com/breakergen/breakergen/testdata/deps/s3like/types".SlowDown samples=3 key=*$2.Bucket

// constError is an error type whose values are constants.
type constError string

func (e constError) Error() string { return string(e) }

// ErrLocked is a constant error: the row is locked by another writer.
const ErrLocked constError = "typederrs: locked"

// ConflictError says a write lost a race: the work is done, by someone else.
type ConflictError struct{ Version int }

// Error describes the conflict.
func (e ConflictError) Error() string { return "typederrs: conflict" }

// Ledger is a store of this package.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
//breaker:circuit name=ledger samples=3 exclude=ErrLocked,*"github.com/breakergen/breakergen/testdata/deps/s3like/types".NoSuchKey
type Ledger interface {
	//breaker:circuit success=ConflictError,context.DeadlineExceeded,"github.com/breakergen/breakergen/testdata/deps/go-vendorsdk".ErrThrottled
	Write(ctx context.Context, entry string) error
	Read(ctx context.Context, entry string) (string, error)
}

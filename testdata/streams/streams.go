// Package streams is a golden case: stream-shaped interfaces. The Read and
// Write-family methods of embedded io interfaces pass through like Close,
// unless a //breaker:method line opts one in; the call that opens a stream
// is the one to protect. io.EOF is never a failure.
package streams

import (
	"context"
	"io"
)

// Files opens files of a remote store: Open is protected, the stream it
// returns is read unprotected.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
//breaker:circuit name=files samples=3
type Files interface {
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	io.Reader
	io.WriterTo
	io.ByteReader
	io.Closer
}

// Tape is read one record per call from a device that fails: its Read is
// opted in, and the end of the tape (io.EOF) is not a failure.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
//breaker:circuit name=tape samples=3
//breaker:method Read
type Tape interface {
	io.ReadCloser
}

// Package methods has //breaker:method lines that name no method, give a
// method directives twice, or sit on a method.
package methods

import (
	"context"
	"io"
)

// Stream embeds io.Reader.
//
//breaker:circuit name=stream
//breaker:method Read samples=2
//breaker:method Write samples=2
//breaker:method Get name=own
//breaker:method
type Stream interface {
	io.Reader
	//breaker:circuit samples=3
	Get(ctx context.Context) error
	//breaker:method Put samples=2
	Put(ctx context.Context) error
}

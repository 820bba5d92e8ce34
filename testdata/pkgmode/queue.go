package pkgmode

import "context"

// Queue is in another file of the package.
//
//breaker:circuit name=queue
type Queue interface {
	Push(ctx context.Context, msg string) error
	//breaker:skip
	Len() int
}

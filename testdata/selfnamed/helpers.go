package selfnamed

import (
	"context"
	"errors"

	"github.com/breakergen/breakergen/runtime"
)

// ErrNext is what nextImpl returns when told to fail.
var ErrNext = errors.New("selfnamed: next failed")

// nextImpl implements next.
type nextImpl struct{ fail bool }

func (n nextImpl) next(ctx context.Context) error {
	if n.fail {
		return ErrNext
	}
	return nil
}

func (n nextImpl) selfnamedNext(ctx context.Context) error { return n.next(ctx) }

func (nextImpl) Breaker() string { return "impl" }

// CallNext calls next through its decorator built on b, for tests outside the
// package: the decorator of an unexported interface is unexported too.
func CallNext(ctx context.Context, b *runtime.Breaker, fail bool) error {
	return newNextBreaker(next(nextImpl{fail: fail}), b).next(ctx)
}

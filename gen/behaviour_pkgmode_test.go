package gen_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/testdata/blankline"
	"github.com/breakergen/breakergen/testdata/pkgmode"
)

// pkgStores implements the interfaces of package pkgmode.
type pkgStores struct{ err error }

func (s pkgStores) Get(ctx context.Context, id string) (string, error) { return id, s.err }
func (s pkgStores) List(ctx context.Context) ([]string, error)         { return nil, s.err }
func (s pkgStores) Count(ctx context.Context) (int, error)             { return 0, s.err }
func (s pkgStores) Push(ctx context.Context, msg string) error         { return s.err }
func (s pkgStores) Len() int                                           { return 1 }

func TestPackageModeWrapsEveryAnnotatedInterface(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	bad := pkgStores{err: errBoom}
	users := pkgmode.NewUsersBreaker(bad, h.b)
	orders := pkgmode.NewOrdersBreaker(bad, h.b)
	queue := pkgmode.NewQueueBreaker(bad, h.b)
	for range 2 {
		_, err := users.Get(ctx, "u")
		require.ErrorIs(t, err, errBoom)
		_, err = orders.List(ctx)
		require.ErrorIs(t, err, errBoom)
	}
	_, err := users.Get(ctx, "u")
	wantOpen(t, err)
	_, err = orders.List(ctx)
	wantOpen(t, err)
	_, err = orders.Count(ctx)
	require.ErrorIs(t, err, errBoom, "Count is on the interface's default circuit")
	require.ErrorIs(t, queue.Push(ctx, "m"), errBoom)
	assert.Equal(t, 1, queue.Len())
	assert.Equal(t, []string{"orders.list", "pkgmode.Orders", "queue", "users"}, circuitNames(h.b))
	_, err = os.Stat(filepath.Join("..", "testdata", "pkgmode", "plain_breaker.go"))
	assert.ErrorIs(t, err, os.ErrNotExist, "an interface without a directive is not wrapped")
}

// blankStores implements the interfaces of package blankline.
type blankStores struct{ err error }

func (s blankStores) Get(ctx context.Context, id string) (string, error) { return id, s.err }
func (s blankStores) Put(ctx context.Context, id string) error           { return s.err }

// TestBlankLineWrapsEveryAnnotatedInterface is the first-hour report: a
// //go:generate line after the imports, then a blank line, wrapped only the
// first annotated interface. It wraps both now.
func TestBlankLineWrapsEveryAnnotatedInterface(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	first := blankline.NewFirstBreaker(blankStores{err: errBoom}, h.b)
	second := blankline.NewSecondBreaker(blankStores{err: errBoom}, h.b)
	for range 2 {
		_, err := first.Get(ctx, "a")
		require.ErrorIs(t, err, errBoom)
		require.ErrorIs(t, second.Put(ctx, "a"), errBoom)
	}
	_, err := first.Get(ctx, "a")
	wantOpen(t, err)
	wantOpen(t, second.Put(ctx, "a"), "the second interface is protected too")
	_, err = os.Stat(filepath.Join("..", "testdata", "blankline", "plain_breaker.go"))
	assert.ErrorIs(t, err, os.ErrNotExist, "an interface without a directive is not wrapped")
}

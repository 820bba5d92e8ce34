package gen_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

//go:build breakergen_extra

package buildtags_test

import (
	"context"
	"errors"
	"testing"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/testdata/buildtags"
)

type extra struct{ err error }

func (e extra) Do(ctx context.Context) (int, error) { return 1, e.err }

// TestExtra runs only with -tags breakergen_extra, the tag of extra.go and of
// its generated decorator; gen's TestBuildTaggedExtra runs it.
func TestExtra(t *testing.T) {
	ctx := context.Background()
	b := runtime.MustNew()
	ok := buildtags.NewExtraBreaker(extra{}, b)
	if n, err := ok.Do(ctx); n != 1 || err != nil {
		t.Fatalf("Do = %d, %v", n, err)
	}
	failing := buildtags.NewExtraBreaker(extra{err: errors.New("boom")}, b)
	for range 3 {
		_, _ = failing.Do(ctx)
	}
	if _, err := ok.Do(ctx); !errors.Is(err, runtime.ErrOpen) {
		t.Fatalf("after 3 failures on circuit buildtags.Extra: err = %v, want open", err)
	}
}

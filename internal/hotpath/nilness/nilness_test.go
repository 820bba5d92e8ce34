package nilness_test

import (
	"io"
	"testing"

	"github.com/breakergen/breakergen/internal/hotpath/nilness"
	"github.com/stretchr/testify/assert"
)

type impl struct{}

func (*impl) Write(p []byte) (int, error) { return len(p), nil }

func TestIs(t *testing.T) {
	var typed *impl
	var w io.Writer = typed
	assert.True(t, nilness.Is(nil))
	assert.True(t, nilness.Is(w), "a typed nil pointer in an interface")
	assert.True(t, nilness.Is(map[string]int(nil)))
	assert.True(t, nilness.Is((func())(nil)))
	assert.False(t, nilness.Is(&impl{}))
	assert.False(t, nilness.Is(0))
	assert.False(t, nilness.Is(struct{}{}))
}

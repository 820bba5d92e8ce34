package gen_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/testdata/policies"
)

// hangingInventory is an Inventory whose calls take hang on the harness's
// clock.
type hangingInventory struct {
	h    *harness
	hang time.Duration
}

func (f *hangingInventory) Reserve(context.Context, string) error {
	f.h.clock.Advance(f.hang)
	return nil
}

func (f *hangingInventory) Count(context.Context, string) (int, error) {
	f.h.clock.Advance(f.hang)
	return 1, nil
}

type search struct{ err error }

func (s search) Query(context.Context, string) ([]string, error) { return nil, s.err }

// TestPolicyDirectives checks that the policy keys of the directives reach the
// circuits' options, a method's inheriting its interface's.
func TestPolicyDirectives(t *testing.T) {
	h := newHarness()
	policies.NewInventoryBreaker(&hangingInventory{h: h}, h.b)
	policies.NewSearchBreaker(search{}, h.b)
	inv := h.status(t, "inventory").Options
	assert.Equal(t, 2*time.Second, inv.SlowCall)
	assert.Equal(t, 0.5, inv.SlowRate)
	assert.Equal(t, 5*time.Minute, inv.CoolDownMax)
	assert.Equal(t, 30*time.Second, inv.Ramp)
	assert.Equal(t, 3, inv.HalfOpenProbes)
	count := h.status(t, "inventory.count").Options
	assert.Equal(t, 500*time.Millisecond, count.SlowCall, "the method's own")
	assert.Equal(t, 1, count.HalfOpenProbes, "the method's own")
	assert.Equal(t, 30*time.Second, count.Ramp, "inherited")
	s := h.status(t, "search").Options
	assert.Equal(t, runtime.ModeAdaptive, s.Mode)
	assert.Equal(t, 1.5, s.K)
	assert.Equal(t, 10*time.Second, s.EvaluationWindow)
}

// TestPolicyDirectivesSlowCalls checks that slow calls through a generated
// decorator open its circuit.
func TestPolicyDirectivesSlowCalls(t *testing.T) {
	h := newHarness()
	inv := policies.NewInventoryBreaker(&hangingInventory{h: h, hang: 3 * time.Second}, h.b)
	for range 3 {
		require.NoError(t, inv.Reserve(context.Background(), "sku"))
	}
	wantOpen(t, inv.Reserve(context.Background(), "sku"))
	assert.Equal(t, 1, h.rec.count("inventory", runtime.EventOpened))
}

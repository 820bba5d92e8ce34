package bench

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
)

// TestPolicyRowsSucceed checks that every policy row runs the protected call
// once and returns its nil error.
func TestPolicyRowsSucceed(t *testing.T) {
	for _, r := range policyRows() {
		t.Run(r.name, func(t *testing.T) {
			sp := &spy{}
			call := r.build(sp.work())
			for i := range 100 {
				require.NoError(t, call(), "call %d", i)
			}
			assert.Equal(t, 100, sp.runs)
		})
	}
}

// TestPolicyRowsRefuseDuringOutage checks that after 1,000 failures every
// row refuses most calls with its library's own error: the outage benchmark
// times live breakers.
func TestPolicyRowsRefuseDuringOutage(t *testing.T) {
	for _, r := range policyRows() {
		t.Run(r.name, func(t *testing.T) {
			call := outage(r)
			refused := 0
			for range 1000 {
				err := call()
				require.Error(t, err)
				if errors.Is(err, runtime.ErrOpen) || rejectedByThrottler(err) || err != errDependency {
					refused++
				}
			}
			assert.GreaterOrEqual(t, refused, 850, "calls refused of 1,000 during the outage")
		})
	}
}

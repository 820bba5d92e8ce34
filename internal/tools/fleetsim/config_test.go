package fleetsim_test

import (
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/tools/fleetsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestValidate accepts the presets and a zero Config (all defaults), and
// names every field out of range.
func TestValidate(t *testing.T) {
	require.NoError(t, fleetsim.Config{}.Validate())
	for _, p := range append(fleetsim.Small(), fleetsim.Large()...) {
		assert.NoError(t, p.Config.Validate(), p.Name)
	}
	err := fleetsim.Config{Scenario: "storm", Processes: -1, Rate: -1, Failures: 2, Tick: time.Microsecond,
		CoolDown: -time.Second}.Validate()
	require.Error(t, err)
	for _, want := range []string{`unknown scenario "storm"`, "processes (-1)", "rate -1", "tick (1µs)", "cool-down -1s"} {
		assert.ErrorContains(t, err, want)
	}
}

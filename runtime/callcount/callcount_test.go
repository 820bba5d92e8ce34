package callcount_test

import (
	"testing"

	"github.com/breakergen/breakergen/runtime/callcount"
	"github.com/stretchr/testify/assert"
)

func TestOutcomeString(t *testing.T) {
	for o, want := range map[callcount.Outcome]string{
		callcount.Success:  "success",
		callcount.Failure:  "failure",
		callcount.Excluded: "excluded",
		callcount.Skipped:  "skipped",
		callcount.Fallback: "fallback",
		callcount.Slow:     "slow",
		0:                  "unknown",
		callcount.Slow + 1: "unknown",
	} {
		assert.Equal(t, want, o.String(), "outcome %d", o)
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScript plays the example's script against real dependencies and checks
// the lines that show each circuit at work.
func TestScript(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("BREAKERGEN_REQUIRE_REDIS") == "1" {
			t.Fatal("no redis-server on PATH and BREAKERGEN_REQUIRE_REDIS=1")
		}
		t.Skip("no redis-server on PATH (Debian: apt-get install redis-server)")
	}
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, ""))
	got := out.String()
	assert.Contains(t, got, "GET /quote?item=apple -> 200 apple costs 42.00")
	assert.Contains(t, got, "503 pricing unavailable (circuit open), Retry-After: 30")
	assert.Contains(t, got, "http[<pricing>]                  open")
	assert.Contains(t, got, "GET /quote?item=plum -> 200 plum costs 42.00")
	assert.Contains(t, got, "http[<pricing>]                  closed")
}

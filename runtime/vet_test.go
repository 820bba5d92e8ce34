package runtime_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVetReportsCopiedAttempt checks that go vet catches a copied Attempt, which
// would record one call twice.
func TestVetReportsCopiedAttempt(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	dir := t.TempDir()
	src := `package copied

import (
	"context"

	"github.com/breakergen/breakergen/runtime"
)

func Twice(c *runtime.Circuit) {
	a, err := c.Allow(context.Background())
	if err != nil {
		return
	}
	b := a
	a.Done(context.Background(), nil)
	b.Done(context.Background(), nil)
}
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "copied.go"), []byte(src), 0o644))
	wd, err := os.Getwd()
	require.NoError(t, err)
	root := filepath.Dir(wd)
	// A module of its own that uses this one from its folder, with its sums.
	mod := "module copied\n\ngo 1.26\n\nrequire github.com/breakergen/breakergen v0.0.0\n\n" +
		"replace github.com/breakergen/breakergen => " + root + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644))
	sums, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sums, 0o644))
	cmd := exec.Command("go", "vet", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	assert.Error(t, err, "go vet passed a copied Attempt: %s", out)
	assert.Contains(t, string(out), "copies lock value", "go vet's report")
}

package runtime_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maxConsumerModules is the most modules a program that imports only
// runtime and runtime/storage may carry in its module graph, itself and
// breakergen included.
const maxConsumerModules = 15

// consumerProgram is a program that uses the runtime and its storage seam
// only, as most services do.
const consumerProgram = `package main

import (
	"fmt"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
)

func main() {
	b := runtime.MustNew(runtime.WithStorage(storage.NewMemory()))
	fmt.Println(b.Circuit("x").Name())
}
`

// TestRuntimeUsersModuleGraph builds a scratch module that imports only
// runtime and runtime/storage, replacing breakergen by this checkout, and
// checks its module graph: the metrics integrations are modules of their own,
// so neither Prometheus nor OpenTelemetry is in it, and it stays small. go
// resolves what the module cache lacks through the module proxy, nothing
// else.
func TestRuntimeUsersModuleGraph(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a scratch module")
	}
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	dir := t.TempDir()
	gomod := "module example.com/consumer\n\ngo 1.26.0\n\n" +
		"require github.com/breakergen/breakergen v0.0.0\n\n" +
		"replace github.com/breakergen/breakergen => " + root + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(consumerProgram), 0o644))
	goCmd(t, dir, "mod", "tidy")
	goCmd(t, dir, "build", "./...")

	modules := strings.Fields(goCmd(t, dir, "list", "-m", "-f", "{{.Path}}", "all"))
	t.Logf("%d modules in the graph of a runtime user: %s", len(modules), strings.Join(modules, " "))
	for _, m := range modules {
		assert.False(t, strings.HasPrefix(m, "github.com/prometheus/"), "Prometheus in the graph: %s", m)
		assert.False(t, strings.HasPrefix(m, "go.opentelemetry.io/"), "OpenTelemetry in the graph: %s", m)
	}
	assert.LessOrEqual(t, len(modules), maxConsumerModules, "modules in the graph")
}

// goCmd runs the go command in dir and returns its standard output.
func goCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go %s: %s", strings.Join(args, " "), stderr.String())
	return string(out)
}

package gen_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/gen"
)

// moduleRoot returns the absolute path of this module's root.
func moduleRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	return root
}

// scratchEnv is the environment of go commands run on a scratch module: it
// resolves github.com/breakergen/breakergen to this tree and everything else
// from the module cache the root module populated, with no network.
func scratchEnv() []string {
	return append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off")
}

// scratchModule writes a module example.com/scratch requiring this module
// (replaced by this tree) with the given files, and returns its directory.
func scratchModule(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	root := moduleRoot(t)
	gomod := "module example.com/scratch\n\ngo 1.26\n\nrequire github.com/breakergen/breakergen v0.0.0\n\nreplace github.com/breakergen/breakergen => " + root + "\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	write := func(name string, data []byte) {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(unhide(string(data))), 0o644))
	}
	write("go.mod", []byte(gomod))
	write("go.sum", sum)
	for name, src := range files {
		write(name, []byte(src))
	}
	return dir
}

// goCmd runs the go command in dir and returns its combined output.
func goCmd(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = scratchEnv()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), out)
	return string(out)
}

const staleIface = `package svc

import "context"

// Store was changed: Old is gone, New appeared.
//
//go:generate-hidden breakergen
type Store interface {
	New(ctx context.Context, id string) (int, error)
}

// Use refers to the generated constructor: while the generated file is hidden
// for loading, this file does not type-check, and that must not matter.
var Use = NewStoreBreaker
`

const staleOutput = gen.Header + `

package svc

// An output generated for an older Store: it refers to a method that no
// longer exists and does not compile.
func (d *StoreBreaker) Old() error { return d.next.Old() }

var broken int = "not an int"
`

// TestStaleOutputNeverBlocksLoading regenerates a package whose earlier
// output no longer compiles, and compiles the result.
func TestStaleOutputNeverBlocksLoading(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	dir := scratchModule(t, map[string]string{
		"svc/store.go":         staleIface,
		"svc/store_breaker.go": staleOutput,
	})
	pkg := filepath.Join(dir, "svc")
	cfg := gen.Config{Dir: pkg, File: "store.go", Line: 7, Env: scratchEnv()}
	res, err := gen.Run(context.Background(), cfg)
	require.NoError(t, err, "generation failed on a package with a stale output")
	require.Len(t, res.Files, 1)
	assert.True(t, res.Files[0].Changed, "the stale output was not reported as changed")
	assert.Equal(t, "store_breaker.go", filepath.Base(res.Files[0].Path))
	got, err := os.ReadFile(filepath.Join(pkg, "store_breaker.go"))
	require.NoError(t, err)
	assert.Contains(t, string(got), "func (d *StoreBreaker) New(", "stale output not replaced")
	assert.NotContains(t, string(got), "Old", "stale output not replaced")
	goCmd(t, dir, "vet", "./...")
}

// TestDeterministicAndWrittenOnlyWhenChanged runs the generator twice and
// checks identical bytes and an untouched file on the second run.
func TestDeterministicAndWrittenOnlyWhenChanged(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	dir := scratchModule(t, map[string]string{"svc/store.go": staleIface})
	pkg := filepath.Join(dir, "svc")
	cfg := gen.Config{Dir: pkg, File: "store.go", Line: 7, Env: scratchEnv()}
	first, err := gen.Run(context.Background(), cfg)
	require.NoError(t, err)
	out := filepath.Join(pkg, "store_breaker.go")
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	require.NoError(t, os.Chtimes(out, old, old))
	second, err := gen.Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Len(t, first.Files, 1)
	require.Len(t, second.Files, 1)
	assert.True(t, bytes.Equal(first.Files[0].Content, second.Files[0].Content), "two runs produced different bytes")
	assert.False(t, second.Files[0].Changed, "second run reports a change")
	info, err := os.Stat(out)
	require.NoError(t, err)
	assert.True(t, info.ModTime().Equal(old), "unchanged output was rewritten (mtime %v, want %v)", info.ModTime(), old)
	goCmd(t, dir, "build", "./...")
}

// TestTypeErrorInTargetIsReported checks that a package error that makes the
// target's own types invalid is reported rather than generating bad code.
func TestTypeErrorInTargetIsReported(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	dir := scratchModule(t, map[string]string{"svc/svc.go": `package svc

import "context"

type I interface {
	M(ctx context.Context) (Missing, error)
}
`})
	_, err := gen.Generate(context.Background(), gen.Config{Dir: filepath.Join(dir, "svc"), Types: []string{"I"}, Env: scratchEnv()})
	want := "svc/svc.go:6:2: method M: a type is invalid because the package has errors (first: "
	require.Error(t, err)
	assert.ErrorIs(t, err, gen.ErrLoad)
	assert.True(t, strings.HasPrefix(err.Error(), want), "err = %v, want the package's type error", err)
	assert.Contains(t, err.Error(), "undefined: Missing")
}

// unhide restores the //go:generate lines of a test source. They are kept hidden
// in this file so that go generate ./... in this repository does not run them.
func unhide(src string) string {
	return strings.ReplaceAll(src, "//go:generate-hidden ", "//go:generate ")
}

// TestSourceNotInGoMod is the first-hour report: a -source package that no
// module of go.mod provides failed with "no package in <dir>". The error
// names the package and the command that adds it.
func TestSourceNotInGoMod(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	dir := scratchModule(t, map[string]string{"svc/svc.go": `package svc

import "github.com/breakergen/breakergen/runtime"

var _ = runtime.ErrOpen

//go:generate-hidden breakergen -source github.com/redis/go-redis/v9 -type Cmdable
//go:generate-hidden breakergen -source github.com/sony/gobreaker -type TwoStepCircuitBreaker
`})
	goCmd(t, dir, "mod", "tidy")                         // go.mod and go.sum as a user's are: go-redis is a dependency of breakergen only
	env := append(scratchEnv(), "GOFLAGS=-mod=readonly") // as go generate runs: go.mod is not edited
	for line, path := range map[int]string{7: "github.com/redis/go-redis/v9", 8: "github.com/sony/gobreaker"} {
		_, err := gen.Generate(context.Background(), gen.Config{
			Dir: filepath.Join(dir, "svc"), File: "svc.go", Line: line, Env: env,
			Source: path, Types: []string{"Cmdable"},
		})
		require.Error(t, err)
		assert.ErrorIs(t, err, gen.ErrLoad)
		assert.Equal(t, fmt.Sprintf("svc/svc.go:%d:1: -source %s: not in go.mod; run go get %s", line, path, path), err.Error())
	}
}

package main

import (
	"bytes"
	"context"
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

func TestHelpDocumentsEveryFlagWithAnExample(t *testing.T) {
	var out bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"-h"}, func(string) string { return "" }, &out), "-h exit status")
	help := out.String()
	for _, want := range []string{
		"-type", "e.g. -type Payments,Ledger",
		"-source", "e.g. -source net/http -type RoundTripper",
		"-output", "e.g. -output breakers.go",
		"-name", "e.g. -source net -type Conn -name NetConn",
		"-tags", "e.g. -tags integration",
		"-v", "e.g. -v",
		"//go:generate go run github.com/breakergen/breakergen/cmd/breakergen",
		"go tool breakergen",
		"//breaker:circuit", "//breaker:skip",
		"runtime.WithInstance", "key=host", "judge", "skip",
		"//breaker:method", `*"example.com/sdk/types".NoSuchKey`, "local.Lookup", "directly above",
	} {
		assert.Contains(t, help, want)
	}
}

func TestExitStatus(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"unknown flag", []string{"-nope"}, nil, 2, "flag provided but not defined: -nope"},
		{"extra argument", []string{"-type", "X", "extra"}, nil, 2, `unexpected arguments ["extra"]`},
		{"bad GOLINE", nil, map[string]string{"GOFILE": "x.go", "GOLINE": "ten"}, 1, `GOLINE="ten" is not a line number`},
		{"no target", nil, nil, 1, "breakergen: no target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			code := run(context.Background(), tt.args, env(tt.env), &out)
			assert.Equal(t, tt.code, code, "exit status")
			assert.Contains(t, out.String(), tt.want)
		})
	}
}

// scratch files for the end-to-end test.
const (
	e2ePayments = `package svc

import (
	"context"
	"errors"
)

// ErrDeclined is not a failure of the provider.
var ErrDeclined = errors.New("declined")

// Payments is a provider.
//
//go:generate-hidden breakergen
//breaker:circuit name=e2e.payments samples=2 cooldown=1m
type Payments interface {
	//breaker:circuit name=e2e.charge exclude=ErrDeclined fallback=chargeLater
	Charge(ctx context.Context, cents int64) (string, error)
	Refund(ctx context.Context, id string) error
	Name() string
}

func chargeLater(ctx context.Context, cents int64) (string, error) { return "later", nil }
`
	// e2eStale is an output generated for an older Payments; it does not compile.
	e2eStale = gen.Header + `

package svc

func (d *PaymentsBreaker) Gone() error { return d.next.Gone() }
`
	e2eHTTP = `package svc

//go:generate-hidden go tool breakergen -source net/http -type RoundTripper
//breaker:circuit name=e2e.http cooldown=30s
`
	e2eMain = `package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"example.com/scratch/svc"
	"github.com/breakergen/breakergen/runtime"
)

type provider struct{}

func (provider) Charge(ctx context.Context, cents int64) (string, error) { return "", errors.New("down") }
func (provider) Refund(ctx context.Context, id string) error            { return errors.New("down") }
func (provider) Name() string                                           { return "provider" }

type transport struct{}

func (transport) RoundTrip(*http.Request) (*http.Response, error) { return nil, errors.New("down") }

func main() {
	ctx := context.Background()
	b := runtime.MustNew()
	p := svc.NewPaymentsBreaker(provider{}, b)
	for range 3 {
		_, _ = p.Charge(ctx, 1)
	}
	r, err := p.Charge(ctx, 1)
	fmt.Println("charge:", r, err)
	_ = p.Refund(ctx, "a")
	_ = p.Refund(ctx, "b")
	fmt.Println("refund open:", errors.Is(p.Refund(ctx, "c"), runtime.ErrOpen))
	fmt.Println("name:", p.Name())
	var rt http.RoundTripper = svc.NewRoundTripperBreaker(transport{}, b)
	_ = rt
}
`
	e2eBad = `package bad

import "context"

//go:generate-hidden breakergen
//breaker:circuit cooldown=soon
type Bad interface {
	M(ctx context.Context) error
}
`
)

// TestEndToEnd builds the command, runs it through go generate (from PATH and
// as go tool) on a scratch module that uses this module through a replace
// directive, and compiles, vets and runs the result.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and runs the go command")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	bin := t.TempDir()
	goRun(t, ".", nil, "build", "-o", filepath.Join(bin, "breakergen"), ".")

	dir := t.TempDir()
	// go tool does not update go.mod, so the scratch module lists what the
	// tool needs: this module and its requirements (copied from the root).
	gomod := "module example.com/scratch\n\ngo 1.26\n\n" +
		"require github.com/breakergen/breakergen v0.0.0\n\n" + requireBlock(t, root) + "\n" +
		"replace github.com/breakergen/breakergen => " + root + "\n\n" +
		"tool github.com/breakergen/breakergen/cmd/breakergen\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	files := map[string]string{
		"go.mod":                  gomod,
		"go.sum":                  string(sum),
		"main.go":                 e2eMain,
		"svc/payments.go":         e2ePayments,
		"svc/payments_breaker.go": e2eStale,
		"svc/http.go":             e2eHTTP,
	}
	for name, src := range files {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(unhide(src)), 0o644))
	}
	path := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}

	// Notes name files relative to the module root.
	out := goRun(t, dir, path, "generate", "./...")
	assert.Equal(t, "svc/payments.go:15:6: note: Payments: Name passes through unprotected (no final error result, no Err() error result and no judge=)\n", out)
	for _, name := range []string{"svc/payments_breaker.go", "svc/roundtripper_breaker.go"} {
		src, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.True(t, bytes.HasPrefix(src, []byte(gen.Header+"\n")), "%s lacks the header", name)
		assert.NotContains(t, string(src), "Gone", "%s still holds the stale output", name)
	}
	goRun(t, dir, nil, "build", "./...")
	goRun(t, dir, nil, "vet", "./...")
	got := goRun(t, dir, nil, "run", ".")
	assert.Equal(t, "charge: later <nil>\nrefund open: true\nname: provider\n", got)

	// A second run changes nothing.
	stat := func() time.Time {
		info, err := os.Stat(filepath.Join(dir, "svc/payments_breaker.go"))
		require.NoError(t, err)
		return info.ModTime()
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	require.NoError(t, os.Chtimes(filepath.Join(dir, "svc/payments_breaker.go"), old, old))
	goRun(t, dir, path, "generate", "./svc")
	assert.True(t, stat().Equal(old), "an unchanged output was rewritten")

	// Bad input: exit status 1, file:line:col, nothing written.
	badDir := filepath.Join(dir, "bad")
	require.NoError(t, os.MkdirAll(badDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(badDir, "bad.go"), []byte(unhide(e2eBad)), 0o644))
	cmd := exec.Command(filepath.Join(bin, "breakergen"))
	cmd.Dir = badDir
	cmd.Env = append(scratchEnv(), "GOFILE=bad.go", "GOLINE=5", "GOPACKAGE=bad")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "bad input")
	assert.Equal(t, 1, exit.ExitCode())
	assert.Equal(t, "bad/bad.go:6:28: cooldown: \"soon\" is not a duration (examples: 30s, 1m, 1h30m)\n", stderr.String(),
		"files are named relative to the module root")
	entries, err := os.ReadDir(badDir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "bad input wrote files")
}

// requireBlock returns the require directives of the root go.mod.
func requireBlock(t *testing.T, root string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	var b strings.Builder
	in := false
	for _, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "require ("):
			in = true
			b.WriteString("require (\n")
		case in && trimmed == ")":
			in = false
			b.WriteString(")\n")
		case in:
			b.WriteString(line + "\n")
		case strings.HasPrefix(trimmed, "require "):
			b.WriteString(trimmed + "\n")
		}
	}
	return b.String()
}

// scratchEnv resolves modules from the module cache, and from the configured
// module proxy for what the cache lacks: on a fresh machine the cache holds
// only the modules this repository's tests built, not every go.mod of the
// graph that go generate resolves in a scratch module. The go.sum copied from
// this module lets the checksum database stay unasked.
func scratchEnv() []string {
	return append(os.Environ(), "GOFLAGS=-mod=mod", "GOSUMDB=off", "GOWORK=off")
}

// goRun runs the go command in dir with extra environment and returns its
// combined output.
func goRun(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(scratchEnv(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), out)
	return string(out)
}

// unhide restores the //go:generate lines of a test source. They are kept hidden
// in this file so that go generate ./... in this repository does not run them.
func unhide(src string) string {
	return strings.ReplaceAll(src, "//go:generate-hidden ", "//go:generate ")
}

// Package names is a golden case: parameters named like the imports the
// generated code uses, like its identifiers, and like builtins; a package
// whose name clashes with the standard library's time; and a package-level
// declaration named like an import of the generated code.
package names

import (
	"context"
	"errors"
	stdtime "time"

	othertime "github.com/breakergen/breakergen/testdata/deps/othertime"
)

// ErrNames is returned by the test implementation.
var ErrNames = errors.New("names: failed")

// runtime is a package-level name that the generated file's import of the
// breakergen runtime must not take.
func runtime() string { return "names.runtime" }

// Clash has parameters that would shadow the generated code's names.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
//breaker:circuit cooldown=1m window=90s exclude=errors.ErrUnsupported
type Clash interface {
	Imports(ctx context.Context, time stdtime.Duration, errors string, context int, runtime bool) (string, error)
	Generated(ctx context.Context, d, a, err, r0, next, b, p0, v string) (string, error)
	Builtins(len int, error string, nil bool, string float64, any rune, ctx context.Context) (int, error)
	FakeCtx(ctx string) (int, error)
	Stamp(ctx context.Context, t othertime.Stamp) (stdtime.Time, error)
}

// Package gen is the breakergen code generator: it reads Go interfaces
// annotated with //breaker: directives and writes decorators that run every
// method through a circuit of a shared runtime.Breaker
// (github.com/breakergen/breakergen/runtime). The command
// github.com/breakergen/breakergen/cmd/breakergen is a thin wrapper around Run.
//
// # Directives
//
// A //breaker:circuit line in the doc comment of an interface type gives the
// interface's default circuit, named "<package>.<Interface>" unless name= says
// otherwise. On an interface method it gives the method a circuit of its own:
// the one named by name=, or "<default>.<Method>" when only options are given.
// Methods that name the same circuit share it. Keys:
//
//	name=payments.charge            circuit name (letters, digits, . _ - : /)
//	cooldown=30s window=1m          runtime.Options CoolDown and EvaluationWindow (positive)
//	rate=0.5 samples=5              RateThreshold in (0, 1] and SampleThreshold (>= 1)
//	exclude=ErrDeclined,io.EOF      error variables returned untouched and not recorded
//	success=ErrConditionFailed      error variables recorded as successes
//	fallback=chargeOffline          a function of the package with the method's exact
//	                                signature, called instead while the circuit is open
//
// Error variables are resolved with go/types: ErrX in the package, pkg.ErrX
// through the imports of the directive's file (or of the package). Options not
// given are zero and inherit the Breaker's defaults; runtime.WithOverrides
// still wins over directive values, so operators tune circuits without
// regenerating. Two directives giving one circuit different options are an
// error. //breaker:skip leaves a method unprotected; a method whose last
// result is not error passes through unprotected, with a note.
//
// # Output
//
// For an interface X the generator writes type XBreaker (generic when X is,
// with X's type parameters and constraints), a constructor
// NewXBreaker(next X, b *runtime.Breaker) *XBreaker that resolves the circuits
// once, one explicit method per method of X's method set (embedded ones
// included), and a compile-time check that *XBreaker implements X. A
// protected method calls Allow, defers RecordPanic, calls next and records
// the outcome with Done: no closure is allocated per call. The context given
// to the circuit is the first parameter whose type is identical to
// context.Context; else that of the first parameter with a method
// Context() context.Context, such as an *http.Request (context.Background()
// when it is nil); else context.Background(). So a caller's cancellation is
// never counted as the dependency's failure.
//
// Files start with Header, carry the //go:build constraint of the file that
// declares the interface (its //go:build line, GOOS/GOARCH file name suffix
// and cgo), are gofmt'ed with grouped imports, are deterministic, and are
// written only when their content changed. An existing file is overwritten
// only when it starts with Header.
//
// # Loading
//
// Each run loads packages once with golang.org/x/tools/go/packages, without
// NeedDeps: dependencies come from export data, and with -source the package
// declaring the interfaces is type-checked from its declarations (function
// bodies are skipped). Files starting with Header are hidden from the go
// command by an overlay while loading, so a stale decorator that no longer
// compiles never blocks generation; other type errors in the package are
// ignored unless they make a wrapped interface's types invalid.
//
// Problems in the input are returned together as an ErrorList whose lines
// read "file:line:col: message"; each wraps one of the sentinel errors
// (ErrDirective, ErrValue, ErrResolve, ...) for errors.Is. Nothing is
// written when there is any problem.
package gen

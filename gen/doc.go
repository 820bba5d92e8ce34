// Package gen is the breakergen code generator: it reads Go interfaces
// annotated with //breaker: directives and writes decorators that run every
// method through a circuit of a shared runtime.Breaker
// (github.com/breakergen/breakergen/runtime). The command
// github.com/breakergen/breakergen/cmd/breakergen is a thin wrapper around Run.
//
// # Targets
//
// A //go:generate line directly above an interface type (in its doc comment,
// no blank line between) wraps that interface. A line directly above no
// declaration (after a blank line, in the package's doc.go) wraps every
// interface of the package that carries a //breaker: directive, on itself or
// on a method, in one package load: the recommended form. A line directly
// above another declaration is an error explaining placement, and so is an
// annotated interface that no //go:generate line of the package wraps (one
// embedded in a wrapped interface is wrapped with it). -type names
// interfaces of the package; -source importpath -type T wraps interfaces of
// another package into this one, configured by //breaker:circuit and
// //breaker:method lines beside the //go:generate line. A -source package
// that go.mod does not require is an error naming the go get that adds it.
//
// # Directives
//
// A //breaker:circuit line in the doc comment of an interface type gives the
// interface's default circuit, named "<package>.<Interface>" unless name= says
// otherwise. On an interface method it gives the method a circuit of its own:
// the one named by name=, or "<default>.<Method>" when it only sets options or
// a key. Methods that name the same circuit share it. Keys:
//
//	name=payments.charge            circuit name (letters, digits, . _ - : /)
//	cooldown=30s window=1m          runtime.Options CoolDown and EvaluationWindow, 1ms to 24h
//	rate=0.5 samples=5              RateThreshold in (0, 1] and SampleThreshold (>= 1)
//	exclude=ErrDeclined,*NotFound   errors returned untouched and not recorded
//	success=ErrConditionFailed      errors recorded as successes
//	slow=2s slowrate=0.5            SlowCall (1ms, shorter than the window) and SlowRate in (0, 1]
//	cooldownmax=5m                  CoolDownMax: failed probes back the cool-down off up to it
//	ramp=30s                        Ramp: after a close, admit a share growing to all over it
//	probes=3                        HalfOpenProbes, 1 to 1000
//	mode=adaptive k=2               Mode (classic or adaptive) and K in (0, 100], adaptive only
//	fallback=chargeOffline          a function value with the method's exact
//	                                signature, called instead while the circuit is open
//	judge=statusFailure             a function value of the method's results
//	                                returning the error to record (nil: success)
//	key=req.URL.Host maxkeys=100    one circuit per value of an expression over the
//	                                parameters ($1 is the first), at most maxkeys alive
//	skip=SetDeadline,Close          on an interface: methods left unprotected
//
// The policy keys are checked together as the runtime resolves them over its
// built-in defaults (window 1m, cooldown 5m), a method's over its interface's:
// slowrate= needs slow=, slow= is shorter than the window, cooldownmax= is at
// least the cool-down, k= needs mode=adaptive, and mode=adaptive takes none of
// slow=, cooldownmax=, ramp= and probes= above 1. A key that does not go with
// the others is an error at that key.
//
// exclude= and success= list error variables (ErrX, pkg.ErrX), constants of
// an error type (redis.Nil) and error types, T or *T, matched with errors.As
// through runtime.ErrorAs. fallback= and judge= name a function (f, pkg.F),
// a function-typed package variable, or a method value of a package variable
// (local.Lookup, pkg.V.M). Names are resolved with go/types: in the package,
// or through the imports of the directive's file (or of the package); a name
// may instead be qualified by a quoted import path,
// "example.com/sdk/types".NoSuchKey, which no file needs to import: the
// package is loaded for the directive and the generated file imports it. A
// generic judge is instantiated with the interface's type parameters when it
// has as many, else with the types its call on each method's results infers.
// A key expression is type-checked over the method's parameters in the scope
// of the directive's file and must give a string or an integer.
//
// //breaker:method Name key=value... is //breaker:circuit for the method
// Name, written among the interface's directives: beside a -source line, and
// in an interface's doc comment for the methods it embeds. When an
// interface's key= does not fit some of its methods, one error at the key
// names them.
//
// A method's circuit inherits every option of its interface's directive
// (options, judge, key, maxkeys) and overrides them field by field. A method
// that names a circuit without setting options joins it with the options its
// other users give. Two directives giving one circuit different options of
// their own are an error. Options not given are zero and inherit the
// Breaker's defaults; runtime.WithOptions and runtime.WithOverrides win over
// them, so operators tune circuits without regenerating.
//
// # Protected methods
//
// A method is protected when its outcome can be judged: by a judge=, else
// its final error result, else the Err() error of its final result (go-redis
// commands). Close() error passes through unless a directive on it opts in,
// and so do the Read/Write-family methods of an embedded interface of
// package io (stream I/O: protect the call that opens the stream), and the
// methods marked //breaker:skip or listed in skip=. Notes: one line per
// interface for the methods passing through that the user did not ask to
// skip (Config.Verbose lists all). An interface of which nothing can be
// protected is an error. io.EOF itself is never recorded (the runtime
// decides); a generated RoundTrip records it as a failure, since net/http
// returns it for a server that hung up (breakerimpl.RoundTripOutcome).
//
// While the circuit is open a method returns what the fallback its generated
// option gave returns, else the directive's fallback's results; else zero
// results and the *runtime.OpenCircuitError when its final result is an
// error; else a final result made with the type's NewT(ctx, args ...any)
// (naming the command), or new(T), or a zero T, carrying the error through
// its SetErr(error) method. A method that can do none of these is an error.
// A refused RoundTrip(*http.Request) closes the request's body.
//
// # Output
//
// For an interface X the generator writes type XBreaker (generic when X is,
// with X's type parameters and constraints; -name T names it T), a
// constructor NewXBreaker(next X, b *runtime.Breaker, opts
// ...runtime.DecoratorOption) that resolves the circuits once through
// package runtime/breakerimpl (runtime.WithInstance(name) gives the
// decorator circuits named "<circuit>@name"; a keyed method's are
// "<circuit>[<key>]" of a breakerimpl.Keyed), one explicit method per method
// of X's method set (embedded ones included), a compile-time check that
// *XBreaker implements X, and per protected method an option
// WithX<Method>Fallback(f) giving it a fallback function value. The default
// circuit of a generic X is named after its type arguments,
// "<package>.X[<type>,...]". A constructor panics when a circuit is
// registered on b with other effective options (runtime.Breaker.Register).
// A protected method calls Allow, defers RecordPanic, calls next and records
// the judged outcome with Done: no closure is allocated per call. The context
// given to the circuit is the first parameter whose type is identical to
// context.Context; else that of the first parameter with a method
// Context() context.Context, such as an *http.Request (context.Background()
// when it is nil); else context.Background(). So a caller's cancellation is
// never counted as the dependency's failure.
//
// Files start with Header, carry the //go:build constraint of the file that
// declares the interface (its //go:build line, GOOS/GOARCH file name suffix
// and cgo), are formatted once with grouped imports, are deterministic, and
// are written only when their content changed. An existing file is
// overwritten only when it starts with Header. Under go generate, two
// //go:generate lines of the package that would write one file or declare
// one name are an error naming both.
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
// read "file:line:col: message", file names relative to the module root (see
// Config.WorkDir); each wraps one of the sentinel errors (ErrDirective,
// ErrValue, ErrResolve, ErrKey, ...) for errors.Is. Nothing is written when
// there is any problem.
package gen

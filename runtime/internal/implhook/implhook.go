// Package implhook is the seam between package runtime and package
// breakerimpl, the plumbing of generated decorators: what breakerimpl needs
// of runtime that runtime keeps unexported, so that users never see it.
// Package runtime fills Runtime in its init; nothing else writes it.
package implhook

// Settings is what the decorator options given to one generated constructor
// say. O is runtime.Options.
type Settings[O any] struct {
	// Instance is the name runtime.WithInstance gave, or "".
	Instance string
	// Layers are the options of runtime.WithOptions, in order, laid over the
	// directives' options.
	Layers []O
	// Fallbacks are fallback functions given at construction, by method key.
	Fallbacks map[string]any
}

// Hooks are the parts of package runtime that package breakerimpl calls. B
// is runtime.Breaker, C runtime.Circuit, O runtime.Options and D
// runtime.DecoratorOption.
type Hooks[B, C, O, D any] struct {
	// Option makes a decorator option that applies apply.
	Option func(apply func(*Settings[O]) error) D
	// Apply applies a decorator option to s.
	Apply func(opt D, s *Settings[O]) error
	// Override returns the operator's options for name (WithOverrides).
	Override func(b *B, name string) O
	// Differ describes how the effective options a and b differ, "" when
	// they are the same (see runtime.Breaker.Register).
	Differ func(a, b O) string
	// GivesOptions reports whether o sets any option; a registration that
	// sets none joins a circuit as it is.
	GivesOptions func(o []O) bool
	// Resolve returns o laid over b's defaults, with the operator's options
	// for name laid over them: a circuit's effective options; an error when
	// one of o is invalid.
	Resolve func(b *B, name string, o []O) (O, error)
	// Clock returns the function reading b's clock in Unix nanoseconds,
	// cheaply: the coarse clock when it is the system clock.
	Clock func(b *B) func() int64
	// CountFallback tells c's call counters that a refused call was answered
	// by a fallback.
	CountFallback func(c *C)
}

// Runtime holds package runtime's *Hooks[runtime.Breaker, runtime.Circuit,
// runtime.Options, runtime.DecoratorOption], set in its init.
var Runtime any

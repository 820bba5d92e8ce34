package runtime

import (
	"fmt"

	"github.com/breakergen/breakergen/runtime/callcount"
	"github.com/breakergen/breakergen/runtime/internal/implhook"
)

// DecoratorOption configures one decorator made by a generated constructor
// (NewXBreaker(next, b, opts...)): WithInstance, WithOptions, or a fallback
// option the generator wrote beside the constructor. An invalid one makes the
// constructor panic, naming it.
type DecoratorOption interface {
	applyDecorator(*decoratorSettings) error
}

// decoratorSettings is what the DecoratorOptions of one decorator say.
type decoratorSettings = implhook.Settings[Options]

// decoratorOptionFunc is a DecoratorOption made of a function.
type decoratorOptionFunc func(*decoratorSettings) error

func (f decoratorOptionFunc) applyDecorator(s *decoratorSettings) error { return f(s) }

// WithInstance gives the decorator circuits of its own, named after the
// instance: a circuit the directives name N becomes "N@instance", and a keyed
// circuit "N@instance[key]". Two decorators of one interface on one Breaker
// share their circuits unless they are given different instances; give each
// wrapped dependency (the users table and the orders table, two payment
// providers) its own, and decorators whose options differ (a circuit
// registered twice with different options is an error, see
// Breaker.Register). WithOverrides, Breaker.Lookup and Breaker.Circuits
// address the circuit by its full name, "payments.charge@eu". The name must
// not be empty.
func WithInstance(name string) DecoratorOption {
	return decoratorOptionFunc(func(s *decoratorSettings) error {
		if name == "" {
			return fmt.Errorf("%w: WithInstance(\"\")", ErrInvalid)
		}
		s.Instance = name
		return nil
	})
}

// WithOptions lays o over the options the directives give every circuit of
// the decorator, field by field (a zero field keeps the directive's value).
// The operator's WithOverrides still win over both. Use it for what differs
// between instances of one decorator, such as an IsFailure that reads the
// instance's configuration, together with WithInstance: decorators sharing a
// circuit must give it the same options. It may be given several times;
// later ones win. An invalid o (see Options.Validate) makes the constructor
// panic.
func WithOptions(o Options) DecoratorOption {
	return decoratorOptionFunc(func(s *decoratorSettings) error {
		if err := o.Validate(); err != nil {
			return err
		}
		s.Layers = append(s.Layers[:len(s.Layers):len(s.Layers)], o)
		return nil
	})
}

// init gives package breakerimpl, the plumbing of generated code, what it
// needs of this package's internals.
func init() {
	implhook.Runtime = &implhook.Hooks[Breaker, Circuit, Options, DecoratorOption]{
		Option: func(apply func(*decoratorSettings) error) DecoratorOption { return decoratorOptionFunc(apply) },
		Apply:  func(o DecoratorOption, s *decoratorSettings) error { return o.applyDecorator(s) },
		Override: func(b *Breaker, name string) Options {
			return b.overrides[name]
		},
		Differ:       func(a, b Options) string { return a.differ(b) },
		GivesOptions: givesOptions,
		Resolve:      func(b *Breaker, name string, o []Options) (Options, error) { return b.resolve(name, o) },
		Clock: func(b *Breaker) func() int64 {
			c := &Circuit{clock: b.clock, coarse: b.coarse}
			return c.nowNanos
		},
		CountFallback: func(c *Circuit) { c.counted(callcount.Fallback) },
	}
}

package runtime

import (
	"fmt"
	"slices"

	"github.com/breakergen/breakergen/runtime/storage"
)

// DecoratorOption configures one decorator made by a generated constructor
// (NewXBreaker(next, b, opts...)).
type DecoratorOption interface {
	applyDecorator(*Decoration) error
}

type decoratorOptionFunc func(*Decoration) error

func (f decoratorOptionFunc) applyDecorator(d *Decoration) error { return f(d) }

// WithInstance gives the decorator circuits of its own, named after the
// instance: a circuit the directives name N becomes "N@instance", and a keyed
// circuit "N@instance[key]". Two decorators of one interface on one Breaker
// share their circuits unless they are given different instances; give each
// wrapped dependency (the users table and the orders table, two payment
// providers) its own. WithOverrides, Breaker.Lookup and Breaker.Circuits
// address the circuit by its full name, "payments.charge@eu". The name must
// not be empty.
func WithInstance(name string) DecoratorOption {
	return decoratorOptionFunc(func(d *Decoration) error {
		if name == "" {
			return fmt.Errorf("%w: WithInstance(\"\")", storage.ErrInvalid)
		}
		d.instance = name
		return nil
	})
}

// WithOptions lays o over the options the directives give every circuit of
// the decorator, field by field (a zero field keeps the directive's value).
// The operator's WithOverrides still win over both. Use it for what differs
// between instances of one decorator, such as an IsFailure that reads the
// instance's configuration. It may be given several times; later ones win.
// An invalid o (see Options.Validate) makes the constructor panic.
func WithOptions(o Options) DecoratorOption {
	return decoratorOptionFunc(func(d *Decoration) error {
		if err := o.Validate(); err != nil {
			return err
		}
		d.opts = append(slices.Clip(d.opts), o)
		return nil
	})
}

// Decoration is how one decorator resolves its circuits: the Breaker and what
// its DecoratorOptions said. Generated constructors make one with Decorate and
// resolve every circuit through it, once. It is a small value, safe to copy and
// to use from several goroutines.
type Decoration struct {
	b        *Breaker
	instance string
	opts     []Options // of WithOptions, laid over the directives' options
}

// Decorate returns the Decoration of one decorator on b. It panics, with an
// error wrapping storage.ErrInvalid ("breakergen: invalid configuration"), when
// b is nil or an option is invalid: a generated constructor has no error to
// return, and a misconfigured decorator must not reach production silently.
func Decorate(b *Breaker, opts ...DecoratorOption) Decoration {
	if b == nil {
		panic(fmt.Errorf("%w: nil *runtime.Breaker given to a decorator", storage.ErrInvalid))
	}
	d := Decoration{b: b}
	for i, o := range opts {
		if o == nil {
			panic(fmt.Errorf("%w: decorator option %d is nil", storage.ErrInvalid, i+1))
		}
		if err := o.applyDecorator(&d); err != nil {
			panic(err)
		}
	}
	return d
}

// Name returns the full name of the decorator's circuit name: name itself, or
// "name@instance" under WithInstance.
func (d Decoration) Name(name string) string {
	if d.instance == "" {
		return name
	}
	return name + "@" + d.instance
}

// Instance returns the name WithInstance gave the decorator, or "".
func (d Decoration) Instance() string { return d.instance }

// Breaker returns the Breaker the decoration resolves circuits on.
func (d Decoration) Breaker() *Breaker { return d.b }

// Circuit returns the decorator's circuit name (see Name) from its Breaker, as
// Breaker.Circuit does, with the options of WithOptions laid over o.
func (d Decoration) Circuit(name string, o ...Options) *Circuit {
	return d.b.Circuit(d.Name(name), d.options(o)...)
}

// options returns o followed by the options of WithOptions, in a new slice.
func (d Decoration) options(o []Options) []Options {
	if len(d.opts) == 0 {
		return o
	}
	return slices.Concat(o, d.opts)
}

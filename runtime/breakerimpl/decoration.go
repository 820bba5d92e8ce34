package breakerimpl

import (
	"fmt"
	"strings"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/internal/implhook"
)

// hooks are what this package needs of package runtime's internals.
var hooks = implhook.Runtime.(*implhook.Hooks[runtime.Breaker, runtime.Circuit, runtime.Options, runtime.DecoratorOption])

// settings is what the decorator options of one decorator say.
type settings = implhook.Settings[runtime.Options]

// Decoration is how one decorator resolves its circuits: the Breaker and what
// its runtime.DecoratorOptions said. Generated constructors make one with
// Decorate and resolve every circuit through it, once. It is a small value,
// safe to copy and to use from several goroutines.
type Decoration struct {
	b         *runtime.Breaker
	decorator string
	s         settings
}

// Decorate returns the Decoration of one decorator on b; decorator is the
// decorator's import path and type name ("example.com/svc.PaymentsBreaker").
// It panics, with an error wrapping runtime.ErrInvalid, when b is nil or an
// option is nil, invalid or a fallback option of another decorator: a
// generated constructor has no error to return, and a misconfigured
// decorator must not reach production silently.
func Decorate(b *runtime.Breaker, decorator string, opts ...runtime.DecoratorOption) Decoration {
	if b == nil {
		panic(fmt.Errorf("%w: nil *runtime.Breaker given to %s", runtime.ErrInvalid, decorator))
	}
	d := Decoration{b: b, decorator: decorator}
	for i, o := range opts {
		if o == nil {
			panic(fmt.Errorf("%w: option %d of %s is nil", runtime.ErrInvalid, i+1, decorator))
		}
		if err := hooks.Apply(o, &d.s); err != nil {
			panic(err)
		}
	}
	for key := range d.s.Fallbacks {
		if !strings.HasPrefix(key, decorator+".") {
			panic(fmt.Errorf("%w: the fallback option of %s was given to %s", runtime.ErrInvalid, key, decorator))
		}
	}
	return d
}

// Name returns the full name of the decorator's circuit name: name itself, or
// "name@instance" under runtime.WithInstance.
func (d Decoration) Name(name string) string {
	if d.s.Instance == "" {
		return name
	}
	return name + "@" + d.s.Instance
}

// Instance returns the name runtime.WithInstance gave the decorator, or "".
func (d Decoration) Instance() string { return d.s.Instance }

// Breaker returns the Breaker the decoration resolves circuits on.
func (d Decoration) Breaker() *runtime.Breaker { return d.b }

// Circuit returns the decorator's circuit name (see Name) from its Breaker, as
// runtime.Breaker.Circuit does, with the options of runtime.WithOptions laid
// over o. It panics with Breaker.Register's error, naming the decorator: an
// invalid o, or a circuit another registration gave other options.
func (d Decoration) Circuit(name string, o ...runtime.Options) *runtime.Circuit {
	c, err := d.b.Register(d.Name(name), d.options(o)...)
	if err != nil {
		panic(fmt.Errorf("%w (building %s)", err, d.decorator))
	}
	return c
}

// options returns o followed by the options of WithOptions, in a new slice
// when there are any.
func (d Decoration) options(o []runtime.Options) []runtime.Options {
	if len(d.s.Layers) == 0 {
		return o
	}
	out := make([]runtime.Options, 0, len(o)+len(d.s.Layers))
	return append(append(out, o...), d.s.Layers...)
}

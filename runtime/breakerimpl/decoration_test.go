package breakerimpl_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/breakerimpl"
	"github.com/breakergen/breakergen/runtime/callcount"
)

func TestDecorationOptions(t *testing.T) {
	b := runtime.MustNew(runtime.WithOverrides("repo@users", runtime.Options{SampleThreshold: 11}))
	d := breakerimpl.Decorate(b, "test", runtime.WithInstance("users"),
		runtime.WithOptions(runtime.Options{CoolDown: time.Second}),
		runtime.WithOptions(runtime.Options{CoolDown: 2 * time.Second, RateThreshold: 0.75}))
	assert.Equal(t, "users", d.Instance())
	assert.Same(t, b, d.Breaker())
	c := d.Circuit("repo", runtime.Options{CoolDown: time.Hour, SampleThreshold: 4, EvaluationWindow: time.Minute})
	assert.Equal(t, "repo@users", c.Name())
	o := c.Options()
	assert.Equal(t, 2*time.Second, o.CoolDown, "the last WithOptions wins over the directive")
	assert.Equal(t, 0.75, o.RateThreshold)
	assert.Equal(t, time.Minute, o.EvaluationWindow, "zero fields of WithOptions keep the directive's")
	assert.Equal(t, 11, o.SampleThreshold, "WithOverrides wins over both")

	assert.Panics(t, func() { breakerimpl.Decorate(b, "test", runtime.WithOptions(runtime.Options{RateThreshold: 2})) })
	assert.Panics(t, func() { breakerimpl.Decorate(b, "test", runtime.WithInstance("")) })
	assert.Panics(t, func() { breakerimpl.Decorate(nil, "test") })
}

// TestDecorationCircuitConflictNamesTheDecorator checks that a circuit a
// decorator cannot register panics naming the decorator being built.
func TestDecorationCircuitConflictNamesTheDecorator(t *testing.T) {
	b := runtime.MustNew()
	b.Circuit("payments", runtime.Options{SampleThreshold: 3})
	d := breakerimpl.Decorate(b, "example.com/svc.PaymentsBreaker")
	assert.PanicsWithError(t, `breakergen: invalid configuration: circuit "payments" is already registered with other options `+
		`(SampleThreshold: 3 first, 9 now); registrations of one circuit must agree: give this one a circuit of its own with `+
		`runtime.WithInstance(name) (a decorator option) or name= in its directive, or another name (building example.com/svc.PaymentsBreaker)`,
		func() { d.Circuit("payments", runtime.Options{SampleThreshold: 9}) })
}

// TestFallbackOptions checks the options generated fallback options make: a
// function value found by its key and type, none for another key, a nil
// one refused, one of another decorator refused.
func TestFallbackOptions(t *testing.T) {
	b := runtime.MustNew()
	type get = func(context.Context, string) (int, error)
	f := func(context.Context, string) (int, error) { return 7, nil }
	d := breakerimpl.Decorate(b, "svc.X", breakerimpl.WithFallback[get]("svc.X.Get", f))
	got := breakerimpl.Fallback[get](d, "svc.X.Get")
	require.NotNil(t, got)
	n, _ := got(context.Background(), "k")
	assert.Equal(t, 7, n)
	assert.Nil(t, breakerimpl.Fallback[get](d, "svc.X.Put"), "no option for that method")
	assert.PanicsWithError(t, "breakergen: invalid configuration: nil fallback for svc.X.Get",
		func() { breakerimpl.Decorate(b, "svc.X", breakerimpl.WithFallback[get]("svc.X.Get", nil)) })
	assert.PanicsWithError(t, "breakergen: invalid configuration: the fallback option of svc.X.Get was given to svc.Y",
		func() { breakerimpl.Decorate(b, "svc.Y", breakerimpl.WithFallback[get]("svc.X.Get", f)) })
}

// counting is a listener that counts fallbacks.
type counting struct{ fallbacks int }

func (c *counting) Handle(runtime.Event) {}
func (c *counting) CountCalls(string) func(callcount.Outcome) {
	return func(o callcount.Outcome) {
		if o == callcount.Fallback {
			c.fallbacks++
		}
	}
}

func TestCountFallback(t *testing.T) {
	l := &counting{}
	c := runtime.MustNew(runtime.WithListener(l)).Circuit("c")
	breakerimpl.CountFallback(c)
	assert.Equal(t, 1, l.fallbacks)
}

// order is a type argument of a generic decorator.
type order struct{}

// box is a generic type argument.
type box[T any] struct{}

func TestTypeName(t *testing.T) {
	assert.Equal(t, "string", breakerimpl.TypeName[string]())
	assert.Equal(t, "breakerimpl_test.order", breakerimpl.TypeName[order]())
	assert.Equal(t, "*breakerimpl_test.order", breakerimpl.TypeName[*order]())
	assert.Equal(t, "map[string][]breakerimpl_test.order", breakerimpl.TypeName[map[string][]order]())
	assert.Equal(t, "breakerimpl_test.box[io.Reader]", breakerimpl.TypeName[box[io.Reader]](), "import paths shortened")
	assert.Equal(t, "any", breakerimpl.TypeName[any]())
}

func TestRoundTripOutcome(t *testing.T) {
	assert.ErrorIs(t, breakerimpl.RoundTripOutcome(io.EOF), io.ErrUnexpectedEOF, "a server that hung up")
	assert.NotErrorIs(t, breakerimpl.RoundTripOutcome(io.EOF), io.EOF)
	wrapped := fmt.Errorf("x: %w", io.EOF)
	assert.Same(t, wrapped, breakerimpl.RoundTripOutcome(wrapped))
	assert.NoError(t, breakerimpl.RoundTripOutcome(nil))
	other := errors.New("other")
	assert.Equal(t, other, breakerimpl.RoundTripOutcome(other))
}

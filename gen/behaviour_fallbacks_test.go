package gen_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/callcount"
	"github.com/breakergen/breakergen/testdata/fallbacks"
	"github.com/breakergen/breakergen/testdata/payments"
)

// downPrices is a fallbacks.Prices that is down.
type downPrices struct{}

func (downPrices) Get(ctx context.Context, sku string) (int, error)            { return 0, errBoom }
func (downPrices) Quote(ctx context.Context, sku string, qty int) (int, error) { return 0, errBoom }
func (downPrices) List(ctx context.Context) ([]string, error)                  { return nil, errBoom }

// fallbackCounter counts the calls refused and answered by a fallback.
type fallbackCounter struct{ n atomic.Int64 }

func (c *fallbackCounter) Handle(runtime.Event) {}
func (c *fallbackCounter) CountCalls(string) func(callcount.Outcome) {
	return func(o callcount.Outcome) {
		if o == callcount.Fallback {
			c.n.Add(1)
		}
	}
}

// tripPrices fails calls of p until its circuit opens.
func tripPrices(t *testing.T, p *fallbacks.PricesBreaker) {
	t.Helper()
	for range 2 {
		_, err := p.List(context.Background())
		require.ErrorIs(t, err, errBoom)
	}
}

// TestFallbacksWithState checks fallback= naming a method value of a
// package variable and a function-typed package variable: both answer while
// the circuit is open, and are counted as fallbacks.
func TestFallbacksWithState(t *testing.T) {
	ctx := context.Background()
	counter := &fallbackCounter{}
	h := newHarness(runtime.WithListener(counter))
	p := fallbacks.NewPricesBreaker(downPrices{}, h.b)
	tripPrices(t, p)
	price, err := p.Get(ctx, "apple")
	require.NoError(t, err, "local.Lookup answered")
	assert.Equal(t, 3, price)
	_, err = p.Get(ctx, "pear")
	require.ErrorIs(t, err, fallbacks.ErrUnknown, "the method value's own error")
	quote, err := p.Quote(ctx, "apple", 2)
	require.NoError(t, err, "Estimate answered")
	assert.Equal(t, 200, quote)
	_, err = p.List(ctx)
	wantOpen(t, err, "List has no fallback")
	assert.Equal(t, int64(3), counter.n.Load(), "three calls answered by fallbacks")
}

// TestFallbackOptionsGiveFunctionValues checks the generated fallback
// options: a function value given at construction, which may hold state,
// answers instead of the directive's fallback or the open-circuit error; a
// nil one, or one given to another decorator, is a start-up panic.
func TestFallbackOptionsGiveFunctionValues(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	prices := map[string]int{"pear": 7}
	p := fallbacks.NewPricesBreaker(downPrices{}, h.b,
		fallbacks.WithPricesGetFallback(func(ctx context.Context, sku string) (int, error) { return prices[sku], nil }),
		fallbacks.WithPricesListFallback(func(ctx context.Context) ([]string, error) { return []string{"pear"}, nil }),
	)
	tripPrices(t, p)
	price, err := p.Get(ctx, "pear")
	require.NoError(t, err)
	assert.Equal(t, 7, price, "the option wins over fallback=local.Lookup")
	list, err := p.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"pear"}, list)
	quote, err := p.Quote(ctx, "pear", 1)
	require.NoError(t, err)
	assert.Equal(t, 100, quote, "without an option, the directive's fallback")

	assert.PanicsWithError(t, "breakergen: invalid configuration: nil fallback for github.com/breakergen/breakergen/testdata/fallbacks.PricesBreaker.Get",
		func() { fallbacks.NewPricesBreaker(downPrices{}, h.b, fallbacks.WithPricesGetFallback(nil)) })
	assert.PanicsWithError(t, "breakergen: invalid configuration: the fallback option of "+
		"github.com/breakergen/breakergen/testdata/fallbacks.PricesBreaker.Get was given to github.com/breakergen/breakergen/testdata/payments.PaymentsBreaker",
		func() {
			payments.NewPaymentsBreaker(nil, h.b, fallbacks.WithPricesGetFallback(func(context.Context, string) (int, error) { return 0, nil }))
		})
}

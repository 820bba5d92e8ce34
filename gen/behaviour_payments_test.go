package gen_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/callcount"
	"github.com/breakergen/breakergen/testdata/payments"
)

// fakePayments is a scripted payments.Payments.
type fakePayments struct {
	err    error
	panics bool
	calls  map[string]int
}

func (f *fakePayments) called(m string) {
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[m]++
	if f.panics {
		panic("provider exploded")
	}
}

func (f *fakePayments) Charge(ctx context.Context, req payments.ChargeRequest) (payments.Receipt, error) {
	f.called("Charge")
	if f.err != nil {
		return payments.Receipt{}, f.err
	}
	return payments.Receipt{ID: "r-" + req.Account}, nil
}

func (f *fakePayments) Refund(ctx context.Context, id string) error {
	f.called("Refund")
	return f.err
}

func (f *fakePayments) Capture(ctx context.Context, id string) error {
	f.called("Capture")
	return f.err
}

func (f *fakePayments) Name() string {
	f.called("Name")
	return "fake"
}

func TestPaymentsCircuitsResolvedInConstructor(t *testing.T) {
	h := newHarness()
	payments.NewPaymentsBreaker(&fakePayments{}, h.b)
	assert.Equal(t, []string{"payments", "payments.Capture", "payments.charge"}, circuitNames(h.b))
	p := h.status(t, "payments").Options
	assert.Equal(t, 30*time.Second, p.CoolDown)
	assert.Equal(t, time.Minute, p.EvaluationWindow)
	assert.Equal(t, 0.5, p.RateThreshold)
	assert.Equal(t, 5, p.SampleThreshold)
	c := h.status(t, "payments.charge").Options
	assert.Equal(t, 10*time.Second, c.CoolDown, "the method's own cool-down")
	assert.Equal(t, []error{payments.ErrDeclined}, c.Exclude)
	assert.Equal(t, 5, c.SampleThreshold, "inherited from the interface's directive")
	assert.Equal(t, time.Minute, c.EvaluationWindow, "inherited from the interface's directive")
	cp := h.status(t, "payments.Capture").Options
	assert.Equal(t, []error{payments.ErrAlreadyCaptured, context.DeadlineExceeded}, cp.Success)
	assert.Equal(t, 30*time.Second, cp.CoolDown, "inherited from the interface's directive")
}

func TestPaymentsInstancesHaveCircuitsOfTheirOwn(t *testing.T) {
	ctx := context.Background()
	h := newHarness(runtime.WithOverrides("payments@eu", runtime.Options{SampleThreshold: 1}))
	eu := payments.NewPaymentsBreaker(&fakePayments{err: errBoom}, h.b, runtime.WithInstance("eu"))
	us := payments.NewPaymentsBreaker(&fakePayments{}, h.b, runtime.WithInstance("us"))
	assert.Equal(t, []string{
		"payments.Capture@eu", "payments.Capture@us", "payments.charge@eu", "payments.charge@us", "payments@eu", "payments@us",
	}, circuitNames(h.b))
	require.ErrorIs(t, eu.Refund(ctx, "id"), errBoom)
	wantOpen(t, eu.Refund(ctx, "id"), "the override of payments@eu opened it after one failure")
	assert.NoError(t, us.Refund(ctx, "id"), "the other provider's circuit is its own")
	assert.Equal(t, 5, h.status(t, "payments@us").Options.SampleThreshold)
}

func TestPaymentsRefundTripsAndSkips(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	f := &fakePayments{err: errBoom}
	p := payments.NewPaymentsBreaker(f, h.b)
	for range 5 {
		require.ErrorIs(t, p.Refund(ctx, "id"), errBoom, "errors are returned untouched")
	}
	require.Equal(t, 1, h.rec.count("payments", runtime.EventOpened), "payments opens after 5 failures (samples=5)")
	wantOpen(t, p.Refund(ctx, "id"))
	assert.Equal(t, 5, f.calls["Refund"], "the 6th call is skipped")
	// The skipped method is not protected: it still reaches the provider.
	assert.Equal(t, "fake", p.Name())
	assert.Equal(t, 1, f.calls["Name"])
	// The interface cool-down is 30s: after it, a probe runs and closes.
	h.clock.Advance(30 * time.Second)
	f.err = nil
	require.NoError(t, p.Refund(ctx, "id"), "probe")
	assert.Equal(t, 1, h.rec.count("payments", runtime.EventClosed), "a successful probe closes payments")
}

// countingCalls counts the calls of each outcome of each circuit.
type countingCalls struct {
	mu     sync.Mutex
	counts map[string]map[callcount.Outcome]int
}

func (c *countingCalls) Handle(runtime.Event) {}

func (c *countingCalls) CountCalls(circuit string) func(callcount.Outcome) {
	return func(o callcount.Outcome) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.counts == nil {
			c.counts = map[string]map[callcount.Outcome]int{}
		}
		if c.counts[circuit] == nil {
			c.counts[circuit] = map[callcount.Outcome]int{}
		}
		c.counts[circuit][o]++
	}
}

func TestPaymentsChargeExcludeAndFallback(t *testing.T) {
	ctx := context.Background()
	counter := &countingCalls{}
	h := newHarness(runtime.WithListener(counter))
	f := &fakePayments{err: payments.ErrDeclined}
	p := payments.NewPaymentsBreaker(f, h.b)
	req := payments.ChargeRequest{Account: "acct", Cents: 100}
	for range 10 {
		_, err := p.Charge(ctx, req)
		require.ErrorIs(t, err, payments.ErrDeclined)
	}
	assert.Zero(t, h.status(t, "payments.charge").SampleSize, "excluded errors are not recorded")
	f.err = errBoom
	for range 5 { // samples=5, inherited from the interface
		_, err := p.Charge(ctx, req)
		require.ErrorIs(t, err, errBoom)
	}
	calls := f.calls["Charge"]
	r, err := p.Charge(ctx, req)
	require.NoError(t, err, "the fallback answers while the circuit is open")
	assert.Equal(t, "queued:acct", r.ID)
	assert.Equal(t, calls, f.calls["Charge"], "the provider is not called while the circuit is open")
	assert.Equal(t, 1, counter.counts["payments.charge"][callcount.Fallback], "the fallback is counted")
	assert.Zero(t, h.rec.count("payments", runtime.EventOpened), "Charge has a circuit of its own")
	require.ErrorIs(t, p.Refund(ctx, "id"), errBoom, "Refund is on another circuit and still runs")
	// Charge's own cool-down is 10s.
	h.clock.Advance(10 * time.Second)
	f.err = nil
	r, err = p.Charge(ctx, req)
	require.NoError(t, err, "probe")
	assert.Equal(t, "r-acct", r.ID)
	assert.Equal(t, 1, h.rec.count("payments.charge", runtime.EventClosed), "the probe closes payments.charge")
}

func TestPaymentsCaptureSuccessErrors(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	f := &fakePayments{err: payments.ErrAlreadyCaptured}
	p := payments.NewPaymentsBreaker(f, h.b)
	for range 10 {
		require.ErrorIs(t, p.Capture(ctx, "id"), payments.ErrAlreadyCaptured, "returned untouched")
	}
	st := h.status(t, "payments.Capture")
	assert.Equal(t, 10, st.SampleSize)
	assert.Zero(t, st.FailureRate)
	assert.True(t, st.Closed())
	assert.Equal(t, 10, h.rec.count("payments.Capture", runtime.EventSuccess))
}

func TestPaymentsPanicIsRecorded(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	p := payments.NewPaymentsBreaker(&fakePayments{panics: true}, h.b)
	assert.PanicsWithValue(t, "provider exploded", func() { _ = p.Refund(ctx, "id") })
	assert.Equal(t, 1, h.rec.count("payments", runtime.EventFailure), "a panicking call records one failure")
}

func TestPaymentsOverridesWin(t *testing.T) {
	ctx := context.Background()
	h := newHarness(runtime.WithOverrides("payments", runtime.Options{SampleThreshold: 1, CoolDown: time.Second}))
	p := payments.NewPaymentsBreaker(&fakePayments{err: errBoom}, h.b)
	_ = p.Refund(ctx, "id")
	wantOpen(t, p.Refund(ctx, "id"))
	st := h.status(t, "payments")
	assert.Equal(t, time.Second, st.Options.CoolDown, "the override wins")
	assert.Equal(t, time.Minute, st.Options.EvaluationWindow, "field by field over the directive")
}

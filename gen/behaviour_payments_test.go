package gen_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
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
	names := map[string]runtime.Options{}
	for _, c := range h.b.Circuits() {
		names[c.Name()] = c.Options()
	}
	if len(names) != 3 {
		t.Fatalf("circuits after construction = %v, want payments, payments.charge, payments.Capture", names)
	}
	p := names["payments"]
	if p.CoolDown != 30*time.Second || p.EvaluationWindow != time.Minute || p.RateThreshold != 0.5 || p.SampleThreshold != 5 {
		t.Errorf("payments options = %+v", p)
	}
	c := names["payments.charge"]
	if c.CoolDown != 10*time.Second || len(c.Exclude) != 1 || c.Exclude[0] != payments.ErrDeclined {
		t.Errorf("payments.charge options = %+v", c)
	}
	if c.SampleThreshold != runtime.DefaultOptions().SampleThreshold {
		t.Errorf("payments.charge inherits SampleThreshold %d, want the default %d", c.SampleThreshold, runtime.DefaultOptions().SampleThreshold)
	}
	cp := names["payments.Capture"]
	if len(cp.Success) != 2 || cp.Success[0] != payments.ErrAlreadyCaptured || cp.Success[1] != context.DeadlineExceeded {
		t.Errorf("payments.Capture options = %+v", cp)
	}
}

func TestPaymentsRefundTripsAndSkips(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	f := &fakePayments{err: errBoom}
	p := payments.NewPaymentsBreaker(f, h.b)
	for i := range 5 {
		if err := p.Refund(ctx, "id"); !errors.Is(err, errBoom) {
			t.Fatalf("refund %d: err = %v, want errBoom untouched", i, err)
		}
	}
	if h.rec.count("payments", runtime.EventOpened) != 1 {
		t.Fatalf("payments did not open after 5 failures (samples=5)")
	}
	wantOpen(t, p.Refund(ctx, "id"))
	if f.calls["Refund"] != 5 {
		t.Fatalf("Refund reached the provider %d times, want 5 (the 6th is skipped)", f.calls["Refund"])
	}
	// The skipped method is not protected: it still reaches the provider.
	if got := p.Name(); got != "fake" || f.calls["Name"] != 1 {
		t.Fatalf("Name() = %q after %d calls, want a pass-through", got, f.calls["Name"])
	}
	// The interface cool-down is 30s: after it, a probe runs and closes.
	h.clock.Advance(30 * time.Second)
	f.err = nil
	if err := p.Refund(ctx, "id"); err != nil {
		t.Fatalf("probe: %v", err)
	}
	if h.rec.count("payments", runtime.EventClosed) != 1 {
		t.Fatalf("a successful probe did not close payments")
	}
}

func TestPaymentsChargeExcludeAndFallback(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	f := &fakePayments{err: payments.ErrDeclined}
	p := payments.NewPaymentsBreaker(f, h.b)
	req := payments.ChargeRequest{Account: "acct", Cents: 100}
	for range 10 {
		if _, err := p.Charge(ctx, req); !errors.Is(err, payments.ErrDeclined) {
			t.Fatalf("err = %v, want ErrDeclined", err)
		}
	}
	if st := h.status(t, "payments.charge"); st.SampleSize != 0 {
		t.Fatalf("excluded errors were recorded: %d samples", st.SampleSize)
	}
	f.err = errBoom
	for range 3 {
		if _, err := p.Charge(ctx, req); !errors.Is(err, errBoom) {
			t.Fatalf("err = %v, want errBoom", err)
		}
	}
	calls := f.calls["Charge"]
	r, err := p.Charge(ctx, req)
	if err != nil || r.ID != "queued:acct" {
		t.Fatalf("open circuit: Charge = %+v, %v; want the fallback's queued receipt", r, err)
	}
	if f.calls["Charge"] != calls {
		t.Fatalf("the provider was called while the circuit was open")
	}
	if h.rec.count("payments", runtime.EventOpened) != 0 {
		t.Fatalf("Charge failures opened the interface circuit; Charge has its own")
	}
	if err := p.Refund(ctx, "id"); !errors.Is(err, errBoom) {
		t.Fatalf("Refund is on another circuit and must still run: %v", err)
	}
	// Charge's own cool-down is 10s.
	h.clock.Advance(10 * time.Second)
	f.err = nil
	if r, err := p.Charge(ctx, req); err != nil || r.ID != "r-acct" {
		t.Fatalf("probe = %+v, %v", r, err)
	}
	if h.rec.count("payments.charge", runtime.EventClosed) != 1 {
		t.Fatalf("probe did not close payments.charge")
	}
}

func TestPaymentsCaptureSuccessErrors(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	f := &fakePayments{err: payments.ErrAlreadyCaptured}
	p := payments.NewPaymentsBreaker(f, h.b)
	for range 10 {
		if err := p.Capture(ctx, "id"); !errors.Is(err, payments.ErrAlreadyCaptured) {
			t.Fatalf("err = %v, want ErrAlreadyCaptured returned untouched", err)
		}
	}
	st := h.status(t, "payments.Capture")
	if st.SampleSize != 10 || st.FailureRate != 0 || !st.Closed() {
		t.Fatalf("success errors: status %+v, want 10 successes", st)
	}
	if h.rec.count("payments.Capture", runtime.EventSuccess) != 10 {
		t.Fatalf("want 10 success events")
	}
}

func TestPaymentsPanicIsRecorded(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	f := &fakePayments{panics: true}
	p := payments.NewPaymentsBreaker(f, h.b)
	func() {
		defer func() {
			if r := recover(); r != "provider exploded" {
				t.Fatalf("recovered %v, want the provider's panic", r)
			}
		}()
		_ = p.Refund(ctx, "id")
	}()
	if n := h.rec.count("payments", runtime.EventFailure); n != 1 {
		t.Fatalf("a panicking call recorded %d failures, want 1", n)
	}
}

func TestPaymentsOverridesWin(t *testing.T) {
	ctx := context.Background()
	h := newHarness(runtime.WithOverrides("payments", runtime.Options{SampleThreshold: 1, CoolDown: time.Second}))
	p := payments.NewPaymentsBreaker(&fakePayments{err: errBoom}, h.b)
	_ = p.Refund(ctx, "id")
	wantOpen(t, p.Refund(ctx, "id"))
	if st := h.status(t, "payments"); st.Options.CoolDown != time.Second || st.Options.EvaluationWindow != time.Minute {
		t.Fatalf("options = %+v: the override must win field by field over the directive", st.Options)
	}
}

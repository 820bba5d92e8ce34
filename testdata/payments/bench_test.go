package payments_test

import (
	"context"
	"testing"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/testdata/payments"
)

// okPayments succeeds at everything, doing nothing.
type okPayments struct{}

func (okPayments) Charge(ctx context.Context, req payments.ChargeRequest) (payments.Receipt, error) {
	return payments.Receipt{}, nil
}
func (okPayments) Refund(ctx context.Context, id string) error  { return nil }
func (okPayments) Capture(ctx context.Context, id string) error { return nil }
func (okPayments) Name() string                                 { return "ok" }

// handRefund is what a careful programmer writes by hand around one call.
func handRefund(ctx context.Context, c *runtime.Circuit, next payments.Payments, id string) error {
	a, err := c.Allow(ctx)
	if err != nil {
		return err
	}
	err = next.Refund(ctx, id)
	a.Done(ctx, err)
	return err
}

// handRefundSafe is handRefund that also records a panic, as generated code
// does: the difference to handRefund is the price of the deferred call.
func handRefundSafe(ctx context.Context, c *runtime.Circuit, next payments.Payments, id string) error {
	a, err := c.Allow(ctx)
	if err != nil {
		return err
	}
	defer a.RecordPanic()
	err = next.Refund(ctx, id)
	a.Done(ctx, err)
	return err
}

// BenchmarkRefund compares a generated method with the hand-written
// Allow/Done call on the same circuit (in-memory storage, closed), and with
// calling the dependency directly.
func BenchmarkRefund(b *testing.B) {
	ctx := context.Background()
	br := runtime.MustNew()
	p := payments.NewPaymentsBreaker(okPayments{}, br)
	c := br.Circuit("payments") // the circuit the generated Refund uses
	b.Run("generated", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := p.Refund(ctx, "id"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("handwritten", func(b *testing.B) {
		var next payments.Payments = okPayments{}
		b.ReportAllocs()
		for b.Loop() {
			if err := handRefund(ctx, c, next, "id"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("handwritten+defer", func(b *testing.B) {
		var next payments.Payments = okPayments{}
		b.ReportAllocs()
		for b.Loop() {
			if err := handRefundSafe(ctx, c, next, "id"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("direct", func(b *testing.B) {
		var next payments.Payments = okPayments{}
		b.ReportAllocs()
		for b.Loop() {
			if err := next.Refund(ctx, "id"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

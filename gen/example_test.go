package gen_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/breakergen/breakergen/gen"
)

// ExampleGenerate renders the decorator of an annotated interface without
// writing it; Run would write the files that changed.
func ExampleGenerate() {
	res, err := gen.Generate(context.Background(), gen.Config{
		Dir:   filepath.Join("..", "testdata", "payments"),
		Types: []string{"Payments"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range res.Files {
		fmt.Println(filepath.Base(f.Path), "changed:", f.Changed)
		for _, line := range strings.Split(string(f.Content), "\n") {
			if strings.HasPrefix(line, "func ") {
				fmt.Println(line)
			}
		}
	}
	// Output:
	// payments_breaker.go changed: false
	// func NewPaymentsBreaker(next Payments, b *runtime.Breaker, opts ...runtime.DecoratorOption) *PaymentsBreaker {
	// func (d *PaymentsBreaker) Capture(ctx context.Context, id string) error {
	// func (d *PaymentsBreaker) Charge(ctx context.Context, req ChargeRequest) (Receipt, error) {
	// func (d *PaymentsBreaker) Name() string {
	// func (d *PaymentsBreaker) Refund(ctx context.Context, id string) error {
	// func WithPaymentsCaptureFallback(fallback func(context.Context, string) error) runtime.DecoratorOption {
	// func WithPaymentsChargeFallback(fallback func(context.Context, ChargeRequest) (Receipt, error)) runtime.DecoratorOption {
	// func WithPaymentsRefundFallback(fallback func(context.Context, string) error) runtime.DecoratorOption {
}

// ExampleGenerate_problems shows how bad directives are reported: one
// "file:line:col: message" line each, file names relative to the module root,
// and nothing generated.
func ExampleGenerate_problems() {
	_, err := gen.Generate(context.Background(), gen.Config{
		Dir:   filepath.Join("..", "testdata", "bad", "values"),
		Types: []string{"Values"},
	})
	fmt.Println(err)
	// Output:
	// testdata/bad/values/values.go:6:28: cooldown: "10parsecs" is not a duration (examples: 30s, 1m, 1h30m)
	// testdata/bad/values/values.go:6:45: window: -1s is outside [1ms, 24h]
	// testdata/bad/values/values.go:8:25: rate: "0" is not a number in (0, 1]
	// testdata/bad/values/values.go:10:25: rate: "1.5" is not a number in (0, 1]
	// testdata/bad/values/values.go:12:25: rate: "NaN" is not a number in (0, 1]
	// testdata/bad/values/values.go:12:37: samples: "0" is not a positive integer
	// testdata/bad/values/values.go:14:28: samples: "many" is not a positive integer
	// testdata/bad/values/values.go:14:40: window: 0s is outside [1ms, 24h]
}

package slogbreaker_test

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/slogbreaker"
)

// Example logs a circuit that opens, with a logger at Info: per-call events are
// Debug by default and not asked for, so calls stay on the breaker's hot path.
func Example() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelInfo,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "opened_at" || a.Key == "next_probe" {
				return slog.Attr{} // keep the example's output stable
			}
			return a
		},
	}))
	l := slogbreaker.MustNewListener(logger)
	b := runtime.MustNew(runtime.WithListener(l)) // asks for l.Events() only
	c := b.Circuit("inventory", runtime.Options{SampleThreshold: 1})
	_ = c.Run(context.Background(), func(context.Context) error { return errors.New("503 from upstream") })
	// Output:
	// level=WARN msg="breakergen: circuit opened" circuit=inventory event=opened error="503 from upstream" state=open scope=fleet lock=none failure_rate=1 samples=1
}

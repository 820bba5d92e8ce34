package slogbreaker_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/slogbreaker"
)

// The listener's costs: a closed circuit's successful Allow+Done with the
// listener on a logger at Info (the hot path: nothing is asked for per call),
// and one record written for an opening, to a JSON handler that discards it.

func BenchmarkAllowDoneListenerAtInfo(b *testing.B) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	l := slogbreaker.MustNewListener(logger)
	c := runtime.MustNew(runtime.WithListener(l)).Circuit("bench")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		a, err := c.Allow(ctx)
		if err != nil {
			b.Fatal(err)
		}
		a.Done(ctx, nil)
	}
}

func BenchmarkHandleOpened(b *testing.B) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	l := slogbreaker.MustNewListener(logger)
	c := runtime.MustNew().Circuit("bench")
	st, err := c.Status(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	e := runtime.Event{Type: runtime.EventOpened, Circuit: "bench", Status: st, Time: st.CurrentTime}
	b.ReportAllocs()
	for b.Loop() {
		l.Handle(e)
	}
}

package slogbreaker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/breakergen/breakergen/internal/nilness"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
)

// eventTypes lists every event type, in order.
var eventTypes = []runtime.EventType{
	runtime.EventSuccess, runtime.EventFailure, runtime.EventOpened, runtime.EventReopened,
	runtime.EventClosed, runtime.EventSkipped, runtime.EventStorageFailure, runtime.EventProbe,
}

// defaultLevels are the levels of Faulty's log listener, and Info for a probe.
var defaultLevels = map[runtime.EventType]slog.Level{
	runtime.EventSuccess:        slog.LevelDebug,
	runtime.EventFailure:        slog.LevelError,
	runtime.EventOpened:         slog.LevelError,
	runtime.EventReopened:       slog.LevelError,
	runtime.EventClosed:         slog.LevelInfo,
	runtime.EventSkipped:        slog.LevelWarn,
	runtime.EventStorageFailure: slog.LevelError,
	runtime.EventProbe:          slog.LevelInfo,
}

var messages = map[runtime.EventType]string{
	runtime.EventSuccess:        "breakergen: call succeeded",
	runtime.EventFailure:        "breakergen: call failed",
	runtime.EventOpened:         "breakergen: circuit opened",
	runtime.EventReopened:       "breakergen: circuit reopened",
	runtime.EventClosed:         "breakergen: circuit closed",
	runtime.EventSkipped:        "breakergen: call skipped",
	runtime.EventStorageFailure: "breakergen: storage failed",
	runtime.EventProbe:          "breakergen: probe granted",
}

// Listener writes one slog record per event. Build it with NewListener. It is
// safe for concurrent use.
type Listener struct {
	handler slog.Handler
	levels  map[runtime.EventType]slog.Level
}

// Option configures a Listener in NewListener or Build.
type Option interface {
	apply(*Listener) error
}

type optionFunc func(*Listener) error

func (f optionFunc) apply(l *Listener) error { return f(l) }

// WithLevel sets the level of the records of events of type t.
func WithLevel(t runtime.EventType, level slog.Level) Option {
	return optionFunc(func(l *Listener) error {
		if _, ok := defaultLevels[t]; !ok {
			return fmt.Errorf("WithLevel: unknown event type %d", t)
		}
		l.levels[t] = level
		return nil
	})
}

// NewListener returns a listener that writes to logger. It panics with
// Build's error when logger is nil or an option is invalid.
func NewListener(logger *slog.Logger, opts ...Option) *Listener {
	l, err := Build(logger, opts...)
	if err != nil {
		panic(err)
	}
	return l
}

// Build is NewListener returning an error wrapping storage.ErrInvalid,
// instead of panicking, when logger is nil or an option is invalid.
func Build(logger *slog.Logger, opts ...Option) (*Listener, error) {
	l := &Listener{levels: make(map[runtime.EventType]slog.Level, len(defaultLevels))}
	for t, lv := range defaultLevels {
		l.levels[t] = lv
	}
	var errs []error
	if logger == nil || nilness.Is(logger.Handler()) {
		errs = append(errs, errors.New("nil logger"))
	} else {
		l.handler = logger.Handler()
	}
	for i, o := range opts {
		if o == nil {
			errs = append(errs, fmt.Errorf("option %d is nil", i+1))
			continue
		}
		if err := o.apply(l); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("slogbreaker: %w: %w", storage.ErrInvalid, err)
	}
	return l, nil
}

// Events returns the event types whose level the logger lets through now, to
// give to runtime.WithListener. A type left out reaches the listener no more,
// even if the logger's level is lowered later.
func (l *Listener) Events() []runtime.EventType {
	var out []runtime.EventType
	for _, t := range eventTypes {
		if l.handler.Enabled(context.Background(), l.levels[t]) {
			out = append(out, t)
		}
	}
	return out
}

// Handle writes the record of e, if the logger's level lets it through.
func (l *Listener) Handle(e runtime.Event) {
	level, ok := l.levels[e.Type]
	if !ok {
		return
	}
	ctx := context.Background()
	if !l.handler.Enabled(ctx, level) {
		return
	}
	r := slog.NewRecord(time.Now(), level, messages[e.Type], 0)
	r.AddAttrs(attrs(e)...)
	_ = l.handler.Handle(ctx, r)
}

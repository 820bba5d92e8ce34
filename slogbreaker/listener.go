package slogbreaker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/breakergen/breakergen/internal/hotpath/nilness"
	"github.com/breakergen/breakergen/runtime"
)

// eventTypes lists every event type, in order.
var eventTypes = []runtime.EventType{
	runtime.EventSuccess, runtime.EventFailure, runtime.EventOpened, runtime.EventReopened,
	runtime.EventClosed, runtime.EventSkipped, runtime.EventStorageFailure, runtime.EventProbe,
	runtime.EventLockChanged,
}

// defaultLevels fit an incident: what changes a circuit (a transition, a
// probe, an operator's lock, a storage outage, at most one a second per
// circuit) is logged at Warn or Info, once per change; what happens per call (a success, a failure, a
// skipped call) is Debug, so that an outage at 1,000 calls a second does not
// write 1,000 lines a second. Nothing is an Error: the breaker handled it.
var defaultLevels = map[runtime.EventType]slog.Level{
	runtime.EventSuccess:        slog.LevelDebug,
	runtime.EventFailure:        slog.LevelDebug,
	runtime.EventOpened:         slog.LevelWarn,
	runtime.EventReopened:       slog.LevelWarn,
	runtime.EventClosed:         slog.LevelInfo,
	runtime.EventSkipped:        slog.LevelDebug,
	runtime.EventStorageFailure: slog.LevelWarn,
	runtime.EventProbe:          slog.LevelInfo,
	runtime.EventLockChanged:    slog.LevelInfo,
}

// messages are the records' messages, one per event type (a lock change's
// depend on the lock set, see message): a transition learnt from another
// process has its own's message, and remote=true says so.
var messages = map[runtime.EventType]string{
	runtime.EventSuccess:        "breakergen: call succeeded",
	runtime.EventFailure:        "breakergen: call failed",
	runtime.EventOpened:         "breakergen: circuit opened",
	runtime.EventReopened:       "breakergen: circuit reopened",
	runtime.EventClosed:         "breakergen: circuit closed",
	runtime.EventSkipped:        "breakergen: call skipped",
	runtime.EventStorageFailure: "breakergen: storage failed",
	runtime.EventProbe:          "breakergen: probe granted",
	runtime.EventLockChanged:    "breakergen: circuit locked",
}

// message returns the message of e's record: "breakergen: circuit unlocked"
// for a lock change that removed the lock.
func message(e runtime.Event) string {
	if e.Type == runtime.EventLockChanged && e.Status.Lock == runtime.LockNone {
		return "breakergen: circuit unlocked"
	}
	return messages[e.Type]
}

// Listener writes one slog record per event. Build it with NewListener (or
// MustNewListener). It is safe for concurrent use.
type Listener struct {
	handler slog.Handler
	levels  map[runtime.EventType]slog.Level
}

// Option configures a Listener in NewListener or MustNewListener; an invalid
// one is an error of NewListener.
type Option interface {
	apply(*Listener) error
}

type optionFunc func(*Listener) error

func (f optionFunc) apply(l *Listener) error { return f(l) }

// WithLevel sets the level of the records of events of type t, instead of its
// default (see the package doc): WithLevel(runtime.EventFailure,
// slog.LevelWarn) logs every failed call at Warn.
func WithLevel(t runtime.EventType, level slog.Level) Option {
	return optionFunc(func(l *Listener) error {
		if _, ok := defaultLevels[t]; !ok {
			return fmt.Errorf("WithLevel: unknown event type %d", t)
		}
		l.levels[t] = level
		return nil
	})
}

// NewListener returns a listener that writes to logger, or an error wrapping
// runtime.ErrInvalid when logger is nil or an option is invalid.
func NewListener(logger *slog.Logger, opts ...Option) (*Listener, error) {
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
		return nil, fmt.Errorf("slogbreaker: %w: %w", runtime.ErrInvalid, err)
	}
	return l, nil
}

// MustNewListener is NewListener for start-up code with literal options: it
// panics with NewListener's error.
func MustNewListener(logger *slog.Logger, opts ...Option) *Listener {
	l, err := NewListener(logger, opts...)
	if err != nil {
		panic(err)
	}
	return l
}

// Events returns the event types whose level the logger lets through now:
// runtime.WithListener(l) with no types asks for just these, so a logger at
// Info keeps every call on the breaker's hot path. A type left out reaches the
// listener no more, even if the logger's level is lowered later.
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
	r := slog.NewRecord(time.Now(), level, message(e), 0)
	r.AddAttrs(attrs(e)...)
	_ = l.handler.Handle(ctx, r)
}

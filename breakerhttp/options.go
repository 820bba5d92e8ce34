package breakerhttp

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/breakergen/breakergen/runtime"
)

// Option configures a Transport in New or MustNew, or the status page in
// StatusHandler (WithEventLog only); an invalid one is an error of New, and
// a panic of StatusHandler.
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// config is what the options of a Transport set.
type config struct {
	decorator  []runtime.DecoratorOption
	opts       []runtime.Options   // of WithOptions, IsFailure taken out
	failure    func(code int) bool // nil: DefaultFailure
	isFailure  func(error) bool    // of WithOptions: judges errors other than statuses
	oneCircuit bool
	events     *EventLog // of WithEventLog: StatusHandler's only option
}

// WithInstance gives the Transport circuits of its own, named
// "http@name[host]" ("http@name" with WithOneCircuit): two clients of one
// Breaker share their circuits unless they are given different instances. The
// name must not be empty.
func WithInstance(name string) Option {
	return optionFunc(func(c *config) error {
		if name == "" {
			return errors.New(`WithInstance("")`)
		}
		c.decorator = append(c.decorator, runtime.WithInstance(name))
		return nil
	})
}

// WithFailureStatus decides which response statuses count as failures of the
// host, instead of DefaultFailure. Other responses are successes. Transports
// that share their circuits (one Breaker, no WithInstance) share the
// judgement of the first one built. A nil function is an error.
func WithFailureStatus(failure func(code int) bool) Option {
	return optionFunc(func(c *config) error {
		if failure == nil {
			return errors.New("WithFailureStatus(nil)")
		}
		c.failure = failure
		return nil
	})
}

// WithOneCircuit puts every host behind one circuit, "http".
func WithOneCircuit() Option {
	return optionFunc(func(c *config) error {
		c.oneCircuit = true
		return nil
	})
}

// WithOptions lays o over the options of the Transport's circuits, field by
// field: a zero field keeps the Breaker's default (see the package doc for
// the built-in ones). Statuses are judged by WithFailureStatus; o.IsFailure,
// when set, judges the other errors of a round trip (by default every one is
// a failure). runtime.WithOverrides on the Breaker, for "http" (every host)
// or "http[host]" (one), still wins. It may be given several times; later
// ones win. Options that fail runtime.Options.Validate are an error.
func WithOptions(o runtime.Options) Option {
	return optionFunc(func(c *config) error {
		if err := o.Validate(); err != nil {
			return fmt.Errorf("WithOptions: %w", err)
		}
		if o.IsFailure != nil {
			c.isFailure = o.IsFailure
		}
		o.IsFailure = nil
		c.opts = append(c.opts, o)
		return nil
	})
}

// WithEventLog makes StatusHandler show the events l keeps, newest first,
// under the circuits (and as "events" in JSON); l must be a listener of the
// same breaker (runtime.WithListener(l)). It is an option of StatusHandler
// only: New refuses it. A nil EventLog is an error.
func WithEventLog(l *EventLog) Option {
	return optionFunc(func(c *config) error {
		if l == nil {
			return errors.New("WithEventLog(nil)")
		}
		c.events = l
		return nil
	})
}

// transport reports whether c holds options of a Transport.
func (c *config) transport() bool {
	return len(c.decorator) > 0 || len(c.opts) > 0 || c.failure != nil || c.isFailure != nil || c.oneCircuit
}

// DefaultFailure is the default judgement of a response: a 5xx status (the
// server failed) or 429 (it is overloaded and says so) is a failure.
func DefaultFailure(code int) bool {
	return code >= 500 || code == http.StatusTooManyRequests
}

// decoratorOptions returns the options of the generated decorator.
func (c *config) decoratorOptions() []runtime.DecoratorOption {
	out := append([]runtime.DecoratorOption(nil), c.decorator...)
	for _, o := range c.opts {
		out = append(out, runtime.WithOptions(o))
	}
	return append(out, runtime.WithOptions(runtime.Options{IsFailure: c.judge()}))
}

// judge returns the IsFailure option of the Transport's circuits: a
// *StatusError counts as its status says, any other error as WithOptions'
// IsFailure says, or is a failure. Transports configured alike share one
// function, so that their circuits' options compare equal.
func (c *config) judge() func(error) bool {
	if c.isFailure == nil && c.failure == nil {
		return defaultJudge
	}
	failure, other := c.failure, c.isFailure
	if failure == nil {
		failure = DefaultFailure
	}
	return func(err error) bool {
		if se, ok := err.(*StatusError); ok {
			return failure(se.Code)
		}
		return other == nil || other(err)
	}
}

// defaultJudge is judge of a Transport with the default judgement.
func defaultJudge(err error) bool {
	if se, ok := err.(*StatusError); ok {
		return DefaultFailure(se.Code)
	}
	return true
}

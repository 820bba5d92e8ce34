package breakerredis

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/breakergen/breakergen/runtime"
)

// Option configures a Hook in NewHook or Instrument.
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// config is what the options set.
type config struct {
	opts     runtime.Options
	failures []string // error-reply prefixes that are failures
}

// DefaultFailureReplies are the error-reply prefixes that say the server
// cannot serve: loading its data set, busy with a script, without its master
// or cluster, read-only after a fail-over, out of memory, unable to persist.
var DefaultFailureReplies = []string{"LOADING", "BUSY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "READONLY", "NOREPLICAS", "OOM", "MISCONF"}

// WithOptions gives every circuit of the hook the options o (cool-down,
// window, thresholds) over the Breaker's defaults; the operator's
// runtime.WithOverrides for a circuit's name still win. Exclude, Success and
// IsFailure are not used: the hook judges replies itself. An o that fails
// Validate is an error.
func WithOptions(o runtime.Options) Option {
	return optionFunc(func(c *config) error {
		if err := o.Validate(); err != nil {
			return err
		}
		c.opts = o
		return nil
	})
}

// WithFailureReplies sets the error-reply prefixes ("LOADING", "BUSY") that
// count as failures of the server, instead of DefaultFailureReplies; other
// error replies are not recorded. None at all is allowed: then only errors
// that are no reply count. An empty prefix, or one with a space, is an error.
func WithFailureReplies(prefixes ...string) Option {
	return optionFunc(func(c *config) error {
		for _, p := range prefixes {
			if p == "" || strings.ContainsAny(p, " \t\r\n") {
				return fmt.Errorf("%w: breakerredis: failure reply prefix %q", runtime.ErrInvalid, p)
			}
		}
		c.failures = slices.Clone(prefixes)
		return nil
	})
}

// build applies opts over the defaults.
func build(b *runtime.Breaker, opts []Option) (config, error) {
	c := config{failures: DefaultFailureReplies}
	if b == nil {
		return c, fmt.Errorf("%w: breakerredis: nil Breaker", runtime.ErrInvalid)
	}
	var errs []error
	for _, o := range opts {
		if o == nil {
			errs = append(errs, fmt.Errorf("%w: breakerredis: nil Option", runtime.ErrInvalid))
			continue
		}
		errs = append(errs, o.apply(&c))
	}
	// Judging is the hook's: a caller's Exclude or IsFailure would judge the
	// hook's verdicts again.
	c.opts.Exclude, c.opts.Success, c.opts.IsFailure = nil, nil, nil
	return c, errors.Join(errs...)
}

package breakergrpc

import (
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"

	"github.com/breakergen/breakergen/runtime"
)

// Option configures the interceptors in New, UnaryClientInterceptor or
// StreamClientInterceptor.
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// config is what the options set.
type config struct {
	name      string
	perMethod bool
	failures  [maxCode + 1]bool
	opts      runtime.Options
}

// maxCode is the highest status code gRPC defines.
const maxCode = codes.Unauthenticated

// DefaultFailureCodes are the status codes that count as failures of the
// server by default.
var DefaultFailureCodes = []codes.Code{
	codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted,
	codes.Internal, codes.Unknown, codes.DataLoss,
}

// PerMethod gives each target (the ClientConn's) and method a circuit of its
// own, "grpc[target/package.Service/Method]", instead of one per service.
func PerMethod() Option {
	return optionFunc(func(c *config) error {
		c.perMethod = true
		return nil
	})
}

// WithName names the circuits "name[...]" instead of "grpc[...]", so clients
// of one service on one Breaker that reach different backends (two regions)
// keep circuits apart. An empty name is an error.
func WithName(name string) Option {
	return optionFunc(func(c *config) error {
		if name == "" {
			return fmt.Errorf("%w: breakergrpc: empty circuit name", runtime.ErrInvalid)
		}
		c.name = name
		return nil
	})
}

// WithFailureCodes sets the status codes that count as failures of the
// server, instead of DefaultFailureCodes; other codes but OK are not
// recorded. OK, or a code gRPC does not define, is an error.
func WithFailureCodes(failures ...codes.Code) Option {
	return optionFunc(func(c *config) error {
		c.failures = [maxCode + 1]bool{}
		for _, code := range failures {
			if code == codes.OK || code > maxCode {
				return fmt.Errorf("%w: breakergrpc: failure code %v", runtime.ErrInvalid, code)
			}
			c.failures[code] = true
		}
		return nil
	})
}

// WithOptions gives the circuits the options o (cool-down, window,
// thresholds) over the Breaker's defaults; the operator's
// runtime.WithOverrides for a circuit's name still win. Exclude, Success and
// IsFailure are not used: the interceptors judge status codes themselves. An
// o that fails Validate is an error.
func WithOptions(o runtime.Options) Option {
	return optionFunc(func(c *config) error {
		if err := o.Validate(); err != nil {
			return err
		}
		c.opts = o
		return nil
	})
}

// build applies opts over the defaults.
func build(b *runtime.Breaker, opts []Option) (config, error) {
	c := config{name: "grpc"}
	for _, code := range DefaultFailureCodes {
		c.failures[code] = true
	}
	if b == nil {
		return c, fmt.Errorf("%w: breakergrpc: nil Breaker", runtime.ErrInvalid)
	}
	var errs []error
	for _, o := range opts {
		if o == nil {
			errs = append(errs, fmt.Errorf("%w: breakergrpc: nil Option", runtime.ErrInvalid))
			continue
		}
		errs = append(errs, o.apply(&c))
	}
	c.opts.Exclude, c.opts.Success, c.opts.IsFailure = nil, nil, nil
	return c, errors.Join(errs...)
}

package breakersql

import (
	"errors"
	"fmt"

	"github.com/breakergen/breakergen/runtime"
)

// Option configures a Connector in NewConnector or Wrap.
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// config is what the options set.
type config struct {
	name      string // "": the default, one circuit per Connector
	opts      runtime.Options
	isFailure func(error) bool
}

// WithName names the Connector's circuit, instead of the default
// "sql[<driver>#<n>]" (see NewConnector). Connectors given one name share
// their circuit, so give each pool its own unless they reach one database.
// An empty name is an error.
func WithName(name string) Option {
	return optionFunc(func(c *config) error {
		if name == "" {
			return fmt.Errorf("%w: breakersql: empty circuit name", runtime.ErrInvalid)
		}
		c.name = name
		return nil
	})
}

// WithHost names the Connector's circuit after the database server host it
// reaches, "sql[host]", instead of the default "sql[<driver>#<n>]", so every
// pool to that host (a primary's read and write pools) shares one circuit.
// database/sql does not tell which host a Connector dials, so the caller
// names it. An empty host is an error. The last of WithName and WithHost
// wins.
func WithHost(host string) Option {
	return optionFunc(func(c *config) error {
		if host == "" {
			return fmt.Errorf("%w: breakersql: empty host", runtime.ErrInvalid)
		}
		c.name = "sql[" + host + "]"
		return nil
	})
}

// WithOptions gives the Connector's circuit the options o (cool-down, window,
// thresholds) over the Breaker's defaults; the operator's
// runtime.WithOverrides for its name still win. Exclude, Success and
// IsFailure are not used: the Connector judges errors itself (see
// WithIsFailure). An o that fails Validate is an error.
func WithOptions(o runtime.Options) Option {
	return optionFunc(func(c *config) error {
		if err := o.Validate(); err != nil {
			return err
		}
		c.opts = o
		return nil
	})
}

// WithIsFailure decides which errors are failures of the server, instead of
// the SQLSTATE rule; errors it reports false for are not recorded. It is not
// asked about the errors that are never recorded (sql.ErrNoRows,
// driver.ErrSkip, driver.ErrBadConn, sql.ErrConnDone, sql.ErrTxDone, the
// caller's cancellation). It must be safe for concurrent use; nil is an
// error.
func WithIsFailure(isFailure func(error) bool) Option {
	return optionFunc(func(c *config) error {
		if isFailure == nil {
			return fmt.Errorf("%w: breakersql: nil IsFailure", runtime.ErrInvalid)
		}
		c.isFailure = isFailure
		return nil
	})
}

// build applies opts over the defaults.
func build(opts []Option) (config, error) {
	c := config{isFailure: DefaultIsFailure}
	var errs []error
	for _, o := range opts {
		if o == nil {
			errs = append(errs, fmt.Errorf("%w: breakersql: nil Option", runtime.ErrInvalid))
			continue
		}
		errs = append(errs, o.apply(&c))
	}
	c.opts.Exclude, c.opts.Success, c.opts.IsFailure = nil, nil, nil
	return c, errors.Join(errs...)
}

package storage

import (
	"errors"
	"fmt"

	"github.com/breakergen/breakergen/internal/hotpath/nilness"
)

// Guarded returns s behind the guard alone, configured by the guard options
// of opts, as FallbackChain guards its members and FaultTolerant its backend:
// the tests of the guard's breaker see its errors, which FaultTolerant
// answers from its fallback.
func Guarded(s Storage, opts ...FaultTolerantOption) (Storage, error) {
	if nilness.Is(s) {
		return nil, fmt.Errorf("%w: guard: nil storage", ErrInvalid)
	}
	cfg := faultTolerantConfig{gate: defaultGateConfig()}
	for i, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("%w: guard: option %d is nil", ErrInvalid, i+1)
		}
		o.applyFaultTolerant(&cfg)
	}
	if err := errors.Join(cfg.errs...); err != nil {
		return nil, err
	}
	return guarded(s, cfg.gate), nil
}

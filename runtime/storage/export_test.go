package storage

// Guarded returns s behind the guard alone, configured by the guard options
// of opts, as FallbackChain guards its members and FaultTolerant its backend:
// the tests of the guard's breaker see its errors, which FaultTolerant
// answers from its fallback.
func Guarded(s Storage, opts ...FaultTolerantOption) (Storage, error) {
	cfg, err := faultTolerantOptions("guard", s, opts)
	if err != nil {
		return nil, err
	}
	return guarded(s, cfg.gate), nil
}

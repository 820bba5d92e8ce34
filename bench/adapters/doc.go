// Package adapters benchmarks breakergen's adapters side by side with
// failsafe-go's (failsafehttp's RoundTripper and failsafegrpc's unary
// interceptor, each with a circuit breaker with its defaults): the cost each
// adds to a call on a closed circuit, around a client that answers at once,
// and the cost of a call each refuses. It is a module of its own, nested in
// bench/, so that no module of breakergen ever depends on a competitor.
//
//	cd bench/adapters && go test -run '^$' -bench . -benchmem
//
// failsafe-go v0.9.8 has no Redis or database/sql adapter; those rows are
// breakergen's alone (breakerredis's and breakersql's own benchmarks).
package adapters

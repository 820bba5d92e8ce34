// Package faultsuite is breakergen's fault-injection suite: it runs a
// protected circuit on a Redis store through a TCP fault proxy
// (internal/faultproxy) in front of a real redis-server, and breaks the path
// between them in every way the README's "Failure modes" section describes:
// latency of 50 ms, 500 ms and 3 s, lost replies, reset connections, a
// blackholed and a half-open link, kill -9 and restart, CLIENT PAUSE and
// DEBUG SLEEP.
//
// Every scenario runs in both Redis modes (fleet and strict) and with two
// go-redis configurations: the options the README recommends, and go-redis's
// defaults, which users copy. Each run checks that calls keep running (the
// breaker fails open), that the time a call spends in breakergen stays within
// the storage deadline plus 20 ms at the 99th percentile, that no outcome is
// counted twice in Redis, that storage failures are reported as events, and
// that once the fault heals the shared state is used again within seconds.
//
// The package holds tests only; it has no API.
package faultsuite

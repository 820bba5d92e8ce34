// Package breakerhttp holds HTTP pieces for breakergen: a circuit-breaking
// http.RoundTripper and a status page.
//
// Transport (New, or MustNew for start-up code) is a ready-made
// http.RoundTripper decorator, built with the generator, with one circuit per
// host by default: 5xx and 429 responses count as failures, and a request the
// circuit refuses has its body closed and returns an error that matches
// runtime.ErrOpen, through http.Client.Do too.
//
//	client := &http.Client{Transport: breakerhttp.MustNew(http.DefaultTransport, b,
//		breakerhttp.WithOptions(runtime.Options{CoolDown: 30 * time.Second}))}
//
// # Circuits and their options
//
// The circuits are named "http[host]" (host:port when the URL has a port),
// "http@instance[host]" with WithInstance, and "http" (or "http@instance")
// with WithOneCircuit. Their options are, weakest first: the built-in
// defaults, the Breaker's runtime.WithDefaults, the Transport's WithOptions,
// and the operator's runtime.WithOverrides on the Breaker, for "http" (every
// host) or "http[api.example.com]" (one). With none of them given, a host's
// circuit has breakergen's built-in defaults:
//
//	CoolDown          5m    how long an open circuit refuses requests; also a probe's reservation
//	EvaluationWindow  1m    the span over which responses are counted
//	RateThreshold     0.5   the failure rate at which the circuit opens
//	SampleThreshold   3     responses needed within the window before it may open
//
// Statuses are judged by WithFailureStatus (default DefaultFailure: 5xx and
// 429); WithOptions' IsFailure judges the other errors of a round trip (by
// default every one is a failure). At most 1,024 hosts have a circuit at
// once; beyond, the least recently used is dropped.
//
// # Status page
//
// StatusHandler serves every circuit of a breaker, as JSON for tools and as a
// small page for people. It is read-only but tells what the service depends
// on and how those dependencies fare: mount it behind the service's own
// authentication, on an internal or admin listener, never on the public one.
//
// With an EventLog, a runtime.Listener of the same breaker given to
// StatusHandler by WithEventLog, the page also lists the latest 50
// transitions, probes and lock changes, newest first (and JSON's "events"):
// when, which circuit, what happened, the state it left, whether this process
// made it or learnt it from another process of its fleet on Redis
// (runtime.Event.Remote), and the failure that caused it:
//
//	events := breakerhttp.NewEventLog()
//	b := runtime.MustNew(runtime.WithStorage(store), runtime.WithListener(events))
//	admin.Handle("GET /admin/circuits", breakerhttp.StatusHandler(b, breakerhttp.WithEventLog(events)))
package breakerhttp

// Package breakerhttp holds HTTP pieces for breakergen: a circuit-breaking
// http.RoundTripper and a status page.
//
// Transport (New) is a ready-made http.RoundTripper decorator, built with the
// generator, with one circuit per host by default: 5xx and 429 responses count
// as failures, and a request the circuit refuses has its body closed and
// returns an error that matches runtime.ErrOpen, through http.Client.Do too.
//
// StatusHandler serves every circuit of a breaker, as JSON for tools and as a
// small page for people. It is read-only but tells what the service depends
// on and how those dependencies fare: mount it behind the service's own
// authentication, on an internal or admin listener, never on the public one.
package breakerhttp

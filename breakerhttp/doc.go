// Package breakerhttp holds HTTP pieces for breakergen: a status page
// (StatusHandler) and a circuit-breaking http.RoundTripper.
//
// StatusHandler serves every circuit of a breaker, as JSON for tools and as a
// small page for people. It is read-only but tells what the service depends
// on and how those dependencies fare: mount it behind the service's own
// authentication, on an internal or admin listener, never on the public one.
package breakerhttp

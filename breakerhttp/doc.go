// Package breakerhttp puts HTTP traffic through breakergen circuits: Transport
// is a ready-made http.RoundTripper decorator with one circuit per host.
package breakerhttp

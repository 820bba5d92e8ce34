package gateway

// The provider's HTTP traffic goes through a circuit too: the decorator of the
// standard library's http.RoundTripper is generated into this package.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen -source net/http -type RoundTripper

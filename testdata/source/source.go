// Package source is a golden case: interfaces declared in other packages (the
// standard library and a vendor SDK whose package name differs from its path)
// wrapped into this package with -source, one file per run, and several types
// into one -output file. A directive beside a -source //go:generate line gives
// the options of the wrapped interface's circuit.
package source

import (
	"context"
	"net/http"

	"github.com/breakergen/breakergen/runtime"
)

//go:generate go run github.com/breakergen/breakergen/cmd/breakergen -source net/http -type RoundTripper
//breaker:circuit name=http cooldown=15s exclude=context.Canceled

//go:generate go run github.com/breakergen/breakergen/cmd/breakergen -source github.com/breakergen/breakergen/testdata/deps/go-vendorsdk -type Client
//breaker:circuit name=vendor exclude=vendorsdk.ErrThrottled

//go:generate go run github.com/breakergen/breakergen/cmd/breakergen -source io -type Reader,Writer,ReadWriteCloser -output io_breaker.go

// Client returns an HTTP client whose transport runs through the circuit
// "http" of b.
func Client(next http.RoundTripper, b *runtime.Breaker) *http.Client {
	return &http.Client{Transport: NewRoundTripperBreaker(next, b)}
}

// Get fetches url with client, bounded by ctx.
func Get(ctx context.Context, client *http.Client, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return client.Do(req)
}

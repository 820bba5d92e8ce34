package gateway_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/breakergen/breakergen/examples/payments/gateway"
	"github.com/breakergen/breakergen/runtime"
)

// TestRoundTripperTrips sends requests to a loopback server that has gone away:
// after two refused connections (two failures in three calls) the circuit opens
// and requests are skipped without dialling.
func TestRoundTripperTrips(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	url := srv.URL
	transport := &countingTransport{next: http.DefaultTransport}
	client := &http.Client{Transport: gateway.NewRoundTripperBreaker(transport, runtime.New())}

	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	srv.Close()

	for range 2 {
		if _, err := client.Get(url); err == nil || errors.Is(err, runtime.ErrOpen) {
			t.Fatalf("request to a closed server: %v, want a dial error", err)
		}
	}
	dialled := transport.calls
	if _, err := client.Get(url); !errors.Is(err, runtime.ErrOpen) {
		t.Fatalf("request after 2 failures in 3: %v, want ErrOpen", err)
	}
	if transport.calls != dialled {
		t.Fatal("a skipped request reached the transport")
	}
}

type countingTransport struct {
	next  http.RoundTripper
	calls int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.calls++
	return c.next.RoundTrip(r)
}

package gateway_test

import (
	"context"
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

// TestRoundTripperCallerCancellation cancels requests on the caller's side: the
// decorator takes the request's context, so those cancellations are not counted
// against the dependency.
func TestRoundTripperCallerCancellation(t *testing.T) {
	b := runtime.New()
	rt := gateway.NewRoundTripperBreaker(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		<-r.Context().Done()
		return nil, r.Context().Err()
	}), b)
	for range 5 {
		ctx, cancel := context.WithCancel(context.Background())
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:1/", nil)
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		if _, err := rt.RoundTrip(req); !errors.Is(err, context.Canceled) {
			t.Fatalf("RoundTrip = %v, want the caller's cancellation", err)
		}
	}
	st, err := b.Circuit("http.RoundTripper").Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.SampleSize != 0 || !st.Closed() {
		t.Fatalf("status %+v: the caller's cancellations were counted", st)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

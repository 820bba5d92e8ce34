package gateway_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	client := &http.Client{Transport: gateway.NewRoundTripperBreaker(transport, runtime.MustNew())}

	resp, err := client.Get(url)
	require.NoError(t, err)
	resp.Body.Close()
	srv.Close()

	for range 2 {
		_, err := client.Get(url)
		require.Error(t, err, "a request to a closed server fails to dial")
		require.NotErrorIs(t, err, runtime.ErrOpen)
	}
	dialled := transport.calls
	_, err = client.Get(url)
	require.ErrorIs(t, err, runtime.ErrOpen, "two failures in three calls open the circuit")
	assert.Equal(t, dialled, transport.calls, "a skipped request does not reach the transport")
}

type countingTransport struct {
	next  http.RoundTripper
	calls int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.calls++
	return c.next.RoundTrip(r)
}

// closeCounter is a request body that counts its Close calls.
type closeCounter struct {
	io.Reader
	closed int
}

func (c *closeCounter) Close() error {
	c.closed++
	return nil
}

// TestRoundTripperClosesRefusedBodies checks the http.RoundTripper contract: a
// request the circuit refuses still has its body closed.
func TestRoundTripperClosesRefusedBodies(t *testing.T) {
	b := runtime.MustNew(runtime.WithOverrides("http.RoundTripper", runtime.Options{SampleThreshold: 1}))
	rt := gateway.NewRoundTripperBreaker(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r.Body.Close()
		return nil, io.ErrUnexpectedEOF
	}), b)
	client := &http.Client{Transport: rt}
	_, err := client.Post("http://127.0.0.1:1/", "text/plain", strings.NewReader("first"))
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	body := &closeCounter{Reader: strings.NewReader("charge")}
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/", body)
	require.NoError(t, err)
	_, err = client.Do(req)
	require.ErrorIs(t, err, runtime.ErrOpen)
	assert.Equal(t, 1, body.closed, "the refused request's body was closed")
}

// TestRoundTripperCallerCancellation cancels requests on the caller's side: the
// decorator takes the request's context, so those cancellations are not counted
// against the dependency.
func TestRoundTripperCallerCancellation(t *testing.T) {
	b := runtime.MustNew()
	rt := gateway.NewRoundTripperBreaker(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		<-r.Context().Done()
		return nil, r.Context().Err()
	}), b)
	for range 5 {
		ctx, cancel := context.WithCancel(context.Background())
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:1/", nil)
		require.NoError(t, err)
		cancel()
		_, err = rt.RoundTrip(req)
		require.ErrorIs(t, err, context.Canceled, "the caller's cancellation")
	}
	st, err := b.Circuit("http.RoundTripper").Status(context.Background())
	require.NoError(t, err)
	assert.Zero(t, st.SampleSize, "the caller's cancellations were not counted")
	assert.True(t, st.Closed())
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

package breakerhttp_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/breakerhttp"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/fakeclock"
)

// server is an httptest server answering with a status that the test sets,
// counting the requests that reach it.
type server struct {
	*httptest.Server
	status atomic.Int32
	hits   atomic.Int32
}

func newServer(t *testing.T, status int) *server {
	t.Helper()
	s := &server{}
	s.status.Store(int32(status))
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(int(s.status.Load()))
		io.WriteString(w, "body")
	}))
	t.Cleanup(s.Close)
	return s
}

// host returns the server's host:port, the key of its circuit.
func (s *server) host() string { return strings.TrimPrefix(s.URL, "http://") }

// setup returns a breaker on a fake clock and a client whose transport runs
// through it.
func setup(t *testing.T, opts ...breakerhttp.Option) (*runtime.Breaker, *fakeclock.Clock, *http.Client) {
	t.Helper()
	clock := fakeclock.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	b := runtime.MustNew(runtime.WithClock(clock), runtime.WithDefaults(runtime.Options{SampleThreshold: 3, CoolDown: time.Minute}))
	return b, clock, &http.Client{Transport: breakerhttp.MustNew(nil, b, opts...)}
}

// get sends a GET and returns the status, or the error.
func get(t *testing.T, c *http.Client, url string) (int, error) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "body", string(body), "the response reaches the caller untouched")
	return resp.StatusCode, nil
}

// status returns the status of a circuit that must exist.
func status(t *testing.T, b *runtime.Breaker, name string) runtime.Status {
	t.Helper()
	c, ok := b.Lookup(name)
	require.True(t, ok, "no circuit %s", name)
	st, err := c.Status(context.Background())
	require.NoError(t, err)
	return st
}

func TestTransportOneCircuitPerHost(t *testing.T) {
	b, _, client := setup(t)
	dead, healthy := newServer(t, http.StatusServiceUnavailable), newServer(t, http.StatusOK)
	for range 3 {
		code, err := get(t, client, dead.URL)
		require.NoError(t, err, "a 503 is a response")
		assert.Equal(t, http.StatusServiceUnavailable, code)
	}
	_, err := get(t, client, dead.URL)
	require.ErrorIs(t, err, runtime.ErrOpen, "three 503s opened the dead host's circuit")
	assert.Equal(t, int32(3), dead.hits.Load(), "the refused request did not reach the host")
	code, err := get(t, client, healthy.URL)
	require.NoError(t, err, "the healthy host is not refused")
	assert.Equal(t, http.StatusOK, code)
	assert.True(t, status(t, b, "http["+dead.host()+"]").Open())
	assert.True(t, status(t, b, "http["+healthy.host()+"]").Closed())
}

func TestTransportJudgesStatuses(t *testing.T) {
	tests := []struct {
		name   string
		opts   []breakerhttp.Option
		status int
		opens  bool
	}{
		{"5xx", nil, http.StatusInternalServerError, true},
		{"429", nil, http.StatusTooManyRequests, true},
		{"404 is an answer", nil, http.StatusNotFound, false},
		{"2xx", nil, http.StatusAccepted, false},
		{"configured 404", []breakerhttp.Option{breakerhttp.WithFailureStatus(func(code int) bool { return code == 404 })}, http.StatusNotFound, true},
		{"configured 5xx", []breakerhttp.Option{breakerhttp.WithFailureStatus(func(code int) bool { return code == 404 })}, http.StatusBadGateway, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _, client := setup(t, tt.opts...)
			srv := newServer(t, tt.status)
			for range 3 {
				_, err := get(t, client, srv.URL)
				require.NoError(t, err)
			}
			st := status(t, b, "http["+srv.host()+"]")
			assert.Equal(t, tt.opens, st.Open())
			assert.Equal(t, 3, st.SampleSize, "every response is recorded")
		})
	}
}

// closeCounter is a request body that counts its Close calls.
type closeCounter struct {
	io.Reader
	closed atomic.Int32
}

func (c *closeCounter) Close() error {
	c.closed.Add(1)
	return nil
}

func TestTransportRefusedRequestClosesItsBody(t *testing.T) {
	_, _, client := setup(t)
	dead := newServer(t, http.StatusBadGateway)
	for range 3 {
		_, err := get(t, client, dead.URL)
		require.NoError(t, err)
	}
	body := &closeCounter{Reader: strings.NewReader("payload")}
	req, err := http.NewRequest(http.MethodPost, dead.URL, body)
	require.NoError(t, err)
	_, err = client.Do(req)
	require.ErrorIs(t, err, runtime.ErrOpen, "http.Client.Do returns an error matching runtime.ErrOpen")
	var open *runtime.OpenCircuitError
	require.ErrorAs(t, err, &open)
	assert.Equal(t, "http["+dead.host()+"]", open.Circuit)
	assert.Equal(t, int32(1), body.closed.Load(), "the refused request's body was closed")
}

func TestTransportErrorsProbeAndRecovery(t *testing.T) {
	b, clock, client := setup(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nobody listens: connections are refused
	for range 3 {
		_, err := get(t, client, "http://"+addr+"/")
		require.Error(t, err)
		require.NotErrorIs(t, err, runtime.ErrOpen)
	}
	_, err = get(t, client, "http://"+addr+"/")
	require.ErrorIs(t, err, runtime.ErrOpen, "refused connections count as failures")

	// The host comes back; after the cool-down one probe closes the circuit.
	l, err = net.Listen("tcp", addr)
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "body") })}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	clock.Advance(time.Minute)
	code, err := get(t, client, "http://"+addr+"/")
	require.NoError(t, err, "the probe")
	assert.Equal(t, http.StatusOK, code)
	assert.True(t, status(t, b, "http["+addr+"]").Closed())
}

func TestTransportCallerCancellationIsNotAFailure(t *testing.T) {
	b, _, client := setup(t)
	srv := newServer(t, http.StatusOK)
	for range 5 {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		require.NoError(t, err)
		_, err = client.Do(req)
		require.ErrorIs(t, err, context.Canceled)
	}
	_, err := get(t, client, srv.URL)
	require.NoError(t, err)
	st := status(t, b, "http["+srv.host()+"]")
	assert.Zero(t, st.FailureRate, "the caller's cancellations were not counted")
}

func TestTransportOneCircuitAndInstances(t *testing.T) {
	b, _, client := setup(t, breakerhttp.WithOneCircuit(), breakerhttp.WithInstance("payments"))
	dead, healthy := newServer(t, http.StatusServiceUnavailable), newServer(t, http.StatusOK)
	for range 3 {
		_, err := get(t, client, dead.URL)
		require.NoError(t, err)
	}
	_, err := get(t, client, healthy.URL)
	require.ErrorIs(t, err, runtime.ErrOpen, "one circuit for every host")
	assert.True(t, status(t, b, "http@payments").Open())

	other := &http.Client{Transport: breakerhttp.MustNew(nil, b, breakerhttp.WithInstance("search"))}
	code, err := get(t, other, healthy.URL)
	require.NoError(t, err, "another instance has circuits of its own")
	assert.Equal(t, http.StatusOK, code)
	_, ok := b.Lookup("http@search[" + healthy.host() + "]")
	assert.True(t, ok)
}

func TestTransportCloseIdleConnections(t *testing.T) {
	next := &idleCloser{}
	breakerhttp.MustNew(next, runtime.MustNew()).CloseIdleConnections()
	assert.True(t, next.closed)
	assert.NotPanics(t, func() {
		breakerhttp.MustNew(roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("x") }), runtime.MustNew()).CloseIdleConnections()
	})
}

// idleCloser is a RoundTripper with CloseIdleConnections.
type idleCloser struct{ closed bool }

func (c *idleCloser) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("unused")
}
func (c *idleCloser) CloseIdleConnections() { c.closed = true }

// roundTripFunc is an http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestTransportOptionsAreChecked(t *testing.T) {
	b := runtime.MustNew()
	for name, opts := range map[string][]breakerhttp.Option{
		"nil option":            {nil},
		"nil failure judgement": {breakerhttp.WithFailureStatus(nil)},
		"empty instance":        {breakerhttp.WithInstance("")},
		"invalid options":       {breakerhttp.WithOptions(runtime.Options{RateThreshold: 2})},
	} {
		t.Run(name, func(t *testing.T) {
			tr, err := breakerhttp.New(nil, b, opts...)
			assert.ErrorIs(t, err, runtime.ErrInvalid)
			assert.Nil(t, tr)
			assert.Panics(t, func() { breakerhttp.MustNew(nil, b, opts...) })
		})
	}
	_, err := breakerhttp.New(nil, nil)
	assert.ErrorIs(t, err, runtime.ErrInvalid, "a nil breaker")
}

// TestTransportDefaults: with no option, the circuits have the Breaker's
// defaults, which are the built-in ones the package doc lists.
func TestTransportDefaults(t *testing.T) {
	b := runtime.MustNew()
	client := &http.Client{Transport: breakerhttp.MustNew(nil, b)}
	srv := newServer(t, http.StatusOK)
	_, err := get(t, client, srv.URL)
	require.NoError(t, err)
	c, ok := b.Lookup("http[" + srv.host() + "]")
	require.True(t, ok)
	o := c.Options()
	assert.Equal(t, 5*time.Minute, o.CoolDown)
	assert.Equal(t, time.Minute, o.EvaluationWindow)
	assert.InDelta(t, 0.5, o.RateThreshold, 1e-9)
	assert.Equal(t, 3, o.SampleThreshold)
}

func TestTransportWithOptions(t *testing.T) {
	errIgnored := errors.New("proxy says: try later")
	b, clock, client := setup(t, breakerhttp.WithOptions(runtime.Options{
		SampleThreshold: 5, CoolDown: 10 * time.Second,
		IsFailure: func(err error) bool { return !errors.Is(err, errIgnored) },
	}))
	dead := newServer(t, http.StatusBadGateway)
	for range 4 {
		_, err := get(t, client, dead.URL)
		require.NoError(t, err, "below the five samples WithOptions asks for")
	}
	_, err := get(t, client, dead.URL)
	require.NoError(t, err)
	_, err = get(t, client, dead.URL)
	require.ErrorIs(t, err, runtime.ErrOpen, "five 502s opened it: statuses are still judged")
	assert.Equal(t, 10*time.Second, status(t, b, "http["+dead.host()+"]").Options.CoolDown)
	clock.Advance(10 * time.Second)
	dead.status.Store(http.StatusOK)
	_, err = get(t, client, dead.URL)
	require.NoError(t, err, "the cool-down WithOptions set is over: the probe runs")

	other := breakerhttp.MustNew(roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errIgnored }), b,
		breakerhttp.WithInstance("ignoring"), breakerhttp.WithOptions(runtime.Options{
			IsFailure: func(err error) bool { return !errors.Is(err, errIgnored) },
		}))
	for range 5 {
		_, err := (&http.Client{Transport: other}).Get("http://example.invalid/")
		require.ErrorIs(t, err, errIgnored, "IsFailure judges the other errors: a success")
	}
	assert.True(t, status(t, b, "http@ignoring[example.invalid]").Closed())
}

package breakerhttp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/adaptertest"
	"github.com/breakergen/breakergen/breakerhttp"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/breakerimpl"
)

// TestConformance runs the adapters' shared suite against the Transport: two
// httptest servers on loopback are the two targets (one circuit per host).
func TestConformance(t *testing.T) {
	adaptertest.Run(t, adaptertest.Harness{
		Name:     "breakerhttp",
		Setup:    setupConformance,
		NotFound: adaptertest.NotFoundSuccess, // a 404 is an answer: Transport records it as a success
		Skipped: func(t *testing.T, err error) {
			var uerr *url.Error
			assert.ErrorAs(t, err, &uerr, "http.Client.Do wraps a skipped request's error")
		},
	})
}

// httpFixture is the suite's fixture: a client through a Transport and two
// servers whose handlers answer as the request's path says.
type httpFixture struct {
	client  *http.Client
	servers [2]*conformanceServer
	bodies  atomic.Int64 // request bodies sent and not closed
}

type conformanceServer struct {
	*httptest.Server
	hits atomic.Int64
	gate adaptertest.Gate
}

func setupConformance(t *testing.T, b *runtime.Breaker) adaptertest.Fixture {
	f := &httpFixture{}
	for i := range f.servers {
		s := &conformanceServer{}
		s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
		s.Config.ErrorLog = log.New(io.Discard, "", 0) // the Panic behaviour's stack traces
		s.Start()
		t.Cleanup(s.Close)
		f.servers[i] = s
	}
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	f.client = &http.Client{Transport: breakerhttp.MustNew(base, b)}
	return f
}

// serve answers as the path says: /succeed, /not-found, /fail, /hang, /panic.
func (s *conformanceServer) serve(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	_, _ = io.Copy(io.Discard, r.Body)
	switch strings.TrimPrefix(r.URL.Path, "/") {
	case adaptertest.NotFound.String():
		w.WriteHeader(http.StatusNotFound)
	case adaptertest.Fail.String():
		w.WriteHeader(http.StatusServiceUnavailable)
	case adaptertest.Hang.String():
		if !s.gate.Hold(r.Context()) {
			return
		}
	case adaptertest.Panic.String():
		panic("adaptertest: the handler panics")
	}
	_, _ = io.WriteString(w, "answer")
}

func (f *httpFixture) Call(ctx context.Context, target int, b adaptertest.Behavior) error {
	body := &trackedBody{Reader: strings.NewReader("request"), open: &f.bodies}
	f.bodies.Add(1)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.servers[target].URL+"/"+b.String(), body)
	if err != nil {
		return err
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		return err
	case resp.StatusCode >= 400:
		return fmt.Errorf("status %d", resp.StatusCode)
	case string(answer) != "answer":
		return errors.New("the answer did not reach the caller untouched")
	}
	return nil
}

func (f *httpFixture) Circuit(target int) string {
	return breakerimpl.KeyedName("http", strings.TrimPrefix(f.servers[target].URL, "http://"))
}

func (f *httpFixture) Hits(_ testing.TB, target int) int { return int(f.servers[target].hits.Load()) }

func (f *httpFixture) AwaitHeld(t testing.TB, target, n int) { f.servers[target].gate.AwaitHeld(t, n) }

func (f *httpFixture) Release(_ testing.TB, target int) { f.servers[target].gate.Release() }

func (f *httpFixture) Open(testing.TB) int { return int(f.bodies.Load()) }

// trackedBody is a request body that counts itself open until closed, which
// http.RoundTripper requires of every request, refused or not.
type trackedBody struct {
	io.Reader
	open   *atomic.Int64
	closed atomic.Bool
}

func (b *trackedBody) Close() error {
	if b.closed.CompareAndSwap(false, true) {
		b.open.Add(-1)
	}
	return nil
}

// TestConformanceScenarioCount keeps the suite at the size the issue asks.
func TestConformanceScenarioCount(t *testing.T) {
	require.GreaterOrEqual(t, len(adaptertest.Scenarios()), 30)
}

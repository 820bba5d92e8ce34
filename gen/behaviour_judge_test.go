package gen_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/testdata/deps/extapi"
	"github.com/breakergen/breakergen/testdata/grpclike"
	"github.com/breakergen/breakergen/testdata/judge"
)

func TestJudgeResponsesCountPerHost(t *testing.T) {
	h := newHarness()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer healthy.Close()
	client := &http.Client{Transport: judge.NewRoundTripperBreaker(http.DefaultTransport, h.b)}

	for range 5 { // samples=5
		resp, err := client.Get(failing.URL)
		require.NoError(t, err, "a 503 is a response, returned untouched")
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
		resp.Body.Close()
	}
	failingHost := strings.TrimPrefix(failing.URL, "http://")
	st := h.status(t, "api["+failingHost+"]")
	assert.True(t, st.Open(), "five 503s opened the host's circuit")
	assert.Equal(t, 1.0, st.FailureRate)

	body := &closeCounter{Reader: strings.NewReader("payload")}
	req, err := http.NewRequest(http.MethodPost, failing.URL, body)
	require.NoError(t, err)
	_, err = client.Do(req)
	require.ErrorIs(t, err, runtime.ErrOpen, "http.Client.Do returns the open-circuit error")
	assert.Equal(t, 1, body.closed, "the refused request's body is closed")

	resp, err := client.Get(healthy.URL)
	require.NoError(t, err, "another host has a circuit of its own")
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, "ok", string(data))
}

// service is a judge.Service with scripted answers.
type service struct {
	reply  judge.Reply
	health judge.Health
	item   extapi.Item
	rows   *judge.Rows
	status judge.Status
	calls  int
}

func (s *service) Call(ctx context.Context, q string) (judge.Reply, error) {
	s.calls++
	return s.reply, nil
}
func (s *service) Health(ctx context.Context) judge.Health { s.calls++; return s.health }
func (s *service) Get(ctx context.Context, key string) (extapi.Item, error) {
	s.calls++
	return s.item, nil
}
func (s *service) Query(ctx context.Context, q string) *judge.Rows { s.calls++; return s.rows }
func (s *service) Status(ctx context.Context) judge.Status         { s.calls++; return s.status }

func TestJudgeFunctionsOfResults(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	s := &service{reply: judge.Reply{Code: 502, Body: "bad gateway"}}
	d := judge.NewServiceBreaker(s, h.b)
	for range 3 {
		r, err := d.Call(ctx, "q")
		require.NoError(t, err)
		assert.Equal(t, s.reply, r, "the caller gets the results untouched")
	}
	_, err := d.Call(ctx, "q")
	wantOpen(t, err, "three 502 replies opened the circuit")
	assert.Equal(t, 1, h.rec.count("service", runtime.EventOpened))

	assert.Equal(t, judge.Health{OK: false}, d.Health(ctx), "the fallback answers a method without an error result")
	assert.Equal(t, 3, s.calls)

	// A judge of another package: an empty item is a failure.
	for range 3 {
		item, err := d.Get(ctx, "k")
		require.NoError(t, err)
		assert.Empty(t, item.Key)
	}
	_, err = d.Get(ctx, "k")
	wantOpen(t, err)
}

func TestJudgeErrMethodAndSetErr(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	s := &service{rows: &judge.Rows{}, status: judge.NewStatus("down", errBoom)}
	s.rows.SetErr(errBoom)
	d := judge.NewServiceBreaker(s, h.b)
	for range 3 {
		rows := d.Query(ctx, "q")
		require.Same(t, s.rows, rows, "the result is returned untouched")
		require.ErrorIs(t, rows.Err(), errBoom)
	}
	rows := d.Query(ctx, "q")
	require.NotNil(t, rows, "a refused call returns a result")
	wantOpen(t, rows.Err(), "which carries the open-circuit error")
	assert.Equal(t, 3, h.status(t, "service").SampleSize)

	for range 3 {
		require.ErrorIs(t, d.Status(ctx).Err(), errBoom)
	}
	wantOpen(t, d.Status(ctx).Err(), "a value result carries it too")
}

// rpcClient is a grpclike.Client answering with err.
type rpcClient struct{ err error }

func (c rpcClient) GetUser(ctx context.Context, id string, opts ...grpclike.CallOption) (*grpclike.UserReply, error) {
	return &grpclike.UserReply{Name: id}, c.err
}
func (c rpcClient) GetOrder(ctx context.Context, id int64, opts ...grpclike.CallOption) (*grpclike.OrderReply, error) {
	return &grpclike.OrderReply{Cents: int(id)}, c.err
}

// TestGenericJudgeDeclinesToRecord is the first-hour report on gRPC: one
// generic judge serves methods of different reply types (instantiated per
// method), and it can say "not recorded": NotFound is neither a failure nor
// a success, while Unavailable is a failure.
func TestGenericJudgeDeclinesToRecord(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	notFound := &grpclike.StatusError{Code: grpclike.NotFound}
	c := grpclike.NewClientBreaker(rpcClient{err: notFound}, h.b)
	for range 10 {
		_, err := c.GetUser(ctx, "ann")
		require.ErrorIs(t, err, notFound, "the caller gets the error untouched")
		_, err = c.GetOrder(ctx, 7)
		require.ErrorIs(t, err, notFound)
	}
	assert.Zero(t, h.status(t, "rpc").SampleSize, "NotFound is not recorded")

	down := grpclike.NewClientBreaker(rpcClient{err: &grpclike.StatusError{Code: grpclike.Unavailable}}, h.b)
	for range 3 {
		_, err := down.GetOrder(ctx, 7)
		require.Error(t, err)
	}
	_, err := down.GetUser(ctx, "ann")
	wantOpen(t, err, "Unavailable counts as a failure")
}

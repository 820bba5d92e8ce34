package slogbreaker_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/breakergen/breakergen/slogbreaker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a buffer a logger may write from the store's goroutines
// while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// copy returns what was written so far.
func (b *syncBuffer) copy() *bytes.Buffer {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.NewBuffer(bytes.Clone(b.buf.Bytes()))
}

// TestEveryProcessLogsAFleetTransition: two processes share a circuit in a
// real Redis; the one whose failures open it logs the opening with its
// error, the other logs it too, with remote=true, as it learns it.
func TestEveryProcessLogsAFleetTransition(t *testing.T) {
	srv := redistest.Start(t)
	var logs [2]syncBuffer
	var circuits [2]*runtime.Circuit
	for i := range circuits {
		store, err := redisstore.New(srv.Client(t, nil), redisstore.WithPrefix("slog"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = store.Shutdown(context.Background()) })
		l := slogbreaker.MustNewListener(slog.New(slog.NewJSONHandler(&logs[i], &slog.HandlerOptions{Level: slog.LevelInfo})))
		b := runtime.MustNew(runtime.WithStorage(store), runtime.WithStorageTimeout(2*time.Second), runtime.WithListener(l))
		circuits[i] = b.Circuit("payments", runtime.Options{CoolDown: time.Hour})
	}
	_, err := circuits[1].Status(context.Background()) // the second process knows the circuit
	require.NoError(t, err)
	for range 3 {
		_ = circuits[0].Run(context.Background(), func(context.Context) error { return errors.New("connection refused") })
	}
	require.Eventually(t, func() bool { return len(records(t, logs[1].copy())) > 0 }, 5*time.Second, 5*time.Millisecond,
		"the second process logging what it learnt")

	own, learnt := records(t, logs[0].copy()), records(t, logs[1].copy())
	require.Len(t, own, 1)
	require.Len(t, learnt, 1)
	assert.Equal(t, "opened", own[0]["event"])
	assert.Equal(t, "connection refused", own[0]["error"])
	assert.NotContains(t, own[0], "remote")
	assert.Equal(t, "fleet", own[0]["scope"])
	assert.Equal(t, "WARN", learnt[0]["level"])
	assert.Equal(t, "opened", learnt[0]["event"])
	assert.Equal(t, true, learnt[0]["remote"])
	assert.Equal(t, "fleet", learnt[0]["scope"])
	assert.Equal(t, "open", learnt[0]["state"])
	assert.NotContains(t, learnt[0], "error", "another process's failure")
}

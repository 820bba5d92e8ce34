package engine

import (
	"context"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

// The hooks below exist for the tests of package redisstore, which reach the
// engine only through its export_test.go: nothing else calls them.

// Advance moves the engine's view of the server's time forward by d (backward
// for a negative d): every script adds it to the server's time.
func (s *Engine) Advance(d time.Duration) { s.offset.Add(d.Microseconds()) }

// Keys returns the state, bucket, lock, sequence, reporter, voter and reset
// keys of the named circuit.
func (s *Engine) Keys(name string) []string { return s.keys(name) }

// Reports returns the batches the engine sent in report scripts, and those the
// scripts handed back to the flush script.
func (s *Engine) Reports() (sent, handedBack int64) {
	return s.fleet.reports.Load(), s.fleet.handedBack.Load()
}

// RecordSeq is Record as the batch seq of the store's process, so a test can
// send it again as a client's retry would, or out of order.
func RecordSeq(ctx context.Context, h storage.Handle, o storage.Outcome, seq uint64) (storage.Result, error) {
	a, err := raw(h).record(ctx, o, !o.Success, seqNum{n: seq})
	return a.res, err
}

// ReserveToken is Reserve with a token of the caller's.
func ReserveToken(ctx context.Context, h storage.Handle, openedAt, reservedAt time.Time, token string) (time.Time, bool, error) {
	return raw(h).reserve(ctx, openedAt, reservedAt, token)
}

// FlushListedTwice runs a flush of the fleet circuit behind h with the circuit
// listed twice, as a round's dirty list can hold it.
func FlushListedTwice(ctx context.Context, h storage.Handle) error {
	c := h.(*fhandle).c
	return c.f.flush(ctx, []*fcircuit{c, c})
}

// raw returns the scripts' handle behind h.
func raw(h storage.Handle) *handle {
	switch h := h.(type) {
	case *shandle:
		return h.h
	case *fhandle:
		return h.h
	}
	return h.(*handle)
}

package redisstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGarbage puts foreign data under a circuit's keys: every operation that
// reads it fails with an error wrapping storage.ErrCorrupt, changes nothing, and
// through storage.FaultTolerant the calls go on. Reset clears the garbage.
func TestGarbage(t *testing.T) {
	_, client := server(t)
	ctx := context.Background()
	const (
		state = iota
		buckets
		lock
	)
	tests := []struct {
		name  string
		key   int
		plant func(c *redis.Client, key string) error
	}{
		{"state is a string", state, func(c *redis.Client, k string) error { return c.Set(ctx, k, "open", 0).Err() }},
		{"unknown state", state, func(c *redis.Client, k string) error { return c.HSet(ctx, k, "state", "ajar").Err() }},
		{"opened not a number", state, func(c *redis.Client, k string) error {
			return c.HSet(ctx, k, "state", "open", "opened", "yesterday").Err()
		}},
		{"reserved negative", state, func(c *redis.Client, k string) error {
			return c.HSet(ctx, k, "state", "open", "opened", "1", "reserved", "-5").Err()
		}},
		{"opened too large", state, func(c *redis.Client, k string) error {
			return c.HSet(ctx, k, "opened", "99999999999999999999999").Err()
		}},
		{"buckets are a list", buckets, func(c *redis.Client, k string) error { return c.RPush(ctx, k, "x").Err() }},
		{"bucket name malformed", buckets, func(c *redis.Client, k string) error { return c.HSet(ctx, k, "0", "1:2").Err() }},
		{"bucket name of the old ring", buckets, func(c *redis.Client, k string) error { return c.HSet(ctx, k, "6000000:3", "1:2").Err() }},
		{"bucket of width zero", buckets, func(c *redis.Client, k string) error { return c.HSet(ctx, k, "0:10:5", "1:2").Err() }},
		{"bucket not numbers", buckets, func(c *redis.Client, k string) error { return c.HSet(ctx, k, "6000000:10:3", "a:b").Err() }},
		{"bucket count too large", buckets, func(c *redis.Client, k string) error {
			return c.HSet(ctx, k, "6000000:10:1", "5:9999999999999999999").Err()
		}},
		{"lock is a hash", lock, func(c *redis.Client, k string) error { return c.HSet(ctx, k, "x", "y").Err() }},
		{"unknown lock", lock, func(c *redis.Client, k string) error { return c.Set(ctx, k, "ajar", 0).Err() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, client)
			const name = "g"
			key := s.Keys(name)[tt.key]
			require.NoError(t, tt.plant(client, key))
			dump := client.Dump(ctx, key).Val()
			var reportedMu sync.Mutex
			var reported error // what the handle reported to its Notify
			p := policy
			p.Notify = storage.NotifyFuncs{Failure: func(f storage.Failure) {
				reportedMu.Lock()
				defer reportedMu.Unlock()
				reported = f.Err
			}}
			h := bind(t, s, name, p)
			o := h.(storage.Operator)
			var zero time.Time
			ops := map[string]func() error{
				"Status": func() error { _, err := h.Status(ctx, zero); return err },
				"Record": func() error { _, err := h.Record(ctx, zero, storage.Outcome{}); return err },
			}
			if tt.key == state {
				ops["Open"] = func() error { _, err := o.Open(ctx, zero); return err }
				ops["Reopen"] = func() error { _, err := o.Reopen(ctx, zero, zero); return err }
				ops["Close"] = func() error { _, err := o.Close(ctx, zero); return err }
				// A reservation Redis cannot make is not granted, never an
				// error the runtime would fail open on: the failure is
				// reported to the binding's Notify.
				ops["Reserve"] = func() error {
					reportedMu.Lock()
					reported = nil
					reportedMu.Unlock()
					_, won, err := h.Reserve(ctx, zero, zero, zero)
					if err != nil || won {
						return fmt.Errorf("Reserve = %v, %w, want not granted", won, err)
					}
					reportedMu.Lock()
					defer reportedMu.Unlock()
					return reported
				}
				ops["Release"] = func() error { _, err := h.Release(ctx, zero, time.Now()); return err }
			}
			if tt.key == buckets {
				ops["History"] = func() error { _, err := o.History(ctx, zero); return err }
			}
			for op, fn := range ops {
				assert.ErrorIs(t, fn(), storage.ErrCorrupt, op)
			}
			assert.Equal(t, dump, client.Dump(ctx, key).Val(), "a failed script changed the key")

			// Through the fault-tolerant wrapper the calls go on, as stubs.
			var mu sync.Mutex
			var failures []storage.Failure
			ft, err := storage.FaultTolerant(s, storage.OnFailure(func(f storage.Failure) {
				mu.Lock()
				failures = append(failures, f)
				mu.Unlock()
			}))
			require.NoError(t, err)
			fh := bind(t, ft, name, policy)
			st, err := fh.Status(ctx, time.Now())
			assert.NoError(t, err)
			assert.True(t, st.Stub, "a stub status")
			_, err = fh.Record(ctx, time.Now(), storage.Outcome{Success: true})
			assert.NoError(t, err)
			mu.Lock()
			if assert.GreaterOrEqual(t, len(failures), 2) {
				assert.ErrorIs(t, failures[0].Err, storage.ErrCorrupt)
			}
			mu.Unlock()

			// Through the runtime's default wiring the protected call runs.
			ran := false
			c := runtime.MustNew(runtime.WithStorage(s)).Circuit(name)
			assert.NoError(t, c.Run(ctx, func(context.Context) error { ran = true; return nil }))
			assert.True(t, ran, "the call ran")

			// List still names the circuit; Reset clears the garbage.
			names, err := s.List(ctx)
			assert.NoError(t, err)
			assert.Equal(t, []string{name}, names)
			require.NoError(t, h.Reset(ctx, zero))
			st, err = h.Status(ctx, zero)
			require.NoError(t, err)
			assert.True(t, st.State == storage.StateClosed && st.Samples == 0, "Status after Reset = %+v", st)
		})
	}
}

// TestReserveRace has 100 goroutines, each with a client of its own, race to
// reserve the probe of one open circuit: exactly one wins, in every round.
func TestReserveRace(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	const racers = 100
	first := newStore(t, srv.Client(t, nil))
	stores := make([]*redisstore.Store, racers)
	handles := make([]storage.Handle, racers)
	for i := range stores {
		stores[i] = newStoreWithPrefix(t, srv.Client(t, &redis.Options{PoolSize: 1}), first)
		handles[i] = bind(t, stores[i], "race", policy)
		// Connect before the race, so the race is not one of dials.
		_, err := handles[i].Status(ctx, time.Time{})
		require.NoError(t, err)
	}
	_, err := handles[0].(storage.Operator).Open(ctx, time.Time{})
	require.NoError(t, err)
	for round := range 5 {
		st, err := handles[0].Status(ctx, time.Time{})
		require.NoError(t, err)
		start := make(chan struct{})
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			wins []time.Time
		)
		for _, h := range handles {
			wg.Go(func() {
				<-start
				at, ok, err := h.Reserve(ctx, time.Time{}, st.OpenedAt, st.ReservedAt)
				if !assert.NoError(t, err) || !ok {
					return
				}
				mu.Lock()
				wins = append(wins, at)
				mu.Unlock()
			})
		}
		close(start)
		wg.Wait()
		require.Len(t, wins, 1, "round %d: winners", round)
		// The next round races against the winner's reservation, once expired.
		for _, s := range stores {
			s.Advance(policy.CoolDown)
		}
	}
}

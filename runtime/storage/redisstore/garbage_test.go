package redisstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
)

// TestGarbage puts foreign data under a circuit's keys: every operation that
// reads it fails with an error wrapping storage.ErrCorrupt, changes nothing, and
// through storage.FaultTolerant the calls go on. Reset clears the garbage.
func TestGarbage(t *testing.T) {
	_, client := server(t)
	ctx := context.Background()
	const (
		state = iota
		window
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
		{"window is a list", window, func(c *redis.Client, k string) error { return c.RPush(ctx, k, "x").Err() }},
		{"bucket malformed", window, func(c *redis.Client, k string) error { return c.HSet(ctx, k, "0", "1:2").Err() }},
		{"bucket not numbers", window, func(c *redis.Client, k string) error { return c.HSet(ctx, k, "3", "a:b:c").Err() }},
		{"bucket count too large", window, func(c *redis.Client, k string) error {
			return c.HSet(ctx, k, "1", "5:1:9999999999999999999").Err()
		}},
		{"lock is a hash", lock, func(c *redis.Client, k string) error { return c.HSet(ctx, k, "x", "y").Err() }},
		{"unknown lock", lock, func(c *redis.Client, k string) error { return c.Set(ctx, k, "ajar", 0).Err() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, client)
			const name = "g"
			key := s.Keys(name)[tt.key]
			if err := tt.plant(client, key); err != nil {
				t.Fatal(err)
			}
			dump := client.Dump(ctx, key).Val()
			var zero time.Time
			ops := map[string]func() error{
				"Status": func() error { _, err := s.Status(ctx, name, policy, zero); return err },
				"Record": func() error {
					_, err := s.Record(ctx, name, policy, zero, storage.Outcome{})
					return err
				},
			}
			if tt.key == state {
				ops["Open"] = func() error { _, err := s.Open(ctx, name, policy, zero); return err }
				ops["Reopen"] = func() error { _, err := s.Reopen(ctx, name, policy, zero, zero); return err }
				ops["Close"] = func() error { _, err := s.Close(ctx, name, policy, zero); return err }
				ops["Reserve"] = func() error { _, _, err := s.Reserve(ctx, name, policy, zero, zero); return err }
				ops["Release"] = func() error { _, err := s.Release(ctx, name, policy, time.Now()); return err }
			}
			if tt.key == window {
				ops["History"] = func() error { _, err := s.History(ctx, name, policy, zero); return err }
			}
			for op, fn := range ops {
				err := fn()
				if !errors.Is(err, storage.ErrCorrupt) {
					t.Errorf("%s: error %v, want one wrapping storage.ErrCorrupt", op, err)
				}
			}
			if got := client.Dump(ctx, key).Val(); got != dump {
				t.Errorf("a failed script changed the key")
			}

			// Through the fault-tolerant proxy the calls go on, as stubs.
			var mu sync.Mutex
			var failures []storage.Failure
			ft := storage.FaultTolerant(s, storage.OnFailure(func(f storage.Failure) {
				mu.Lock()
				failures = append(failures, f)
				mu.Unlock()
			}))
			st, err := ft.Status(ctx, name, policy, time.Now())
			if err != nil || !st.Stub {
				t.Errorf("FaultTolerant Status = %+v, %v; want a stub and no error", st, err)
			}
			if _, err := ft.Record(ctx, name, policy, time.Now(), storage.Outcome{Success: true}); err != nil {
				t.Errorf("FaultTolerant Record: %v", err)
			}
			mu.Lock()
			if len(failures) < 2 || !errors.Is(failures[0].Err, storage.ErrCorrupt) {
				t.Errorf("failures reported: %+v, want the corrupt data", failures)
			}
			mu.Unlock()

			// Through the runtime's default wiring the protected call runs.
			ran := false
			c := runtime.New(runtime.WithStorage(s)).Circuit(name)
			if err := c.Run(ctx, func(context.Context) error { ran = true; return nil }); err != nil || !ran {
				t.Errorf("runtime Run = %v, ran %v; want the call to run", err, ran)
			}

			// List still names the circuit; Reset clears the garbage.
			if names, err := s.List(ctx); err != nil || len(names) != 1 || names[0] != name {
				t.Errorf("List = %q, %v", names, err)
			}
			if err := s.Reset(ctx, name); err != nil {
				t.Fatal(err)
			}
			st, err = s.Status(ctx, name, policy, zero)
			if err != nil || st.State != storage.StateClosed || st.Samples != 0 {
				t.Fatalf("Status after Reset = %+v, %v", st, err)
			}
		})
	}
}

// TestReserveRace has 100 goroutines, each with a client of its own, race to
// reserve the probe of one open circuit: exactly one wins, in every round.
func TestReserveRace(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	prefix := uniquePrefix()
	const racers = 100
	stores := make([]*redisstore.Store, racers)
	for i := range stores {
		s, err := redisstore.New(srv.Client(t, &redis.Options{PoolSize: 1}), redisstore.WithPrefix(prefix))
		if err != nil {
			t.Fatal(err)
		}
		// Connect before the race, so the race is not one of dials.
		if _, err := s.Status(ctx, "warm", policy, time.Time{}); err != nil {
			t.Fatal(err)
		}
		stores[i] = s
	}
	for round := 0; round < 5; round++ {
		name := "race"
		if _, err := stores[0].Open(ctx, name, policy, time.Time{}); err != nil {
			t.Fatal(err)
		}
		st, err := stores[0].Status(ctx, name, policy, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		previous := st.ReservedAt
		start := make(chan struct{})
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			wins []time.Time
		)
		for _, s := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				at, ok, err := s.Reserve(ctx, name, policy, time.Time{}, previous)
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					mu.Lock()
					wins = append(wins, at)
					mu.Unlock()
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(wins) != 1 {
			t.Fatalf("round %d: %d winners %v, want exactly 1", round, len(wins), wins)
		}
		// The next round races against the winner's reservation, once expired.
		stores[0].Advance(policy.CoolDown)
		for _, s := range stores[1:] {
			s.Advance(policy.CoolDown)
		}
	}
}

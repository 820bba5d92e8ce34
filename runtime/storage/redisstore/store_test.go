package redisstore_test

import (
	"context"
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
)

func TestNewInvalid(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer client.Close()
	tests := []struct {
		name   string
		client redis.UniversalClient
		opts   []redisstore.Option
	}{
		{"nil client", nil, nil},
		{"empty prefix", client, []redisstore.Option{redisstore.WithPrefix("")}},
		{"zero state TTL", client, []redisstore.Option{redisstore.WithStateTTL(0)}},
		{"negative state TTL", client, []redisstore.Option{redisstore.WithStateTTL(-time.Second)}},
		{"negative lock TTL", client, []redisstore.Option{redisstore.WithLockTTL(-time.Second)}},
		{"zero buckets", client, []redisstore.Option{redisstore.WithBuckets(0)}},
		{"too many buckets", client, []redisstore.Option{redisstore.WithBuckets(redisstore.MaxBuckets + 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := redisstore.New(tt.client, tt.opts...)
			if !errors.Is(err, redisstore.ErrInvalid) || s != nil {
				t.Fatalf("New = %v, %v; want nil, an error wrapping ErrInvalid", s, err)
			}
		})
	}
	s, err := redisstore.New(client, redisstore.WithPrefix("p"), redisstore.WithStateTTL(time.Hour),
		redisstore.WithLockTTL(time.Minute), redisstore.WithBuckets(redisstore.MaxBuckets), nil)
	if err != nil || s == nil {
		t.Fatalf("New with valid options = %v, %v", s, err)
	}
	if s.FaultTolerant() {
		t.Error("FaultTolerant = true, want false")
	}
}

// TestServerTime checks that the store ignores the caller's clock: decisions and
// CurrentTime come from Redis's TIME.
func TestServerTime(t *testing.T) {
	_, client := server(t)
	s := newStore(t, client)
	ctx := context.Background()
	past := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	future := past.AddDate(100, 0, 0)

	before := time.Now()
	st, err := s.Status(ctx, "c", policy, past)
	if err != nil {
		t.Fatal(err)
	}
	if d := st.CurrentTime.Sub(before); d < -5*time.Second || d > 5*time.Second {
		t.Fatalf("CurrentTime %v is not the server's time (local %v)", st.CurrentTime, before)
	}
	if ok, err := s.Open(ctx, "c", policy, future); !ok || err != nil {
		t.Fatalf("Open = %v, %v", ok, err)
	}
	st, err = s.Status(ctx, "c", policy, past)
	if err != nil {
		t.Fatal(err)
	}
	if st.OpenedAt.Year() != before.Year() || st.OpenedAt.After(st.CurrentTime) {
		t.Fatalf("OpenedAt %v, CurrentTime %v: the caller's clock was used", st.OpenedAt, st.CurrentTime)
	}
}

// TestReservation checks DESIGN's reservation rules on Redis: the first
// compare-and-set against a missing key works, close clears the reservation,
// reopen keeps it, and an old value no longer wins once it was replaced.
func TestReservation(t *testing.T) {
	_, client := server(t)
	s := newStore(t, client)
	ctx := context.Background()
	var zero time.Time

	if _, ok, err := s.Reserve(ctx, "r", policy, zero, zero); ok || err != nil {
		t.Fatalf("Reserve on a closed circuit = %v, %v; want false", ok, err)
	}
	if ok, _ := s.Open(ctx, "r", policy, zero); !ok {
		t.Fatal("Open = false")
	}
	at, ok, err := s.Reserve(ctx, "r", policy, zero, zero)
	if !ok || err != nil || at.IsZero() {
		t.Fatalf("first Reserve against no reservation = %v, %v, %v; want a reservation", at, ok, err)
	}
	if _, ok, _ := s.Reserve(ctx, "r", policy, zero, zero); ok {
		t.Fatal("second Reserve against no reservation won")
	}
	st, _ := s.Status(ctx, "r", policy, zero)
	if !st.ReservedAt.Equal(at) {
		t.Fatalf("ReservedAt = %v, want %v", st.ReservedAt, at)
	}
	if ok, _ := s.Reopen(ctx, "r", policy, zero, st.OpenedAt); !ok {
		t.Fatal("Reopen against the current OpenedAt = false")
	}
	if ok, _ := s.Reopen(ctx, "r", policy, zero, st.OpenedAt); ok {
		t.Fatal("Reopen against a replaced OpenedAt = true")
	}
	st2, _ := s.Status(ctx, "r", policy, zero)
	if !st2.ReservedAt.Equal(at) {
		t.Fatalf("Reopen changed ReservedAt to %v, want it kept at %v", st2.ReservedAt, at)
	}
	// An expired reservation is taken over against its value, exactly once.
	s.Advance(policy.CoolDown)
	at2, ok, _ := s.Reserve(ctx, "r", policy, zero, at)
	if !ok || !at2.After(at) {
		t.Fatalf("Reserve against the expired reservation = %v, %v", at2, ok)
	}
	if _, ok, _ := s.Reserve(ctx, "r", policy, zero, at); ok {
		t.Fatal("late Reserve against the replaced reservation won")
	}
	if ok, _ := s.Release(ctx, "r", policy, at); ok {
		t.Fatal("Release of a replaced reservation = true")
	}
	if ok, _ := s.Release(ctx, "r", policy, at2); !ok {
		t.Fatal("Release of the current reservation = false")
	}
	at3, ok, _ := s.Reserve(ctx, "r", policy, zero, zero)
	if !ok {
		t.Fatal("Reserve after Release = false")
	}
	if ok, _ := s.Close(ctx, "r", policy, zero); !ok {
		t.Fatal("Close = false")
	}
	st3, _ := s.Status(ctx, "r", policy, zero)
	if st3.State != storage.StateClosed || !st3.ReservedAt.IsZero() {
		t.Fatalf("after Close: %+v, want closed without reservation", st3)
	}
	if _, ok, _ := s.Reserve(ctx, "r", policy, zero, at3); ok {
		t.Fatal("Reserve on a closed circuit won")
	}
}

// TestWindowFlat checks that the window keeps at most one field per bucket and
// forgets outcomes older than the window, however many are recorded.
func TestWindowFlat(t *testing.T) {
	_, client := server(t)
	s := newStore(t, client, redisstore.WithBuckets(4))
	ctx := context.Background()
	p := storage.Policy{CoolDown: time.Minute, EvaluationWindow: 4 * time.Second, RateThreshold: 1, SampleThreshold: 1 << 30}
	for i := 0; i < 200; i++ {
		if _, err := s.Record(ctx, "w", p, time.Time{}, storage.Outcome{Success: i%2 == 0}); err != nil {
			t.Fatal(err)
		}
		s.Advance(100 * time.Millisecond)
	}
	keys := s.Keys("w")
	n, err := client.HLen(ctx, keys[1]).Result()
	if err != nil {
		t.Fatal(err)
	}
	if n > 4 {
		t.Fatalf("window hash has %d fields, want at most 4 buckets", n)
	}
	st, _ := s.Status(ctx, "w", p, time.Time{})
	// 4 buckets of 1s: the last 3 to 4 seconds, about 30 to 40 of the outcomes
	// (fewer when the real clock moved on as well), are counted.
	if st.Samples < 20 || st.Samples > 41 {
		t.Fatalf("%d samples in the window, want the last 20 to 41", st.Samples)
	}
	h, err := s.History(ctx, "w", p, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for i, b := range h {
		sum += b.Successes + b.Failures
		if i > 0 && !b.Start.After(h[i-1].Start) {
			t.Fatalf("history not oldest first: %v", h)
		}
	}
	if sum != st.Samples || len(h) > 4 {
		t.Fatalf("history %v sums to %d, status counts %d", h, sum, st.Samples)
	}
	s.Advance(5 * time.Second)
	st, _ = s.Status(ctx, "w", p, time.Time{})
	if st.Samples != 0 {
		t.Fatalf("%d samples a whole window later, want 0", st.Samples)
	}
	if ttl := client.PTTL(ctx, keys[1]).Val(); ttl <= 0 || ttl > 5*time.Second {
		t.Fatalf("window key TTL %v, want the window plus one bucket (5s)", ttl)
	}
}

// TestTTLs checks the expiry of the state and lock keys.
func TestTTLs(t *testing.T) {
	_, client := server(t)
	ctx := context.Background()
	s := newStore(t, client, redisstore.WithStateTTL(time.Hour), redisstore.WithLockTTL(10*time.Minute))
	if ok, _ := s.Open(ctx, "t", policy, time.Time{}); !ok {
		t.Fatal("Open = false")
	}
	if err := s.Lock(ctx, "t", storage.LockOpen); err != nil {
		t.Fatal(err)
	}
	keys := s.Keys("t")
	if ttl := client.PTTL(ctx, keys[0]).Val(); ttl < time.Hour || ttl > time.Hour+policy.CoolDown {
		t.Errorf("state TTL %v, want StateTTL plus CoolDown", ttl)
	}
	if ttl := client.PTTL(ctx, keys[2]).Val(); ttl <= 9*time.Minute || ttl > 10*time.Minute {
		t.Errorf("lock TTL %v, want 10m", ttl)
	}
	// Without a lock TTL a lock never expires.
	s2 := newStore(t, client)
	if err := s2.Lock(ctx, "t", storage.LockClosed); err != nil {
		t.Fatal(err)
	}
	if ttl := client.PTTL(ctx, s2.Keys("t")[2]).Val(); ttl != -1 {
		t.Errorf("lock TTL %v, want none", ttl)
	}
	st, _ := s2.Status(ctx, "t", policy, time.Time{})
	if st.Lock != storage.LockClosed {
		t.Errorf("Lock = %v, want closed", st.Lock)
	}
}

// TestNames checks that names with braces, percent signs and colons keep the
// hash tag intact, stay apart, and come back from List.
func TestNames(t *testing.T) {
	_, client := server(t)
	ctx := context.Background()
	s := newStore(t, client)
	names := []string{"", "a", "a:b", "{a}", "}", "{", "%7B", "%", "a}b{c", "*", "[x]", "é"}
	for i, n := range names {
		for j := 0; j <= i; j++ {
			if _, err := s.Record(ctx, n, policy, time.Time{}, storage.Outcome{Success: true}); err != nil {
				t.Fatal(err)
			}
		}
		for _, k := range s.Keys(n) {
			open := 0
			for ; open < len(k) && k[open] != '{'; open++ {
			}
			if open != 0 {
				t.Fatalf("key %q does not start its hash tag", k)
			}
		}
	}
	for i, n := range names {
		st, err := s.Status(ctx, n, policy, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if st.Samples != i+1 {
			t.Errorf("circuit %q has %d samples, want %d", n, st.Samples, i+1)
		}
	}
	got, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]string(nil), names...)
	sort.Strings(want)
	if len(got) != len(want) {
		t.Fatalf("List = %q, want %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("List = %q, want %q", got, want)
		}
	}
	// Another prefix, and foreign keys, are left alone by List and Clear.
	other := newStore(t, client)
	if err := other.Lock(ctx, "x", storage.LockOpen); err != nil {
		t.Fatal(err)
	}
	client.Set(ctx, "foreign", "1", 0)
	if err := s.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.List(ctx); len(got) != 0 {
		t.Fatalf("List after Clear = %q", got)
	}
	if got, _ := other.List(ctx); len(got) != 1 || got[0] != "x" {
		t.Fatalf("other prefix's List after Clear = %q", got)
	}
	if client.Exists(ctx, "foreign").Val() != 1 {
		t.Fatal("Clear deleted a foreign key")
	}
}

package redisstore_test

import (
	"context"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/faultproxy"
	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewInvalid(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer client.Close()
	var typedNil *redis.Client
	tests := []struct {
		name   string
		client redis.UniversalClient
		opts   []redisstore.Option
	}{
		{"nil client", nil, nil},
		{"typed nil client", typedNil, nil},
		{"empty prefix", client, []redisstore.Option{redisstore.WithPrefix("")}},
		{"zero state TTL", client, []redisstore.Option{redisstore.WithStateTTL(0)}},
		{"negative state TTL", client, []redisstore.Option{redisstore.WithStateTTL(-time.Second)}},
		{"negative lock TTL", client, []redisstore.Option{redisstore.WithLockTTL(-time.Second)}},
		{"zero buckets", client, []redisstore.Option{redisstore.WithBuckets(0)}},
		{"too many buckets", client, []redisstore.Option{redisstore.WithBuckets(redisstore.MaxBuckets + 1)}},
		{"nil option", client, []redisstore.Option{nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := redisstore.New(tt.client, tt.opts...)
			assert.Nil(t, s)
			assert.ErrorIs(t, err, redisstore.ErrInvalid)
			assert.ErrorIs(t, err, storage.ErrInvalid, "one policy for invalid configuration")
		})
	}
	s, err := redisstore.New(client, redisstore.WithPrefix("p"), redisstore.WithStateTTL(time.Hour),
		redisstore.WithLockTTL(time.Minute), redisstore.WithBuckets(redisstore.MaxBuckets))
	require.NoError(t, err)
	assert.False(t, s.FaultTolerant())
	_, err = s.Bind("c", storage.Policy{EvaluationWindow: 2562047 * time.Hour})
	assert.ErrorIs(t, err, storage.ErrInvalid, "a window out of bounds")
}

// TestServerTime checks that the store ignores the caller's clock: decisions and
// CurrentTime come from Redis's TIME.
func TestServerTime(t *testing.T) {
	_, client := server(t)
	h := bind(t, newStore(t, client), "c", policy)
	ctx := context.Background()
	past := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	future := past.AddDate(100, 0, 0)
	before := time.Now()
	st, err := h.Status(ctx, past)
	require.NoError(t, err)
	assert.WithinDuration(t, before, st.CurrentTime, 5*time.Second, "CurrentTime is the server's time")
	ok, err := h.(storage.Operator).Open(ctx, future)
	require.True(t, ok && err == nil)
	st, err = h.Status(ctx, past)
	require.NoError(t, err)
	assert.Equal(t, before.Year(), st.OpenedAt.Year(), "OpenedAt is the server's time")
	assert.False(t, st.OpenedAt.After(st.CurrentTime))
}

// TestReplayCountsOnce is the defect of a client retry that re-ran a script:
// a Record sent again with its sequence number counts nothing, and returns
// the transition its first run made, so the caller that made it still gets
// its event; a batch overtaken by a later one still counts, once.
func TestReplayCountsOnce(t *testing.T) {
	_, client := server(t)
	h := bind(t, newStore(t, client, redisstore.WithStrict()), "c", policy)
	ctx := context.Background()
	send := func(seq int, o storage.Outcome) storage.Result {
		t.Helper()
		r, err := redisstore.RecordSeq(ctx, h, o, uint64(100+seq))
		require.NoError(t, err)
		return r
	}
	for _, seq := range []int{1, 1, 1, 3, 3, 2, 2, 1, 3} { // retried, overtaken, retried again
		send(seq, storage.Outcome{Success: true})
	}
	st, err := h.Status(ctx, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, [2]int{0, 3}, [2]int{st.Failures, st.Samples}, "[failures samples] after three Records sent nine times in all")
	send(4, storage.Outcome{})
	send(5, storage.Outcome{})
	r := send(6, storage.Outcome{})
	require.Equal(t, storage.TransitionOpened, r.Transition)
	again := send(6, storage.Outcome{})
	assert.Equal(t, storage.TransitionOpened, again.Transition, "a replay of the opening record")
	assert.Equal(t, 6, again.Status.Samples, "the replay counted nothing")
	other := send(7, storage.Outcome{})
	assert.Equal(t, storage.TransitionNone, other.Transition, "another failure on the open circuit")
	assert.Equal(t, storage.TransitionNone, send(5, storage.Outcome{}).Transition, "a replay of a failure that made no transition")
	st, err = h.Status(ctx, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, [2]int{4, 7}, [2]int{st.Failures, st.Samples}, "every Record counted once")
	old := send(7-54, storage.Outcome{}) // older than the window of sequences: taken as counted
	assert.Equal(t, 7, old.Status.Samples, "a Record older than the window counts nothing")
}

// TestSequenceCompacts checks the value Redis keeps of a process's sequence:
// the highest batch counted alone once every batch of the window before it was
// counted (sixteen digits of mask fewer in every (process, circuit) pair), and
// "last:mask" while one is missing; replays count nothing in either form.
func TestSequenceCompacts(t *testing.T) {
	_, client := server(t)
	s := newStore(t, client, redisstore.WithStrict())
	p := policy
	p.SampleThreshold = 1000 // never opens
	h := bind(t, s, "c", p)
	ctx := context.Background()
	send := func(seq int) {
		t.Helper()
		_, err := redisstore.RecordSeq(ctx, h, storage.Outcome{Success: true}, uint64(100+seq))
		require.NoError(t, err)
	}
	value := func() string {
		t.Helper()
		v, err := client.HVals(ctx, s.Keys("c")[3]).Result()
		require.NoError(t, err)
		require.Len(t, v, 1)
		return v[0]
	}
	samples := func() int {
		t.Helper()
		st, err := h.Status(ctx, time.Time{})
		require.NoError(t, err)
		return st.Samples
	}
	for seq := 1; seq <= 60; seq++ {
		send(seq)
	}
	assert.Equal(t, "160", value(), "every batch of the window counted")
	for _, seq := range []int{60, 50, 9} {
		send(seq)
	}
	assert.Equal(t, 60, samples(), "replays against the compact value")
	send(62)
	assert.Equal(t, "162:4503599627370494", value(), "161 missing")
	send(60)
	assert.Equal(t, 61, samples(), "a replay while 161 is missing")
	send(61)
	assert.Equal(t, "162", value(), "161 counted")
	assert.Equal(t, 62, samples())
}

// TestReserveReplayWins is the defect of a retried Reserve that lost to its own
// first execution, leaving a healthy dependency skipped for a cool-down.
func TestReserveReplayWins(t *testing.T) {
	_, client := server(t)
	s := newStore(t, client, redisstore.WithStrict())
	h := bind(t, s, "c", policy)
	ctx := context.Background()
	ok, err := h.(storage.Operator).Open(ctx, time.Time{})
	require.True(t, ok && err == nil)
	st, err := h.Status(ctx, time.Time{})
	require.NoError(t, err)
	at, ok, err := redisstore.ReserveToken(ctx, h, st.OpenedAt, st.ReservedAt, "mine")
	require.True(t, ok && err == nil, "the first run wins")
	again, ok, err := redisstore.ReserveToken(ctx, h, st.OpenedAt, st.ReservedAt, "mine")
	require.NoError(t, err)
	assert.True(t, ok, "the replay of the winning Reserve")
	assert.True(t, again.Equal(at), "the replay returns the reservation it made: %v, %v", again, at)
	_, ok, err = redisstore.ReserveToken(ctx, h, st.OpenedAt, st.ReservedAt, "theirs")
	require.NoError(t, err)
	assert.False(t, ok, "another caller against the same status")
}

// TestMixedGeometry is the defect of processes with different windows or bucket
// counts overwriting each other's buckets in a rolling deploy: every geometry
// keeps its outcomes, and each counts the others' that fall within its window.
func TestMixedGeometry(t *testing.T) {
	for name, mode := range map[string][]redisstore.Option{"strict": {redisstore.WithStrict()}, "fleet": nil} {
		t.Run(name, func(t *testing.T) { mixedGeometry(t, mode) })
	}
}

func mixedGeometry(t *testing.T, mode []redisstore.Option) {
	_, client := server(t)
	ctx := context.Background()
	a := newStore(t, client, mode...)
	b := newStoreWithPrefix(t, client, a, append([]redisstore.Option{redisstore.WithBuckets(7)}, mode...)...)
	counting := policy
	counting.RateThreshold, counting.SampleThreshold = 1, 1<<30
	longer := counting
	longer.EvaluationWindow = 5 * time.Minute
	handles := []storage.Handle{
		bind(t, a, "c", counting), bind(t, a, "c", longer),
		bind(t, b, "c", counting), bind(t, b, "c", longer),
	}
	for i := range 40 {
		_, err := handles[i%4].Record(ctx, time.Time{}, storage.Outcome{Success: i%2 == 0})
		require.NoError(t, err)
	}
	// A fleet store shares its outcomes when it flushes; Shutdown flushes them
	// all, and the handles read Redis from then on.
	require.NoError(t, a.Shutdown(ctx))
	require.NoError(t, b.Shutdown(ctx))
	for i, h := range handles {
		st, err := h.Status(ctx, time.Time{})
		require.NoError(t, err)
		assert.Equal(t, [2]int{20, 40}, [2]int{st.Failures, st.Samples}, "geometry %d: [failures samples]", i)
	}
	a.Advance(2 * time.Minute)
	b.Advance(2 * time.Minute)
	for i, h := range handles {
		st, err := h.Status(ctx, time.Time{})
		require.NoError(t, err)
		want := 0
		if i%2 == 1 {
			want = 40 // the five-minute windows still hold them
		}
		assert.Equal(t, want, st.Samples, "geometry %d two minutes later", i)
	}
}

// TestPrefixesAreEscaped is the defect of prefix "prod" with circuit
// "canary:payments" sharing keys with prefix "prod:canary" and circuit
// "payments": Clear on one wiped the other.
func TestPrefixesAreEscaped(t *testing.T) {
	_, client := server(t)
	ctx := context.Background()
	prod, err := redisstore.New(client, redisstore.WithPrefix("prod"))
	require.NoError(t, err)
	canary, err := redisstore.New(client, redisstore.WithPrefix("prod:canary"))
	require.NoError(t, err)
	assert.NotEqual(t, prod.Keys("canary:payments"), canary.Keys("payments"))
	require.NoError(t, bind(t, canary, "payments", policy).Lock(ctx, time.Time{}, storage.LockOpen))
	require.NoError(t, bind(t, prod, "canary:payments", policy).Lock(ctx, time.Time{}, storage.LockOpen))
	require.NoError(t, prod.Clear(ctx))
	names, err := canary.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"payments"}, names, "the other prefix's circuits after Clear")
	names, err = prod.List(ctx)
	require.NoError(t, err)
	assert.Empty(t, names)
}

// TestWindowBounded checks that the window keeps at most one field per bucket of
// the window and forgets outcomes older than it, however many are recorded.
func TestWindowBounded(t *testing.T) {
	_, client := server(t)
	s := newStore(t, client, redisstore.WithBuckets(4), redisstore.WithStrict())
	ctx := context.Background()
	p := storage.Policy{CoolDown: time.Minute, EvaluationWindow: 4 * time.Second, RateThreshold: 1, SampleThreshold: 1 << 30}
	h := bind(t, s, "w", p)
	for i := range 200 {
		_, err := h.Record(ctx, time.Time{}, storage.Outcome{Success: i%2 == 0})
		require.NoError(t, err)
		s.Advance(100 * time.Millisecond)
	}
	keys := s.Keys("w")
	n, err := client.HLen(ctx, keys[1]).Result()
	require.NoError(t, err)
	assert.LessOrEqual(t, n, int64(5), "bucket fields: the window's 4 and at most one stale")
	st, err := h.Status(ctx, time.Time{})
	require.NoError(t, err)
	// 4 buckets of 1s: the last 3 to 4 seconds, about 30 to 40 of the outcomes
	// (fewer when the real clock moved on as well), are counted.
	assert.True(t, st.Samples >= 20 && st.Samples <= 41, "%d samples in the window, want the last 20 to 41", st.Samples)
	hist, err := h.(storage.Operator).History(ctx, time.Time{})
	require.NoError(t, err)
	sum := 0
	for i, b := range hist {
		sum += b.Successes + b.Failures
		if i > 0 {
			assert.True(t, b.Start.After(hist[i-1].Start), "history not oldest first: %v", hist)
		}
	}
	assert.Equal(t, st.Samples, sum, "history %v", hist)
	s.Advance(5 * time.Second)
	st, _ = h.Status(ctx, time.Time{})
	assert.Zero(t, st.Samples, "samples a whole window later")
	ttl := client.PTTL(ctx, keys[1]).Val()
	assert.True(t, ttl > 0 && ttl <= 10*time.Second, "bucket key TTL %v, want the window plus one bucket (5s) or up to twice it", ttl)
	assert.LessOrEqual(t, client.ZCard(ctx, keys[3]).Val(), int64(200), "tokens remembered")
}

// TestTTLs checks the expiry of the state and lock keys.
func TestTTLs(t *testing.T) {
	_, client := server(t)
	ctx := context.Background()
	s := newStore(t, client, redisstore.WithStateTTL(time.Hour), redisstore.WithLockTTL(10*time.Minute))
	h := bind(t, s, "t", policy)
	ok, _ := h.(storage.Operator).Open(ctx, time.Time{})
	require.True(t, ok)
	require.NoError(t, h.Lock(ctx, time.Time{}, storage.LockOpen))
	keys := s.Keys("t")
	ttl := client.PTTL(ctx, keys[0]).Val()
	assert.True(t, ttl >= time.Hour && ttl <= time.Hour+policy.CoolDown, "state TTL %v, want StateTTL plus CoolDown", ttl)
	ttl = client.PTTL(ctx, keys[2]).Val()
	assert.True(t, ttl > 9*time.Minute && ttl <= 10*time.Minute, "lock TTL %v, want 10m", ttl)
	// Without a lock TTL a lock never expires.
	s2 := newStore(t, client)
	h2 := bind(t, s2, "t", policy)
	require.NoError(t, h2.Lock(ctx, time.Time{}, storage.LockClosed))
	assert.Equal(t, time.Duration(-1), client.PTTL(ctx, s2.Keys("t")[2]).Val(), "lock TTL without WithLockTTL")
	st, _ := h2.Status(ctx, time.Time{})
	assert.Equal(t, storage.LockClosed, st.Lock)
}

// TestNames checks that names with braces, percent signs and colons keep the
// hash tag intact, stay apart, and come back from List.
func TestNames(t *testing.T) {
	_, client := server(t)
	ctx := context.Background()
	s := newStore(t, client)
	names := []string{"", "a", "a:b", "{a}", "}", "{", "%7B", "%", "a}b{c", "*", "[x]", "é"}
	for i, n := range names {
		h := bind(t, s, n, policy)
		for range i + 1 {
			_, err := h.Record(ctx, time.Time{}, storage.Outcome{Success: true})
			require.NoError(t, err)
		}
		for _, k := range s.Keys(n) {
			assert.Equal(t, byte('{'), k[0], "key %q does not start its hash tag", k)
		}
	}
	for i, n := range names {
		st, err := bind(t, s, n, policy).Status(ctx, time.Time{})
		require.NoError(t, err)
		assert.Equal(t, i+1, st.Samples, "circuit %q", n)
	}
	got, err := s.List(ctx)
	require.NoError(t, err)
	want := append([]string(nil), names...)
	sort.Strings(want)
	assert.Equal(t, want, got)
	// Another prefix, and foreign keys, are left alone by List and Clear.
	other := newStore(t, client)
	require.NoError(t, bind(t, other, "x", policy).Lock(ctx, time.Time{}, storage.LockOpen))
	client.Set(ctx, "foreign", "1", 0)
	require.NoError(t, s.Clear(ctx))
	got, _ = s.List(ctx)
	assert.Empty(t, got, "List after Clear")
	got, _ = other.List(ctx)
	assert.Equal(t, []string{"x"}, got, "the other prefix's List after Clear")
	assert.EqualValues(t, 1, client.Exists(ctx, "foreign").Val(), "Clear deleted a foreign key")
}

// TestInspect reads circuits as an operator does, knowing nothing of their
// policies.
func TestInspect(t *testing.T) {
	_, client := server(t)
	ctx := context.Background()
	s := newStore(t, client, redisstore.WithStrict())
	in, err := s.Inspect(ctx, "never")
	require.NoError(t, err)
	assert.Equal(t, storage.StateClosed, in.State)
	assert.Empty(t, in.Windows)
	h := bind(t, s, "c", policy)
	for i := range 4 {
		_, err := h.Record(ctx, time.Time{}, storage.Outcome{Success: i == 0})
		require.NoError(t, err)
	}
	require.NoError(t, h.Lock(ctx, time.Time{}, storage.LockClosed))
	in, err = s.Inspect(ctx, "c")
	require.NoError(t, err)
	assert.Equal(t, storage.StateOpen, in.State)
	assert.Equal(t, storage.LockClosed, in.Lock)
	assert.Equal(t, policy.CoolDown, in.CoolDown)
	f, n := in.Counts()
	assert.Equal(t, [2]int{3, 4}, [2]int{f, n}, "[failures samples]")
	require.Len(t, in.Windows, 1)
	assert.Equal(t, WindowOf(policy), in.Windows[0].Window)
	assert.True(t, in.NextProbe().Equal(in.OpenedAt.Add(policy.CoolDown)))
	assert.False(t, in.HalfOpen())
	s.Advance(policy.CoolDown)
	in, err = s.Inspect(ctx, "c")
	require.NoError(t, err)
	assert.True(t, in.HalfOpen())
}

// TestInspectGarbage plants values that the scripts read but that no store
// writes, and whose durations would overflow: Inspect fails with an error
// wrapping storage.ErrCorrupt instead of reporting a negative cool-down or
// window.
func TestInspectGarbage(t *testing.T) {
	_, client := server(t)
	ctx := context.Background()
	tests := []struct {
		name         string
		key          int // 0: the state hash, 1: the bucket hash
		field, value string
	}{
		{"cool-down of 3000 years", 0, "cool", "99999999999999999"},
		{"window of 300 years", 1, "999999999999:9999:1", "1:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, client, redisstore.WithStrict())
			require.NoError(t, client.HSet(ctx, s.Keys("g")[tt.key], tt.field, tt.value).Err())
			_, err := s.Inspect(ctx, "g")
			assert.ErrorIs(t, err, storage.ErrCorrupt)
		})
	}
}

// WindowOf is the window a store with the default buckets makes of p's.
func WindowOf(p storage.Policy) time.Duration { return p.EvaluationWindow }

// TestReserveLostReplyStillWins loses the reply of a reservation that Redis
// made (the connection is reset in its place): the store sends the
// reservation again with its token and wins it, rather than failing and
// leaving the fleet's probe to wait a cool-down for a reservation nobody
// holds.
func TestReserveLostReplyStillWins(t *testing.T) {
	srv := redistest.Start(t)
	proxy := faultproxy.Start(t, srv.Addr())
	client := redis.NewClient(&redis.Options{Addr: proxy.Addr(), MaxRetries: -1, ReadTimeout: time.Second})
	t.Cleanup(func() { _ = client.Close() })
	s := newStore(t, client, redisstore.WithStrict(), redisstore.WithReplicaAcks(0, 0)) // no ROLE: the first reply is the reservation's
	h := bind(t, s, "c", policy)
	ctx := context.Background()
	ok, err := h.(storage.Operator).Open(ctx, time.Time{})
	require.True(t, ok && err == nil, "Open = %v, %v", ok, err)
	s.Advance(policy.CoolDown + time.Second)
	st, err := h.Status(ctx, time.Time{})
	require.NoError(t, err)
	proxy.ResetReplies(0.5, lostThenKept(0.5)) // the reservation's reply is lost, the next kept
	at, won, err := h.Reserve(ctx, time.Time{}, st.OpenedAt, st.ReservedAt)
	proxy.Heal()
	require.NoError(t, err)
	assert.True(t, won, "the reservation whose reply was lost")
	assert.Positive(t, proxy.Stats().Resets, "replies reset")
	st, err = h.Status(ctx, time.Time{})
	require.NoError(t, err)
	assert.True(t, st.ReservedAt.Equal(at), "the reservation Redis holds is the one won")
}

// TestReserveLateReplyIsGivenBack loses the reply of a reservation Redis made
// while its caller waits no longer (its storage budget, 100 ms through the
// runtime, ends first): the store gives the reservation back in the
// background, so the next caller probes at once, not a cool-down (here a
// minute) later. In both modes.
func TestReserveLateReplyIsGivenBack(t *testing.T) {
	srv := redistest.Start(t)
	for _, mode := range []struct {
		name string
		opts []redisstore.Option
	}{{"fleet", nil}, {"strict", []redisstore.Option{redisstore.WithStrict()}}} {
		// No ROLE before the script, whose reply would be lost first.
		mode.opts = append(mode.opts, redisstore.WithReplicaAcks(0, 0))
		t.Run(mode.name, func(t *testing.T) {
			proxy := faultproxy.Start(t, srv.Addr())
			client := redis.NewClient(&redis.Options{Addr: proxy.Addr(), MaxRetries: -1, ReadTimeout: time.Second})
			t.Cleanup(func() { _ = client.Close() })
			s := newStore(t, client, mode.opts...)
			h, warm := bind(t, s, "c", policy), bind(t, s, "warm", policy)
			ctx := context.Background()
			for _, h := range []storage.Handle{h, warm} {
				ok, err := h.(storage.Operator).Open(ctx, time.Time{})
				require.True(t, ok && err == nil, "Open = %v, %v", ok, err)
			}
			s.Advance(policy.CoolDown + time.Second)
			st, err := warm.Status(ctx, time.Time{})
			require.NoError(t, err)
			_, won, err := warm.Reserve(ctx, time.Time{}, st.OpenedAt, st.ReservedAt)
			require.True(t, won && err == nil, "a first reservation, which loads the script: %v, %v", won, err)
			st, err = h.Status(ctx, time.Time{})
			require.NoError(t, err)
			proxy.HalfOpen() // Redis runs the reservation; its reply never comes
			budget, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			_, won, err = h.Reserve(budget, time.Time{}, st.OpenedAt, st.ReservedAt)
			cancel()
			proxy.Heal()
			require.NoError(t, err, "not granted, and reported to the runtime as a storage failure")
			require.False(t, won, "a reservation whose reply never came")
			in, err := redisstore.Inspect(t, srv.Client(t, nil), s.Prefix(), "c")
			require.NoError(t, err)
			require.False(t, in.ReservedAt.IsZero(), "Redis made the reservation")
			assert.Eventually(t, func() bool {
				in, err := redisstore.Inspect(t, srv.Client(t, nil), s.Prefix(), "c")
				return err == nil && in.ReservedAt.IsZero()
			}, 5*time.Second, 20*time.Millisecond, "the reservation given back")
			require.NoError(t, s.Shutdown(ctx))
		})
	}
}

// lostThenKept returns a seed of the proxy's draws whose first draw resets a
// reply at rate and whose next five do not: the reconnection's handshake and
// the reservation sent again get through.
func lostThenKept(rate float64) int64 {
	for seed := int64(1); ; seed++ {
		rng := rand.New(rand.NewPCG(uint64(seed), 0))
		ok := rng.Float64() < rate
		for range 5 {
			ok = ok && rng.Float64() >= rate
		}
		if ok {
			return seed
		}
	}
}

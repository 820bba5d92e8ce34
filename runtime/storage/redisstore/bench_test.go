package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
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

// commandStats returns the calls of every command in INFO commandstats, except
// INFO itself.
func commandStats(ctx context.Context, c *redis.Client) (map[string]int, error) {
	s, err := c.Info(ctx, "commandstats").Result()
	if err != nil {
		return nil, err
	}
	out := make(map[string]int)
	for _, line := range strings.Split(s, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") || name == "cmdstat_info" {
			continue
		}
		calls, _, _ := strings.Cut(strings.TrimPrefix(rest, "calls="), ",")
		n, err := strconv.Atoi(calls)
		if err != nil {
			return nil, fmt.Errorf("INFO commandstats line %q: %v", line, err)
		}
		out[strings.TrimPrefix(name, "cmdstat_")] = n
	}
	return out, nil
}

// cost is what protected calls cost in Redis.
type cost struct {
	ops        int
	roundTrips int            // commands the client sent (a pipeline counts once)
	commands   map[string]int // commands Redis ran, those inside scripts included
}

func (c cost) perOp(what int) float64 { return float64(what) / float64(c.ops) }

func (c cost) total() int {
	n := 0
	for _, v := range c.commands {
		n += v
	}
	return n
}

func (c cost) String() string {
	var parts []string
	for _, name := range sortedKeys(c.commands) {
		parts = append(parts, fmt.Sprintf("%s %.2f", strings.ToUpper(name), c.perOp(c.commands[name])))
	}
	return fmt.Sprintf("%.2f round trips, %.2f commands per call (%s)",
		c.perOp(c.roundTrips), c.perOp(c.total()), strings.Join(parts, ", "))
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// scenario is one kind of protected call: setup puts the circuit in the state
// the call needs (not measured), call makes it (Allow, then Done).
type scenario struct {
	name  string
	opts  runtime.Options
	setup func(ctx context.Context, s *redisstore.Store, c *runtime.Circuit) error
	call  func(ctx context.Context, c *runtime.Circuit) error
	// maxRoundTrips is the target; 0 for none.
	maxRoundTrips int
}

var errDependency = errors.New("dependency failed")

func succeed(context.Context) error { return nil }
func fail(context.Context) error    { return errDependency }

// run makes one protected call through c.Run with fn, and checks how it went.
func run(fn func(context.Context) error, want error) func(ctx context.Context, c *runtime.Circuit) error {
	return func(ctx context.Context, c *runtime.Circuit) error {
		if err := c.Run(ctx, fn); !errors.Is(err, want) && err != want {
			return fmt.Errorf("Run = %v, want %v", err, want)
		}
		return nil
	}
}

// probe makes one protected call that must be the half-open probe.
func probe(fn func(context.Context) error) func(ctx context.Context, c *runtime.Circuit) error {
	return func(ctx context.Context, c *runtime.Circuit) error {
		a, err := c.Allow(ctx)
		if err != nil || !a.Probe() {
			return fmt.Errorf("Allow = %v, probe %v; want the probe", err, a.Probe())
		}
		a.Done(ctx, fn(ctx))
		return nil
	}
}

// halfOpen opens the circuit if it is closed and moves Redis's time past the
// cool-down.
func halfOpen(ctx context.Context, s *redisstore.Store, c *runtime.Circuit) error {
	st, err := c.Status(ctx)
	if err != nil {
		return err
	}
	if st.Closed() {
		if _, err := operator(s, c).Open(ctx, time.Time{}); err != nil {
			return err
		}
	}
	s.Advance(c.Options().CoolDown)
	return nil
}

// operator returns the store's handle of c's circuit as an Operator.
func operator(s *redisstore.Store, c *runtime.Circuit) storage.Operator {
	p := policy
	p.CoolDown = c.Options().CoolDown
	h, err := s.Bind(c.Name(), p)
	if err != nil {
		panic(err)
	}
	return h.(storage.Operator)
}

var (
	neverOpens = runtime.Options{CoolDown: time.Minute, EvaluationWindow: time.Minute, RateThreshold: 1, SampleThreshold: 1 << 30}
	opensOnce  = runtime.Options{CoolDown: time.Hour, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 1}
)

var scenarios = []scenario{
	{name: "closed-success", opts: neverOpens, call: run(succeed, nil), maxRoundTrips: 2},
	{name: "closed-failure", opts: neverOpens, call: run(fail, errDependency), maxRoundTrips: 2},
	{name: "skipped", opts: opensOnce,
		setup: func(ctx context.Context, s *redisstore.Store, c *runtime.Circuit) error {
			_, err := operator(s, c).Open(ctx, time.Time{}) // a no-op once open
			return err
		},
		call: run(succeed, runtime.ErrOpen), maxRoundTrips: 1},
	{name: "probe-success", opts: neverOpens, setup: halfOpen, call: probe(succeed), maxRoundTrips: 3},
	{name: "probe-failure", opts: neverOpens, setup: halfOpen, call: probe(fail), maxRoundTrips: 3},
}

// measure makes n protected calls of sc against srv and returns what they cost,
// measured around each call only. With b set, only the calls are timed.
func measure(tb testing.TB, b *testing.B, srv *redistest.Server, sc scenario, n int) cost {
	ctx := context.Background()
	client := srv.Client(tb, nil)
	sent := &counter{}
	client.AddHook(sent)
	admin := srv.Client(tb, nil)
	store := newStore(tb, client, redisstore.WithStrict())
	c := runtime.MustNew(runtime.WithStorage(store)).Circuit(sc.name, sc.opts)
	step := func() error {
		if sc.setup != nil {
			if err := sc.setup(ctx, store, c); err != nil {
				return err
			}
		}
		return sc.call(ctx, c)
	}
	// Warm up: connect, and load the scripts so EVALSHA finds them.
	for range 2 {
		require.NoError(tb, step())
	}
	total := cost{commands: make(map[string]int)}
	for range n {
		if sc.setup != nil {
			require.NoError(tb, sc.setup(ctx, store, c))
		}
		before, err := commandStats(ctx, admin)
		require.NoError(tb, err)
		trips := sent.get()
		if b != nil {
			b.StartTimer()
		}
		err = sc.call(ctx, c)
		if b != nil {
			b.StopTimer()
		}
		require.NoError(tb, err)
		total.roundTrips += sent.get() - trips
		after, err := commandStats(ctx, admin)
		require.NoError(tb, err)
		for k, v := range after {
			if d := v - before[k]; d != 0 {
				total.commands[k] += d
			}
		}
		total.ops++
	}
	return total
}

// TestRoundTrips counts Redis round trips and commands per protected call through
// the runtime, and holds them to the targets: a closed-state call is one status
// script and one record script; a half-open probe is three scripts in all.
func TestRoundTrips(t *testing.T) {
	srv := redistest.Start(t)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			c := measure(t, nil, srv, sc, 20)
			t.Logf("%s: %v", sc.name, c)
			assert.LessOrEqual(t, c.perOp(c.roundTrips), float64(sc.maxRoundTrips), "round trips per call")
			// Every round trip is one script: EVALSHA, never a fallback to EVAL.
			assert.Equal(t, c.roundTrips, c.commands["evalsha"], "EVALSHA per round trip")
			assert.Zero(t, c.commands["eval"], "EVAL")
		})
	}
}

// BenchmarkRoundTrips reports, per protected call, the round trips the client
// made (roundtrips/op), the commands it sent (evalsha/op) and every command Redis
// ran, inside scripts too (cmds/op). ns/op times the call alone.
func BenchmarkRoundTrips(b *testing.B) {
	srv := redistest.Start(b)
	for _, sc := range scenarios {
		b.Run(sc.name, func(b *testing.B) {
			b.StopTimer()
			c := measure(b, b, srv, sc, b.N)
			b.ReportMetric(c.perOp(c.roundTrips), "roundtrips/op")
			b.ReportMetric(c.perOp(c.commands["evalsha"]+c.commands["eval"]), "evalsha/op")
			b.ReportMetric(c.perOp(c.total()), "cmds/op")
		})
	}
}

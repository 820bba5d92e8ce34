package breakerimpl_test

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/breakerimpl"
	"github.com/breakergen/breakergen/runtime/fakeclock"
)

var errKeyDown = errors.New("down")

// keyedBreaker returns a breaker on a fake clock, and the clock.
func keyedBreaker(opts ...runtime.Option) (*runtime.Breaker, *fakeclock.Clock) {
	clock := fakeclock.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	return runtime.MustNew(append([]runtime.Option{runtime.WithClock(clock)}, opts...)...), clock
}

// fail records one failure on c.
func fail(t *testing.T, c *runtime.Circuit) {
	t.Helper()
	ctx := context.Background()
	a, err := c.Allow(ctx)
	require.NoError(t, err)
	a.Done(ctx, errKeyDown)
}

// names returns the names of b's circuits.
func names(b *runtime.Breaker) []string {
	var out []string
	for _, c := range b.Circuits() {
		out = append(out, c.Name())
	}
	return out
}

func TestKeyedNamesAndIsolation(t *testing.T) {
	b, _ := keyedBreaker()
	hosts := breakerimpl.Decorate(b, "test").Keyed("http", 0, runtime.Options{SampleThreshold: 2})
	dead, healthy := hosts.Circuit("dead.example"), hosts.Circuit("ok.example")
	assert.Equal(t, "http[dead.example]", dead.Name())
	assert.Same(t, dead, hosts.Circuit("dead.example"), "a key keeps its circuit")
	fail(t, dead)
	fail(t, dead)
	_, err := dead.Allow(context.Background())
	assert.ErrorIs(t, err, runtime.ErrOpen, "the dead host's circuit opened")
	_, err = healthy.Allow(context.Background())
	assert.NoError(t, err, "the healthy host's circuit is its own")

	assert.Equal(t, []string{"http[dead.example]", "http[ok.example]"}, names(b))
	found, ok := b.Lookup("http[ok.example]")
	assert.True(t, ok)
	assert.Same(t, healthy, found)
	assert.Equal(t, "http", hosts.Name())
	assert.Equal(t, 2, hosts.Len())
}

func TestKeyedIntegerKeys(t *testing.T) {
	b, _ := keyedBreaker()
	k := breakerimpl.Decorate(b, "test", runtime.WithInstance("orders")).Keyed("repo", 0)
	c := k.CircuitInt(-42)
	assert.Equal(t, "repo@orders[-42]", c.Name())
	assert.Same(t, c, k.CircuitInt(-42))
	assert.Equal(t, "repo@orders[18446744073709551615]", k.CircuitUint(1<<64-1).Name())
	assert.Equal(t, "repo@orders[7]", breakerimpl.KeyedName("repo@orders", "7"))
}

func TestKeyedLongKeysAreShortened(t *testing.T) {
	b, _ := keyedBreaker()
	k := breakerimpl.Decorate(b, "test").Keyed("kv", 0)
	long := strings.Repeat("k", 10_000)
	c := k.Circuit(long)
	assert.Same(t, c, k.Circuit(long))
	assert.LessOrEqual(t, len(c.Name()), len("kv[]")+breakerimpl.MaxKeyLen)
	assert.Equal(t, breakerimpl.KeyedName("kv", long), c.Name(), "the short form is the same in every process")
	assert.NotEqual(t, c, k.Circuit(long+"x"), "keys differing past the cut keep their own circuits")
	short := strings.Repeat("k", breakerimpl.MaxKeyLen)
	assert.Equal(t, "kv["+short+"]", k.Circuit(short).Name())
}

func TestKeyedOptionLayers(t *testing.T) {
	b, _ := keyedBreaker(
		runtime.WithOverrides("http@eu", runtime.Options{SampleThreshold: 7}),
		runtime.WithOverrides("http@eu[pinned]", runtime.Options{SampleThreshold: 9}),
	)
	d := breakerimpl.Decorate(b, "test", runtime.WithInstance("eu"), runtime.WithOptions(runtime.Options{RateThreshold: 0.25}))
	k := d.Keyed("http", 0, runtime.Options{CoolDown: time.Minute, SampleThreshold: 2, RateThreshold: 0.9})
	o := k.Circuit("a").Options()
	assert.Equal(t, time.Minute, o.CoolDown, "directive option")
	assert.Equal(t, 0.25, o.RateThreshold, "WithOptions over the directive")
	assert.Equal(t, 7, o.SampleThreshold, "the family's override")
	assert.Equal(t, 9, k.Circuit("pinned").Options().SampleThreshold, "the circuit's own override")
}

func TestKeyedFamiliesAreShared(t *testing.T) {
	b, _ := keyedBreaker()
	one := breakerimpl.Decorate(b, "test").Keyed("http", 4)
	assert.Same(t, one, breakerimpl.Decorate(b, "test").Keyed("http", 4), "one Breaker, one family name: one family")
	assert.NotSame(t, one, breakerimpl.Decorate(b, "test", runtime.WithInstance("x")).Keyed("http", 4))
	other, _ := keyedBreaker()
	assert.NotSame(t, one, breakerimpl.Decorate(other, "test").Keyed("http", 4))
}

// TestKeyedFamilyConflictsAreLoud checks that a family asked for again with
// other options or another bound fails, naming what differs, and that the
// same options, given in another order or by equal layers, share it.
func TestKeyedFamilyConflictsAreLoud(t *testing.T) {
	b, _ := keyedBreaker()
	d := breakerimpl.Decorate(b, "test")
	one := d.Keyed("hosts", 4, runtime.Options{SampleThreshold: 2})
	assert.Same(t, one, breakerimpl.Decorate(b, "test", runtime.WithOptions(runtime.Options{SampleThreshold: 2})).Keyed("hosts", 4),
		"the same effective options, from WithOptions")
	assert.PanicsWithError(t, `breakergen: invalid configuration: circuit family "hosts" is already registered with other options `+
		`(SampleThreshold: 2 first, 3 now; maxkeys: 4 first, 8 now); registrations of one circuit must agree: `+
		`give this one a circuit of its own with runtime.WithInstance(name) (a decorator option) or name= in its directive (building test)`,
		func() { d.Keyed("hosts", 8, runtime.Options{SampleThreshold: 3}) })
	assert.Same(t, one, d.Keyed("hosts", 4), "no options: joins the family as it is")
	assert.NotSame(t, one, breakerimpl.Decorate(b, "test", runtime.WithInstance("eu")).Keyed("hosts", 8), "WithInstance separates them")
}

func TestKeyedFamilyNobodyHoldsIsDropped(t *testing.T) {
	b, _ := keyedBreaker()
	func() {
		k := breakerimpl.Decorate(b, "test").Keyed("gone", 0)
		k.Circuit("a")
		k.CircuitInt(1)
	}()
	require.Len(t, b.Circuits(), 2)
	for i := 0; i < 200 && len(b.Circuits()) > 0; i++ {
		goruntime.GC() // the family's cleanup runs after a collection
		goruntime.Gosched()
	}
	assert.Empty(t, names(b), "the circuits of a collected family are dropped")
	assert.Zero(t, breakerimpl.Decorate(b, "test").Keyed("gone", 0).Len(), "a new family starts empty")
}

func TestKeyedBoundEvictsLeastRecentlyUsed(t *testing.T) {
	b, clock := keyedBreaker()
	k := breakerimpl.Decorate(b, "test").Keyed("lru", 4)
	for _, key := range []string{"a", "b", "c", "d"} {
		k.Circuit(key)
		clock.Advance(time.Millisecond)
	}
	k.Circuit("a") // a is now the most recently used
	clock.Advance(time.Millisecond)
	k.Circuit("e")
	assert.Equal(t, 4, k.Len())
	assert.Equal(t, []string{"lru[a]", "lru[c]", "lru[d]", "lru[e]"}, names(b), "b was the least recently used")
}

func TestKeyedIdleCircuitsAreEvicted(t *testing.T) {
	b, clock := keyedBreaker()
	k := breakerimpl.Decorate(b, "test").Keyed("idle", 0, runtime.Options{CoolDown: time.Minute, EvaluationWindow: 30 * time.Second})
	for i := range 50 {
		k.Circuit(fmt.Sprint("old", i))
	}
	clock.Advance(time.Minute + time.Millisecond)
	for i := range 2000 {
		k.Circuit(fmt.Sprint("new", i%10))
		if i%10 == 9 {
			k.Circuit(fmt.Sprint("fresh", i)) // new keys sweep a shard each
		}
	}
	for _, name := range names(b) {
		assert.False(t, strings.HasPrefix(name, "idle[old"), "%s survived a minute idle", name)
	}
}

func TestKeyedHostileKeysStayBounded(t *testing.T) {
	b, _ := keyedBreaker()
	k := breakerimpl.Decorate(b, "test").Keyed("hostile", 64)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				c := k.Circuit(fmt.Sprintf("g%d-%d", g, i))
				a, err := c.Allow(context.Background())
				if assert.NoError(t, err) {
					a.Done(context.Background(), nil)
				}
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, k.Len(), 64+4, "bounded by maxkeys, plus concurrent first uses")
	assert.Equal(t, k.Len(), len(b.Circuits()), "evicted circuits were dropped from the Breaker")
}

func TestKeyedLookupAllocatesNothing(t *testing.T) {
	k := breakerimpl.Decorate(runtime.MustNew(), "test").Keyed("allocs", 0)
	k.Circuit("api.example.com")
	k.CircuitInt(12345)
	assert.Zero(t, testing.AllocsPerRun(100, func() { k.Circuit("api.example.com") }), "string key")
	assert.Zero(t, testing.AllocsPerRun(100, func() { k.CircuitInt(12345) }), "integer key")
}

func TestKeyedInvalidOptionsPanic(t *testing.T) {
	d := breakerimpl.Decorate(runtime.MustNew(), "test")
	assert.PanicsWithError(t,
		`breakergen: invalid options: breakergen: invalid configuration: CoolDown 1ns outside [1ms, 24h0m0s] (circuit family "bad")`,
		func() { d.Keyed("bad", 0, runtime.Options{CoolDown: 1}) })
}

// BenchmarkKeyedLookup is the per-call cost of a keyed method's key: finding
// the circuit of a key that has one, among 1000 keys.
func BenchmarkKeyedLookup(b *testing.B) {
	d := breakerimpl.Decorate(runtime.MustNew(), "test")
	k, ints := d.Keyed("hosts", 0), d.Keyed("ids", 0)
	for i := range 1000 {
		k.Circuit(fmt.Sprintf("host-%d.example.com", i))
		ints.CircuitInt(int64(i))
	}
	key := "host-500.example.com"
	b.Run("string", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			k.Circuit(key)
		}
	})
	b.Run("int", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ints.CircuitInt(500)
		}
	})
	b.Run("string-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				k.Circuit(key)
			}
		})
	})
}

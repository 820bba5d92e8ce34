package otelbreaker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/breakergen/breakergen/otelbreaker"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/breakerimpl"
	"github.com/breakergen/breakergen/runtime/fakeclock"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	reader *sdkmetric.ManualReader
	clock  *fakeclock.Clock
	rec    *otelbreaker.Recorder
	b      *runtime.Breaker
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{reader: sdkmetric.NewManualReader(), clock: fakeclock.New(start)}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(f.reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	var err error
	f.rec, err = otelbreaker.NewRecorder(otelbreaker.WithMeterProvider(mp))
	require.NoError(t, err)
	f.b = runtime.MustNew(runtime.WithClock(f.clock), runtime.WithListener(f.rec))
	f.rec.Watch(f.b)
	return f
}

// collect returns the metrics of the recorder's scope by name.
func (f *fixture) collect(t *testing.T) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, f.reader.Collect(context.Background(), &rm))
	out := make(map[string]metricdata.Metrics)
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != otelbreaker.ScopeName {
			continue
		}
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

func run(c *runtime.Circuit, err error) error {
	return c.Run(context.Background(), func(context.Context) error { return err })
}

func point[N int64 | float64](v N, kv ...attribute.KeyValue) metricdata.DataPoint[N] {
	return metricdata.DataPoint[N]{Attributes: attribute.NewSet(kv...), Value: v}
}

func calls(circuit string, success, failure, excluded, skipped int64) []metricdata.DataPoint[int64] {
	c := otelbreaker.AttrCircuit.String(circuit)
	o := otelbreaker.AttrOutcome
	return []metricdata.DataPoint[int64]{
		point(success, c, o.String("success")), point(failure, c, o.String("failure")),
		point(excluded, c, o.String("excluded")), point(skipped, c, o.String("skipped")),
	}
}

// transitions returns the data points of breakergen.transitions of circuit:
// n by opened, reopened, closed, then fleet and process.
func transitions(circuit string, n [3][2]int64) []metricdata.DataPoint[int64] {
	var out []metricdata.DataPoint[int64]
	for i, to := range []string{"opened", "reopened", "closed"} {
		for j, scope := range []string{"fleet", "process"} {
			out = append(out, point(n[i][j], otelbreaker.AttrCircuit.String(circuit),
				otelbreaker.AttrTransitionTo.String(to), otelbreaker.AttrScope.String(scope)))
		}
	}
	return out
}

func TestInstrumentsThroughALifeCycle(t *testing.T) {
	f := newFixture(t)
	c := f.b.Circuit("payments", runtime.Options{CoolDown: 30 * time.Second})
	require.NoError(t, run(c, nil))
	for range 3 {
		_ = run(c, errors.New("down"))
	}
	require.ErrorIs(t, run(c, nil), runtime.ErrOpen)
	f.rec.Handle(runtime.Event{Type: runtime.EventStorageFailure, Circuit: "payments", Suppressed: 4})

	got := f.collect(t)
	name := otelbreaker.AttrCircuit.String("payments")
	metricdatatest.AssertEqual(t, metricdata.Metrics{
		Name: "breakergen.circuit.open", Unit: "1", Description: got["breakergen.circuit.open"].Description,
		Data: metricdata.Gauge[int64]{DataPoints: []metricdata.DataPoint[int64]{point[int64](1, name)}},
	}, got["breakergen.circuit.open"], metricdatatest.IgnoreTimestamp())
	metricdatatest.AssertEqual(t, metricdata.Metrics{
		Name: "breakergen.storage.failures", Unit: "{failure}", Description: got["breakergen.storage.failures"].Description,
		Data: metricdata.Sum[int64]{
			Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
			DataPoints: []metricdata.DataPoint[int64]{point[int64](5)},
		},
	}, got["breakergen.storage.failures"], metricdatatest.IgnoreTimestamp())

	f.clock.Advance(30 * time.Second)
	require.NoError(t, run(c, nil)) // the probe closes it
	require.NoError(t, c.LockOpen(context.Background()))
	got = f.collect(t)
	metricdatatest.AssertEqual(t, metricdata.Metrics{
		Name: "breakergen.transitions", Unit: "{transition}", Description: got["breakergen.transitions"].Description,
		Data: metricdata.Sum[int64]{
			Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
			DataPoints: transitions("payments", [3][2]int64{{1, 0}, {0, 0}, {1, 0}}),
		},
	}, got["breakergen.transitions"], metricdatatest.IgnoreTimestamp())
	metricdatatest.AssertEqual(t, metricdata.Metrics{
		Name: "breakergen.probes", Unit: "{probe}", Description: got["breakergen.probes"].Description,
		Data: metricdata.Sum[int64]{
			Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
			DataPoints: []metricdata.DataPoint[int64]{point[int64](1, name)},
		},
	}, got["breakergen.probes"], metricdatatest.IgnoreTimestamp())
	metricdatatest.AssertEqual(t, metricdata.Metrics{
		Name: "breakergen.circuit.locked", Unit: "1", Description: got["breakergen.circuit.locked"].Description,
		Data: metricdata.Gauge[int64]{DataPoints: []metricdata.DataPoint[int64]{
			point[int64](1, name, otelbreaker.AttrLock.String("open")),
			point[int64](0, name, otelbreaker.AttrLock.String("closed")),
		}},
	}, got["breakergen.circuit.locked"], metricdatatest.IgnoreTimestamp())
	metricdatatest.AssertEqual(t, metricdata.Metrics{
		Name: "breakergen.circuit.samples", Unit: "{call}", Description: got["breakergen.circuit.samples"].Description,
		Data: metricdata.Gauge[int64]{DataPoints: []metricdata.DataPoint[int64]{point[int64](0, name)}},
	}, got["breakergen.circuit.samples"], metricdatatest.IgnoreTimestamp()) // closing starts a fresh window
}

// TestFallbacksHaveTheirOwnCounter: a fallback is not an outcome of
// breakergen.calls (whose outcomes partition the calls) but a counter of its
// own.
func TestFallbacksHaveTheirOwnCounter(t *testing.T) {
	f := newFixture(t)
	c := f.b.Circuit("payments", runtime.Options{CoolDown: time.Minute})
	for range 3 {
		_ = run(c, errors.New("down"))
	}
	require.ErrorIs(t, run(c, nil), runtime.ErrOpen)
	breakerimpl.CountFallback(c) // a fallback answered it, as a generated method tells
	got := f.collect(t)
	name := otelbreaker.AttrCircuit.String("payments")
	metricdatatest.AssertEqual(t, metricdata.Metrics{
		Name: "breakergen.fallbacks", Unit: "{call}", Description: got["breakergen.fallbacks"].Description,
		Data: metricdata.Sum[int64]{
			Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
			DataPoints: []metricdata.DataPoint[int64]{point[int64](1, name)},
		},
	}, got["breakergen.fallbacks"], metricdatatest.IgnoreTimestamp())
	metricdatatest.AssertEqual(t, metricdata.Metrics{
		Name: "breakergen.calls", Unit: "{call}", Description: got["breakergen.calls"].Description,
		Data: metricdata.Sum[int64]{
			Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
			DataPoints: calls("payments", 0, 3, 0, 1),
		},
	}, got["breakergen.calls"], metricdatatest.IgnoreTimestamp()) // four calls: 3 failed, 1 skipped
}

func TestFailureRateAndDroppedCircuits(t *testing.T) {
	f := newFixture(t)
	db := f.b.Circuit("db", runtime.Options{SampleThreshold: 100})
	for _, err := range []error{nil, errors.New("down"), nil, nil} {
		_ = run(db, err)
	}
	require.NoError(t, run(f.b.Circuit("tenant-9"), nil))
	require.True(t, f.b.Drop("tenant-9"))
	got := f.collect(t)
	metricdatatest.AssertEqual(t, metricdata.Metrics{
		Name: "breakergen.circuit.failure_rate", Unit: "1", Description: got["breakergen.circuit.failure_rate"].Description,
		Data: metricdata.Gauge[float64]{DataPoints: []metricdata.DataPoint[float64]{
			point(0.25, otelbreaker.AttrCircuit.String("db")),
		}},
	}, got["breakergen.circuit.failure_rate"], metricdatatest.IgnoreTimestamp())
	metricdatatest.AssertEqual(t, metricdata.Metrics{
		Name: "breakergen.calls", Unit: "{call}", Description: got["breakergen.calls"].Description,
		Data: metricdata.Sum[int64]{
			Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
			DataPoints: calls("db", 3, 1, 0, 0),
		},
	}, got["breakergen.calls"], metricdatatest.IgnoreTimestamp()) // the dropped circuit is gone
}

func TestShutdownStopsReporting(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, run(f.b.Circuit("db"), nil))
	require.NoError(t, f.rec.Shutdown(context.Background()))
	assert.Empty(t, f.collect(t))
	assert.NoError(t, f.rec.Shutdown(context.Background()), "idempotent")
}

func TestTheBreakerShutsItsRecorderDown(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, run(f.b.Circuit("db"), nil))
	require.NotEmpty(t, f.collect(t))
	require.NoError(t, f.b.Shutdown(context.Background()))
	assert.Empty(t, f.collect(t), "the breaker owns the recorder it was given")
}

func TestBadOptions(t *testing.T) {
	for name, opts := range map[string][]otelbreaker.Option{
		"nil provider": {otelbreaker.WithMeterProvider(nil)},
		"timeout":      {otelbreaker.WithStatusTimeout(0)},
		"nil option":   {nil},
	} {
		t.Run(name, func(t *testing.T) {
			rec, err := otelbreaker.NewRecorder(opts...)
			assert.ErrorIs(t, err, runtime.ErrInvalid)
			assert.Nil(t, rec)
		})
	}
}

// localStorage is memory storage whose circuits named in local report this
// process's own verdict (storage.ScopeProcess), as a fleet store does for a local
// opening or when cut off from Redis.
type localStorage struct {
	storage.Storage
	local map[string]bool
}

func (s localStorage) Bind(name string, p storage.Policy) (storage.Handle, error) {
	h, err := s.Storage.Bind(name, p)
	if err != nil || !s.local[name] {
		return h, err
	}
	return localHandle{h}, nil
}

// localHandle hides the memory handle's optional interfaces: only the
// decision path, every status of storage.ScopeProcess.
type localHandle struct{ storage.Handle }

func (h localHandle) Status(ctx context.Context, now time.Time) (storage.Status, error) {
	st, err := h.Handle.Status(ctx, now)
	st.Scope = storage.ScopeProcess
	return st, err
}

func (h localHandle) Record(ctx context.Context, now time.Time, o storage.Outcome) (storage.Result, error) {
	r, err := h.Handle.Record(ctx, now, o)
	r.Status.Scope = storage.ScopeProcess
	return r, err
}

// TestScopeLocalVerdictAndLockChanges: a local opening counts with scope
// process and sets breakergen.circuit.local; a transition learnt from
// another process counts like one of this process's own; lock changes count
// by the lock set, learnt ones included.
func TestScopeLocalVerdictAndLockChanges(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	rec, err := otelbreaker.NewRecorder(otelbreaker.WithMeterProvider(mp))
	require.NoError(t, err)
	f := &fixture{reader: reader, clock: fakeclock.New(start), rec: rec}
	f.b = runtime.MustNew(runtime.WithClock(f.clock), runtime.WithListener(rec),
		runtime.WithStorage(localStorage{storage.NewMemory(), map[string]bool{"payments": true}}))
	rec.Watch(f.b)
	for range 3 {
		_ = run(f.b.Circuit("payments"), errors.New("down"))
	}
	search := f.b.Circuit("search")
	require.NoError(t, run(search, nil))
	rec.Handle(runtime.Event{Type: runtime.EventOpened, Circuit: "search", Status: runtime.Status{State: runtime.StateOpen}, Remote: true})
	require.NoError(t, search.LockClosed(context.Background()))
	rec.Handle(runtime.Event{Type: runtime.EventLockChanged, Circuit: "search", Remote: true}) // an unlock: LockNone

	got := f.collect(t)
	payments, searchName := otelbreaker.AttrCircuit.String("payments"), otelbreaker.AttrCircuit.String("search")
	metricdatatest.AssertEqual(t, metricdata.Metrics{
		Name: "breakergen.circuit.local", Unit: "1", Description: got["breakergen.circuit.local"].Description,
		Data: metricdata.Gauge[int64]{DataPoints: []metricdata.DataPoint[int64]{point[int64](1, payments), point[int64](0, searchName)}},
	}, got["breakergen.circuit.local"], metricdatatest.IgnoreTimestamp())
	metricdatatest.AssertEqual(t, metricdata.Metrics{
		Name: "breakergen.transitions", Unit: "{transition}", Description: got["breakergen.transitions"].Description,
		Data: metricdata.Sum[int64]{
			Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
			DataPoints: append(transitions("payments", [3][2]int64{{0, 1}, {0, 0}, {0, 0}}),
				transitions("search", [3][2]int64{{1, 0}, {0, 0}, {0, 0}})...),
		},
	}, got["breakergen.transitions"], metricdatatest.IgnoreTimestamp())
	lock := otelbreaker.AttrLock
	metricdatatest.AssertEqual(t, metricdata.Metrics{
		Name: "breakergen.lock_changes", Unit: "{change}", Description: got["breakergen.lock_changes"].Description,
		Data: metricdata.Sum[int64]{
			Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
			DataPoints: []metricdata.DataPoint[int64]{
				point[int64](0, payments, lock.String("none")), point[int64](0, payments, lock.String("open")),
				point[int64](0, payments, lock.String("closed")),
				point[int64](1, searchName, lock.String("none")), point[int64](0, searchName, lock.String("open")),
				point[int64](1, searchName, lock.String("closed")),
			},
		},
	}, got["breakergen.lock_changes"], metricdatatest.IgnoreTimestamp())
}

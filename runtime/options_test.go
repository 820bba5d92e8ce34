package runtime_test

import (
	"errors"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOptionsLayers(t *testing.T) {
	errA, errB := errors.New("a"), errors.New("b")
	b := runtime.MustNew(
		runtime.WithDefaults(runtime.Options{CoolDown: time.Minute, SampleThreshold: 10, Exclude: []error{errA}}),
		runtime.WithOverrides("c", runtime.Options{SampleThreshold: 7}),
	)
	c := b.Circuit("c", runtime.Options{CoolDown: 2 * time.Minute, SampleThreshold: 5, Exclude: []error{errB}})
	got := c.Options()
	assert.Equal(t, 2*time.Minute, got.CoolDown)
	assert.Equal(t, 7, got.SampleThreshold)
	assert.Equal(t, time.Minute, got.EvaluationWindow)
	assert.Equal(t, 0.5, got.RateThreshold)
	assert.Equal(t, []error{errB}, got.Exclude)
	again := b.Circuit("c", runtime.Options{CoolDown: 2 * time.Minute, SampleThreshold: 5, Exclude: []error{errB}})
	assert.Same(t, c, again, "a second registration with the same options returns the first circuit")
	_, err := b.Register("c", runtime.Options{CoolDown: time.Hour})
	assert.ErrorIs(t, err, runtime.ErrInvalid, "one with other options is an error (see TestRegisterConflicts)")
	d := b.Circuit("d").Options()
	assert.Equal(t, time.Minute, d.CoolDown)
	assert.Equal(t, 10, d.SampleThreshold)
	assert.Equal(t, []error{errA}, d.Exclude)
	assert.Equal(t, runtime.Options{CoolDown: 5 * time.Minute, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 3},
		runtime.MustNew().Circuit("fresh").Options(), "Faulty's defaults, as Options documents them")
}

func TestInvalidOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    runtime.Options
		want string
	}{
		{"negative cool-down", runtime.Options{CoolDown: -time.Second}, "CoolDown"},
		{"cool-down too long", runtime.Options{CoolDown: storage.MaxCoolDown + 1}, "CoolDown"},
		{"negative window", runtime.Options{EvaluationWindow: -1}, "EvaluationWindow"},
		{"window too short", runtime.Options{EvaluationWindow: time.Nanosecond}, "EvaluationWindow"},
		{"huge window", runtime.Options{EvaluationWindow: 2562047*time.Hour + 47*time.Minute}, "EvaluationWindow"},
		{"rate above one", runtime.Options{RateThreshold: 1.5}, "outside (0, 1]"},
		{"negative rate", runtime.Options{RateThreshold: -0.1}, "outside (0, 1]"},
		{"negative samples", runtime.Options{SampleThreshold: -1}, "negative SampleThreshold"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.o.Validate()
			require.ErrorIs(t, err, storage.ErrInvalid)
			assert.ErrorContains(t, err, tc.want)
			_, err = runtime.New(runtime.WithDefaults(tc.o))
			assert.ErrorContains(t, err, tc.want, "WithDefaults")
			_, err = runtime.New(runtime.WithOverrides("x", tc.o))
			assert.ErrorContains(t, err, tc.want, "WithOverrides")
			_, err = runtime.MustNew().Register("x", tc.o)
			assert.ErrorContains(t, err, tc.want, "Register")
			assert.Panics(t, func() { runtime.MustNew().Circuit("x", tc.o) }, "Circuit")
			assert.Panics(t, func() { runtime.MustNew(runtime.WithDefaults(tc.o)) }, "New")
		})
	}
}

// TestInvalidBreakerOptions checks that a bad breaker option is an error of
// New (a panic of MustNew) naming it, never a silent default.
func TestInvalidBreakerOptions(t *testing.T) {
	var typedNil *storage.Memory
	for _, tc := range []struct {
		name string
		opt  runtime.Option
		want string
	}{
		{"nil storage", runtime.WithStorage(nil), "WithStorage(nil)"},
		{"typed nil storage", runtime.WithStorage(typedNil), "WithStorage(nil)"},
		{"nil clock", runtime.WithClock(nil), "WithClock(nil)"},
		{"nil listener", runtime.WithListener(nil), "WithListener(nil)"},
		{"unknown event", runtime.WithListener(&recorder{}, runtime.EventType(99)), "unknown event type 99"},
		{"zero storage timeout", runtime.WithStorageTimeout(0), "WithStorageTimeout"},
		{"huge storage timeout", runtime.WithStorageTimeout(time.Hour), "WithStorageTimeout"},
		{"nil option", nil, "option 1 is nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := runtime.New(tc.opt)
			assert.Nil(t, b)
			assert.ErrorIs(t, err, storage.ErrInvalid)
			assert.ErrorContains(t, err, tc.want)
			assert.Panics(t, func() { runtime.MustNew(tc.opt) })
		})
	}
}

func TestRegistry(t *testing.T) {
	b := runtime.MustNew()
	a := b.Circuit("a")
	c, err := b.Register("c")
	require.NoError(t, err)
	got, ok := b.Lookup("a")
	assert.True(t, ok)
	assert.Same(t, a, got)
	_, ok = b.Lookup("missing")
	assert.False(t, ok)
	names := func() (out []string) {
		for _, c := range b.Circuits() {
			out = append(out, c.Name())
		}
		return out
	}
	assert.Equal(t, []string{"a", "c"}, names(), "Circuits, sorted")
	assert.True(t, b.Drop("c"))
	assert.False(t, b.Drop("c"), "a second Drop")
	assert.Equal(t, []string{"a"}, names(), "Circuits after Drop")
	assert.NotSame(t, c, b.Circuit("c"), "a circuit made again after Drop is a new one")
}

// TestDropReclaimsStorage checks that circuits made for dynamic names can be
// reclaimed: once dropped, the storage forgets them.
func TestDropReclaimsStorage(t *testing.T) {
	m := storage.NewMemory()
	b := runtime.MustNew(runtime.WithStorage(m))
	for i := range 100 {
		c := b.Circuit("tenant-" + string(rune('a'+i%26)) + time.Duration(i).String())
		run(t, c, nil)
	}
	names, _ := m.List(t.Context())
	require.Len(t, names, 100)
	for _, c := range b.Circuits() {
		b.Drop(c.Name())
	}
	names, _ = m.List(t.Context())
	assert.Empty(t, names, "circuits left in storage after every one was dropped")
}

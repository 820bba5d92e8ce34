package runtime_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPolicyOptionsOutOfRange checks each policy field's range, on a layer
// of options: Validate, WithDefaults, WithOverrides and a registration.
func TestPolicyOptionsOutOfRange(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    runtime.Options
		want string
	}{
		{"negative slow call", runtime.Options{SlowCall: -time.Second}, "SlowCall"},
		{"slow call under a millisecond", runtime.Options{SlowCall: time.Microsecond}, "SlowCall"},
		{"slow rate above one", runtime.Options{SlowRate: 1.5}, "SlowRate"},
		{"slow rate NaN", runtime.Options{SlowRate: math.NaN()}, "SlowRate"},
		{"negative cool-down max", runtime.Options{CoolDownMax: -1}, "CoolDownMax"},
		{"cool-down max too long", runtime.Options{CoolDownMax: storage.MaxCoolDown + 1}, "CoolDownMax"},
		{"negative ramp", runtime.Options{Ramp: -time.Second}, "Ramp"},
		{"ramp too long", runtime.Options{Ramp: storage.MaxRamp + 1}, "Ramp"},
		{"negative probes", runtime.Options{HalfOpenProbes: -1}, "HalfOpenProbes"},
		{"too many probes", runtime.Options{HalfOpenProbes: storage.MaxHalfOpenProbes + 1}, "HalfOpenProbes"},
		{"unknown mode", runtime.Options{Mode: 7}, "Mode"},
		{"negative K", runtime.Options{Mode: runtime.ModeAdaptive, K: -2}, "K"},
		{"K too large", runtime.Options{Mode: runtime.ModeAdaptive, K: storage.MaxK + 1}, "K"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.o.Validate()
			require.ErrorIs(t, err, runtime.ErrInvalid)
			assert.ErrorContains(t, err, tc.want)
			_, err = runtime.New(runtime.WithDefaults(tc.o))
			assert.ErrorContains(t, err, tc.want, "WithDefaults")
			_, err = runtime.New(runtime.WithOverrides("x", tc.o))
			assert.ErrorContains(t, err, tc.want, "WithOverrides")
			_, err = runtime.MustNew().Register("x", tc.o)
			assert.ErrorIs(t, err, runtime.ErrInvalid, "Register")
		})
	}
}

// TestPolicyOptionsTogether checks how the policy fields go together, on a
// circuit's resolved options: each layer alone is valid.
func TestPolicyOptionsTogether(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    runtime.Options
		want string
	}{
		{"slow rate without slow call", runtime.Options{SlowRate: 0.5}, "SlowRate 0.5 without SlowCall"},
		{"slow call as long as the window", runtime.Options{SlowCall: time.Minute}, "SlowCall"},
		{"cool-down max below cool-down", runtime.Options{CoolDown: time.Minute, CoolDownMax: time.Second}, "CoolDownMax"},
		{"K in classic mode", runtime.Options{K: 3}, "K 3 set in ModeClassic"},
		{"adaptive with slow calls", runtime.Options{Mode: runtime.ModeAdaptive, SlowCall: time.Second}, "SlowCall with ModeAdaptive"},
		{"adaptive with a ramp", runtime.Options{Mode: runtime.ModeAdaptive, Ramp: time.Second}, "ModeAdaptive never opens"},
		{"adaptive with backoff", runtime.Options{Mode: runtime.ModeAdaptive, CoolDownMax: time.Hour}, "ModeAdaptive never opens"},
		{"adaptive with probes", runtime.Options{Mode: runtime.ModeAdaptive, HalfOpenProbes: 2}, "ModeAdaptive never opens"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, tc.o.Validate(), "one layer alone")
			_, err := runtime.MustNew().Register("x", tc.o)
			require.ErrorIs(t, err, runtime.ErrInvalid)
			assert.ErrorContains(t, err, tc.want)
			assert.ErrorContains(t, err, `circuit "x"`)
			assert.Panics(t, func() { runtime.MustNew().Circuit("x", tc.o) }, "Circuit")
		})
	}
}

// TestPolicyDefaults checks the defaults that keep the classic behaviour and
// those that depend on other fields.
func TestPolicyDefaults(t *testing.T) {
	b := runtime.MustNew()
	classic := b.Circuit("classic").Options()
	assert.Zero(t, classic.SlowCall)
	assert.Zero(t, classic.SlowRate)
	assert.Zero(t, classic.CoolDownMax)
	assert.Zero(t, classic.Ramp)
	assert.Zero(t, classic.HalfOpenProbes, "0 stands for one probe")
	assert.Equal(t, storage.ModeClassic, classic.Mode)
	assert.Zero(t, classic.K)
	slow := b.Circuit("slow", runtime.Options{SlowCall: time.Second, RateThreshold: 0.3}).Options()
	assert.Equal(t, 0.3, slow.SlowRate, "SlowRate defaults to RateThreshold")
	adaptive := b.Circuit("adaptive", runtime.Options{Mode: runtime.ModeAdaptive}).Options()
	assert.Equal(t, float64(2), adaptive.K, "K defaults to 2 in adaptive mode")
}

// TestPolicyOptionsLayers checks that the policy fields merge field by field:
// defaults < code < overrides.
func TestPolicyOptionsLayers(t *testing.T) {
	b := runtime.MustNew(
		runtime.WithDefaults(runtime.Options{SlowCall: 2 * time.Second, Ramp: time.Minute, HalfOpenProbes: 2}),
		runtime.WithOverrides("c", runtime.Options{Ramp: 30 * time.Second, CoolDownMax: time.Hour}),
	)
	got := b.Circuit("c", runtime.Options{SlowRate: 0.8, HalfOpenProbes: 3, Ramp: 10 * time.Second}).Options()
	assert.Equal(t, 2*time.Second, got.SlowCall, "from the defaults")
	assert.Equal(t, 0.8, got.SlowRate, "from the code")
	assert.Equal(t, 3, got.HalfOpenProbes, "the code over the defaults")
	assert.Equal(t, 30*time.Second, got.Ramp, "the overrides over the code")
	assert.Equal(t, time.Hour, got.CoolDownMax, "from the overrides")
	adaptive := runtime.MustNew(runtime.WithDefaults(runtime.Options{Mode: runtime.ModeAdaptive, K: 1.5})).Circuit("a").Options()
	assert.Equal(t, runtime.ModeAdaptive, adaptive.Mode)
	assert.Equal(t, 1.5, adaptive.K)
}

// TestPolicyUnsupportedStorage checks that a storage that does not say it
// applies a policy refuses a circuit that sets it, naming the policy, and
// runs classic circuits as before.
func TestPolicyUnsupportedStorage(t *testing.T) {
	classicOnly := struct{ storage.Storage }{storage.NewMemory()} // hides PolicySupport
	chain, err := storage.FallbackChain(storage.NewMemory())      // a wrapper that does not implement it
	require.NoError(t, err)
	for _, s := range []storage.Storage{classicOnly, chain} {
		b := runtime.MustNew(runtime.WithStorage(s))
		for name, o := range map[string]runtime.Options{
			"SlowCall":       {SlowCall: time.Second},
			"CoolDownMax":    {CoolDownMax: time.Hour},
			"Ramp":           {Ramp: time.Minute},
			"HalfOpenProbes": {HalfOpenProbes: 2},
			"Mode":           {Mode: runtime.ModeAdaptive},
		} {
			_, err := b.Register("x-"+name, o)
			require.ErrorIs(t, err, runtime.ErrInvalid, name)
			assert.ErrorContains(t, err, "does not apply "+name, name)
			assert.ErrorContains(t, err, "storage.PolicySupport", name)
		}
		_, err := b.Register("classic", runtime.Options{HalfOpenProbes: 1})
		assert.NoError(t, err, "a classic circuit (one probe is the classic policy)")
	}
}

// TestPolicyNullStorage checks that the null storage takes every policy: it
// keeps no state, so under every policy every call of an unlocked circuit
// runs.
func TestPolicyNullStorage(t *testing.T) {
	b := runtime.MustNew(runtime.WithStorage(storage.NewNull()))
	for _, o := range []runtime.Options{{SlowCall: time.Second, Ramp: time.Minute, HalfOpenProbes: 3, CoolDownMax: time.Hour}, {Mode: runtime.ModeAdaptive}} {
		c, err := b.Register(fmt.Sprint(o.Mode), o)
		require.NoError(t, err)
		for range 10 {
			assert.ErrorIs(t, c.Run(context.Background(), func(context.Context) error { return errBoom }), errBoom)
		}
	}
}

// remote is a Memory that says it can fail, as a network backend does, so
// the runtime wraps it in its fault-tolerant wrapper.
type remote struct{ *storage.Memory }

func (remote) FaultTolerant() bool { return false }

// TestPolicyWrappedStorage checks that the runtime's fault-tolerant wrapper
// passes CoolDownMax, HalfOpenProbes and Ramp through to a backend that
// applies them, and refuses the policies it does not pass through (slow
// calls, adaptive mode), naming both.
func TestPolicyWrappedStorage(t *testing.T) {
	b := runtime.MustNew(runtime.WithStorage(remote{storage.NewMemory()}))
	_, err := b.Register("x", runtime.Options{SlowCall: time.Second})
	assert.ErrorIs(t, err, runtime.ErrInvalid)
	assert.ErrorContains(t, err, "does not apply SlowCall")
	assert.ErrorContains(t, err, "the fault-tolerant wrapper of runtime_test.remote")
	c, err := b.Register("recovery", runtime.Options{CoolDown: time.Second, CoolDownMax: time.Minute, Ramp: time.Minute,
		HalfOpenProbes: 3})
	require.NoError(t, err, "CoolDownMax, HalfOpenProbes and Ramp through the wrapper")
	assert.Equal(t, 3, c.Options().HalfOpenProbes)
	assert.Equal(t, time.Minute, c.Options().CoolDownMax)
	assert.Equal(t, time.Minute, c.Options().Ramp)
}

// gateless applies every policy but its handles lack storage.Gate.
type gateless struct{ *storage.Memory }

func (s gateless) Bind(name string, p storage.Policy) (storage.Handle, error) {
	h, err := s.Memory.Bind(name, p)
	return struct{ storage.Handle }{h}, err
}

// TestPolicyNeedsGate checks that a storage claiming a policy that decides
// each call, whose handle cannot decide it, is refused.
func TestPolicyNeedsGate(t *testing.T) {
	b := runtime.MustNew(runtime.WithStorage(gateless{storage.NewMemory()}))
	for _, o := range []runtime.Options{{SlowCall: time.Second}, {Ramp: time.Second}, {Mode: runtime.ModeAdaptive}} {
		_, err := b.Register("x", o)
		require.ErrorIs(t, err, runtime.ErrInvalid)
		assert.ErrorContains(t, err, "storage.Gate")
	}
	_, err := b.Register("probes", runtime.Options{HalfOpenProbes: 3, CoolDownMax: time.Hour})
	assert.NoError(t, err, "probes and backoff need no gate")
}

package gen

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

// The built-in defaults the generator checks a directive's options against:
// the runtime's, as runtime.Options documents them, which hold unless
// WithDefaults changes them.
const (
	defaultCoolDown = 5 * time.Minute
	defaultWindow   = time.Minute
)

// policy interprets one key of the policies beyond Faulty's: slow=,
// slowrate=, cooldownmax=, ramp=, probes=, mode= and k=.
func (r *resolver) policy(a *annotation, arg directiveArg) {
	switch arg.key {
	case keySlow, keyCoolDownMax, keyRamp:
		r.policyDuration(a, arg)
	case keySlowRate, keyK:
		f, err := strconv.ParseFloat(arg.value, 64)
		hi := 1.0
		if arg.key == keyK {
			hi = storage.MaxK
		}
		if err != nil || math.IsNaN(f) || f <= 0 || f > hi {
			r.probs.addf(arg.valuePos, ErrValue, "%s: %q is not a number in (0, %v]", arg.key, arg.value, hi)
			return
		}
		if arg.key == keySlowRate {
			a.opts.slowRate, a.opts.set = f, a.opts.set|bitSlowRate
		} else {
			a.opts.k, a.opts.set = f, a.opts.set|bitK
		}
	case keyProbes:
		n, err := strconv.Atoi(arg.value)
		if err != nil || n < 1 || n > storage.MaxHalfOpenProbes {
			r.probs.addf(arg.valuePos, ErrValue, "probes: %q is not an integer in [1, %d]", arg.value, storage.MaxHalfOpenProbes)
			return
		}
		a.opts.probes, a.opts.set = n, a.opts.set|bitProbes
	case keyMode:
		switch arg.value {
		case storage.ModeClassic.String():
			a.opts.mode = storage.ModeClassic
		case storage.ModeAdaptive.String():
			a.opts.mode = storage.ModeAdaptive
		default:
			r.probs.addf(arg.valuePos, ErrValue, "mode: %q is neither classic nor adaptive", arg.value)
			return
		}
		a.opts.set |= bitMode
	}
}

// policyDuration interprets slow=, cooldownmax= or ramp=, within the
// storage's bounds.
func (r *resolver) policyDuration(a *annotation, arg directiveArg) {
	d, err := time.ParseDuration(arg.value)
	if err != nil {
		r.probs.addf(arg.valuePos, ErrValue, "%s: %q is not a duration (examples: 2s, 30s, 5m)", arg.key, arg.value)
		return
	}
	lo, hi := storage.MinSlowCall, storage.MaxWindow
	switch arg.key {
	case keyCoolDownMax:
		lo, hi = storage.MinCoolDown, storage.MaxCoolDown
	case keyRamp:
		lo, hi = storage.MinRamp, storage.MaxRamp
	}
	if d < lo || d > hi {
		r.probs.addf(arg.valuePos, ErrValue, "%s: %s is outside [%s, %s]", arg.key, arg.value, shortDuration(lo), shortDuration(hi))
		return
	}
	switch arg.key {
	case keySlow:
		a.opts.slow, a.opts.set = d, a.opts.set|bitSlow
	case keyCoolDownMax:
		a.opts.coolDownMax, a.opts.set = d, a.opts.set|bitCoolDownMax
	default:
		a.opts.ramp, a.opts.set = d, a.opts.set|bitRamp
	}
}

// mismatch is a policy option that does not go with the others: the key to
// blame and its bit, the key it does not go with (if one) and its bit, and
// why.
type mismatch struct {
	key     string
	bit     optionBits
	with    string
	withBit optionBits
	reason  string
}

// mismatches returns the policy options of o that do not go with the others
// over the built-in defaults, as runtime.Breaker.Register would refuse them,
// in the order the runtime checks them.
func (o circuitOpts) mismatches() []mismatch {
	window, coolDown := defaultWindow, defaultCoolDown
	if o.set&bitWindow != 0 {
		window = o.window
	}
	if o.set&bitCoolDown != 0 {
		coolDown = o.coolDown
	}
	var out []mismatch
	add := func(m mismatch, format string, args ...any) {
		m.reason = fmt.Sprintf(format, args...)
		out = append(out, m)
	}
	set := o.set
	if set&bitSlow != 0 && o.slow >= window {
		add(mismatch{key: keySlow, bit: bitSlow, with: keyWindow, withBit: bitWindow},
			"slow=%s is not shorter than the evaluation window (window=%s)", shortDuration(o.slow), shortDuration(window))
		set &^= bitSlow
	}
	if set&bitSlowRate != 0 && set&bitSlow == 0 {
		add(mismatch{key: keySlowRate, bit: bitSlowRate}, "slowrate= needs slow= (the duration past which a call is slow)")
	}
	if set&bitCoolDownMax != 0 && o.coolDownMax < coolDown {
		add(mismatch{key: keyCoolDownMax, bit: bitCoolDownMax, with: keyCoolDown, withBit: bitCoolDown},
			"cooldownmax=%s is below the cool-down (cooldown=%s)", shortDuration(o.coolDownMax), shortDuration(coolDown))
	}
	adaptive := set&bitMode != 0 && o.mode == storage.ModeAdaptive
	if set&bitK != 0 && !adaptive {
		add(mismatch{key: keyK, bit: bitK, with: keyMode, withBit: bitMode}, "k= applies to mode=adaptive")
	}
	for _, c := range []struct {
		key string
		bit optionBits
		on  bool
	}{
		{keySlow, bitSlow, true}, {keyCoolDownMax, bitCoolDownMax, true}, {keyRamp, bitRamp, true}, {keyProbes, bitProbes, o.probes > 1},
	} {
		if adaptive && set&c.bit != 0 && c.on {
			add(mismatch{key: c.key, bit: c.bit, with: keyMode, withBit: bitMode},
				"%s= does not go with mode=adaptive, which never opens the circuit", c.key)
		}
	}
	return out
}

// checkPolicies reports the policy options of a that do not go with the
// others once laid over inherited (a method's interface's options, none for
// an interface), at a key of a, and drops that key from a. A mismatch of
// inherited options alone was reported where they were given.
func (r *resolver) checkPolicies(a *annotation, inherited circuitOpts) {
	for _, m := range a.opts.over(inherited).mismatches() {
		key, bit := m.key, m.bit
		if a.opts.set&bit == 0 {
			key, bit = m.with, m.withBit
		}
		if bit == 0 || a.opts.set&bit == 0 {
			continue
		}
		r.probs.addf(a.keyAt[key], ErrValue, "%s", m.reason)
		a.opts.set &^= bit
	}
	a.opts.policies = a.opts.policies.over(policies{}, a.opts.set)
}

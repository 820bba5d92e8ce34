package gen

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

// optionBits records which option keys a directive gave.
type optionBits uint16

const (
	bitCoolDown optionBits = 1 << iota
	bitWindow
	bitRate
	bitSamples
	bitExclude
	bitSuccess
	bitSlow
	bitSlowRate
	bitCoolDownMax
	bitRamp
	bitProbes
	bitMode
	bitK
)

// circuitOpts are the runtime.Options a directive gives a circuit.
type circuitOpts struct {
	set      optionBits
	coolDown time.Duration
	window   time.Duration
	rate     float64
	samples  int
	exclude  []errorRef
	success  []errorRef
	policies
}

// policies are the options of the policies beyond Faulty's.
type policies struct {
	slow        time.Duration
	slowRate    float64
	coolDownMax time.Duration
	ramp        time.Duration
	probes      int
	mode        storage.Mode
	k           float64
}

// equal reports whether o and p give the same options.
func (o circuitOpts) equal(p circuitOpts) bool {
	return o.set == p.set && o.coolDown == p.coolDown && o.window == p.window &&
		o.rate == p.rate && o.samples == p.samples && o.policies == p.policies &&
		slices.Equal(o.exclude, p.exclude) && slices.Equal(o.success, p.success)
}

// over returns base with every option top sets laid over it, field by field:
// a method's options over its interface's.
func (top circuitOpts) over(base circuitOpts) circuitOpts {
	out := base
	out.set |= top.set
	if top.set&bitCoolDown != 0 {
		out.coolDown = top.coolDown
	}
	if top.set&bitWindow != 0 {
		out.window = top.window
	}
	if top.set&bitRate != 0 {
		out.rate = top.rate
	}
	if top.set&bitSamples != 0 {
		out.samples = top.samples
	}
	if top.set&bitExclude != 0 {
		out.exclude = top.exclude
	}
	if top.set&bitSuccess != 0 {
		out.success = top.success
	}
	out.policies = top.policies.over(base.policies, top.set)
	return out
}

// over returns base with the policy options set in set laid over it.
func (top policies) over(base policies, set optionBits) policies {
	out := base
	if set&bitSlow != 0 {
		out.slow = top.slow
	}
	if set&bitSlowRate != 0 {
		out.slowRate = top.slowRate
	}
	if set&bitCoolDownMax != 0 {
		out.coolDownMax = top.coolDownMax
	}
	if set&bitRamp != 0 {
		out.ramp = top.ramp
	}
	if set&bitProbes != 0 {
		out.probes = top.probes
	}
	if set&bitMode != 0 {
		out.mode = top.mode
	}
	if set&bitK != 0 {
		out.k = top.k
	}
	return out
}

// String renders o as directive words, for messages.
func (o circuitOpts) String() string {
	var words []string
	if o.set&bitCoolDown != 0 {
		words = append(words, keyCoolDown+"="+shortDuration(o.coolDown))
	}
	if o.set&bitWindow != 0 {
		words = append(words, keyWindow+"="+shortDuration(o.window))
	}
	if o.set&bitRate != 0 {
		words = append(words, keyRate+"="+strconv.FormatFloat(o.rate, 'g', -1, 64))
	}
	if o.set&bitSamples != 0 {
		words = append(words, keySamples+"="+strconv.Itoa(o.samples))
	}
	words = append(words, o.policyWords()...)
	refs := func(key string, rs []errorRef) {
		names := make([]string, len(rs))
		for i, r := range rs {
			names[i] = r.String()
		}
		words = append(words, key+"="+strings.Join(names, ","))
	}
	if o.set&bitExclude != 0 {
		refs(keyExclude, o.exclude)
	}
	if o.set&bitSuccess != 0 {
		refs(keySuccess, o.success)
	}
	if len(words) == 0 {
		return "no options"
	}
	return strings.Join(words, " ")
}

// shortDuration renders d without zero trailing units: 2m rather than 2m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// policyWords renders the policy options of o as directive words.
func (o circuitOpts) policyWords() []string {
	var words []string
	float := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	for _, w := range []struct {
		bit   optionBits
		key   string
		value func() string
	}{
		{bitSlow, keySlow, func() string { return shortDuration(o.slow) }},
		{bitSlowRate, keySlowRate, func() string { return float(o.slowRate) }},
		{bitCoolDownMax, keyCoolDownMax, func() string { return shortDuration(o.coolDownMax) }},
		{bitRamp, keyRamp, func() string { return shortDuration(o.ramp) }},
		{bitProbes, keyProbes, func() string { return strconv.Itoa(o.probes) }},
		{bitMode, keyMode, func() string { return o.mode.String() }},
		{bitK, keyK, func() string { return float(o.k) }},
	} {
		if o.set&w.bit != 0 {
			words = append(words, w.key+"="+w.value())
		}
	}
	return words
}

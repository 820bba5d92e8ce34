package prombreaker

import (
	"github.com/breakergen/breakergen/circuitstats"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/prometheus/client_golang/prometheus"
)

// Help texts of the metrics.
const (
	helpCalls = "Calls through the circuit, by outcome: success, failure, excluded " +
		"(an excluded error or the caller's own cancellation, not recorded) and skipped " +
		"(refused by an open, reserved or locked-open circuit); each call has one outcome."
	helpFallbacks   = "Skipped calls that a generated decorator's fallback answered (also counted as skipped in calls_total)."
	helpTransitions = "Transitions of the circuit: to opened (a closed circuit failed its threshold), reopened (a probe failed) or closed (a probe succeeded), " +
		"by scope: fleet (the storage's shared state) or process (this process's own verdict: a local opening, or a process cut off from its storage); " +
		"transitions learnt from other processes included."
	helpLockChanges     = "Operator lock changes of the circuit, by the lock set: open, closed, or none (unlocked); changes learnt from other processes included."
	helpProbes          = "Probes granted: calls let through a half-open circuit to test the dependency."
	helpOpen            = "1 when the circuit is open or half-open, 0 when closed; read at scrape time."
	helpLocal           = "1 when the verdict in force is this process's own (a local opening, or a process cut off from its storage deciding alone), 0 when the fleet's; read at scrape time."
	helpFailureRate     = "Failures divided by samples within the circuit's evaluation window (0 with no samples); read at scrape time."
	helpSamples         = "Outcomes counted within the circuit's evaluation window; read at scrape time."
	helpLocked          = "1 for the operator's lock in force on the circuit (lock=\"open\": every call skipped; lock=\"closed\": every call runs), else 0."
	helpStorageFailures = "Storage failures the breaker survived by failing open (including those whose events were rate-limited)."
)

// descs are the collector's metric descriptions.
type descs struct {
	calls, fallbacks, transitions, lockChanges, probes, open, local, failureRate, samples, locked, storageFailures *prometheus.Desc
}

func newDescs(ns string, labels prometheus.Labels) (descs, error) {
	name := func(n string) string { return prometheus.BuildFQName(ns, "", n) }
	d := descs{
		calls:           prometheus.NewDesc(name("calls_total"), helpCalls, []string{"circuit", "outcome"}, labels),
		fallbacks:       prometheus.NewDesc(name("fallbacks_total"), helpFallbacks, []string{"circuit"}, labels),
		transitions:     prometheus.NewDesc(name("transitions_total"), helpTransitions, []string{"circuit", "to", "scope"}, labels),
		lockChanges:     prometheus.NewDesc(name("lock_changes_total"), helpLockChanges, []string{"circuit", "lock"}, labels),
		probes:          prometheus.NewDesc(name("probes_total"), helpProbes, []string{"circuit"}, labels),
		open:            prometheus.NewDesc(name("circuit_open"), helpOpen, []string{"circuit"}, labels),
		local:           prometheus.NewDesc(name("circuit_local"), helpLocal, []string{"circuit"}, labels),
		failureRate:     prometheus.NewDesc(name("failure_rate"), helpFailureRate, []string{"circuit"}, labels),
		samples:         prometheus.NewDesc(name("window_samples"), helpSamples, []string{"circuit"}, labels),
		locked:          prometheus.NewDesc(name("circuit_locked"), helpLocked, []string{"circuit", "lock"}, labels),
		storageFailures: prometheus.NewDesc(name("storage_failures_total"), helpStorageFailures, nil, labels),
	}
	var err error
	d.each(func(x *prometheus.Desc) {
		if err == nil {
			err = x.Err() // the descriptions fail alike: report the first
		}
	})
	if err != nil {
		return descs{}, err
	}
	return d, nil
}

func (d *descs) each(fn func(*prometheus.Desc)) {
	for _, x := range []*prometheus.Desc{
		d.calls, d.fallbacks, d.transitions, d.lockChanges, d.probes,
		d.open, d.local, d.failureRate, d.samples, d.locked, d.storageFailures,
	} {
		fn(x)
	}
}

func (d *descs) describe(ch chan<- *prometheus.Desc) { d.each(func(x *prometheus.Desc) { ch <- x }) }

// collect sends the metrics of one circuit: its counts when they were
// counted, its gauges when its status was read.
func (d *descs) collect(ch chan<- prometheus.Metric, name string, ci circuitstats.Circuit) {
	send := func(desc *prometheus.Desc, t prometheus.ValueType, v float64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(desc, t, v, append([]string{name}, lv...)...)
	}
	if ci.Counted {
		for i, o := range circuitstats.Outcomes {
			send(d.calls, prometheus.CounterValue, float64(ci.Calls[i]), o.String())
		}
		send(d.fallbacks, prometheus.CounterValue, float64(ci.Fallbacks))
		for i, t := range circuitstats.Transitions {
			for j, sc := range circuitstats.Scopes {
				send(d.transitions, prometheus.CounterValue, float64(ci.Transitions[i][j]), t.String(), sc.String())
			}
		}
		for i, l := range circuitstats.Locks {
			send(d.lockChanges, prometheus.CounterValue, float64(ci.LockChanges[i]), l.String())
		}
		send(d.probes, prometheus.CounterValue, float64(ci.Probes))
	}
	if !ci.HasStatus {
		return
	}
	st := ci.Status
	send(d.open, prometheus.GaugeValue, boolValue(!st.Closed()))
	send(d.local, prometheus.GaugeValue, boolValue(st.Scope == storage.ScopeProcess))
	send(d.failureRate, prometheus.GaugeValue, st.FailureRate)
	send(d.samples, prometheus.GaugeValue, float64(st.SampleSize))
	send(d.locked, prometheus.GaugeValue, boolValue(st.Lock == runtime.LockOpen), "open")
	send(d.locked, prometheus.GaugeValue, boolValue(st.Lock == runtime.LockClosed), "closed")
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

package storagetest

import (
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/require"
)

// policyCases check the policies beyond the classic ones. Each case skips
// unless the storage says it applies its policy (storage.CheckPolicy), so a
// backend opts in to a case by implementing storage.PolicySupport, and from
// then on must pass it.
var policyCases = []testCase{
	{"SlowOutcomes", testSlowOutcomes},
	{"SlowProbeFails", testSlowProbeFails},
	{"HungCallsOpen", testHungCallsOpen},
	{"HungAfterHealthyHistory", testHungAfterHealthyHistory},
	{"FinishedCallsNeverHang", testFinishedCallsNeverHang},
	{"AbandonedCallsNeverHang", testAbandonedCallsNeverHang},
	{"BackoffDoubles", testBackoffDoubles},
	{"BackoffJitters", testBackoffJitters},
	{"BackoffResetsOnClose", testBackoffResetsOnClose},
	{"RampAdmitsTheSchedule", testRampAdmitsTheSchedule},
	{"RampFailureReopens", testRampFailureReopens},
	{"SeveralProbes", testSeveralProbes},
	{"SeveralProbesFailure", testSeveralProbesFailure},
	{"SeveralProbesRelease", testSeveralProbesRelease},
	{"AdaptiveNeverOpens", testAdaptiveNeverOpens},
	{"AdaptiveRejects", testAdaptiveRejects},
	{"AdaptiveHealthy", testAdaptiveHealthy},
	{"AdaptiveAbandoned", testAdaptiveAbandoned},
}

// RunPolicies runs the cases of the policies beyond the classic ones (slow
// calls, backoff, ramps, several probes, adaptive mode); Run runs them too
// when Harness.Policies is set. Each case skips unless the storage applies
// its policy (it implements storage.PolicySupport and accepts the policy),
// so a backend that applies only some opts in safely.
func RunPolicies(t *testing.T, h Harness) {
	t.Helper()
	run(t, h, policyCases)
}

// bucketMax is the longest bucket a backend may cut window into: the window
// in eight (memory storage cuts it in 8 to 16 power-of-two buckets).
const bucketMax = window / 8

var (
	slowPolicy     = withPolicy(func(p *storage.Policy) { p.SlowCall, p.SlowRate = 5*time.Second, 0.5 })
	backoffPolicy  = withPolicy(func(p *storage.Policy) { p.CoolDownMax = 8 * coolDown })
	rampPolicy     = withPolicy(func(p *storage.Policy) { p.Ramp = window })
	probesPolicy   = withPolicy(func(p *storage.Policy) { p.HalfOpenProbes = 3 })
	adaptivePolicy = withPolicy(func(p *storage.Policy) { p.Mode, p.K = storage.ModeAdaptive, 2 })
)

// withPolicy returns the standard policy changed by set.
func withPolicy(set func(p *storage.Policy)) storage.Policy {
	p := standard
	set(&p)
	return p
}

// supports skips the case unless the storage applies p.
func (e *env) supports(p storage.Policy) {
	e.t.Helper()
	if err := storage.CheckPolicy(e.s, p); err != nil {
		e.t.Skipf("the storage does not apply the policy: %v", err)
	}
}

// gate returns the handle of name bound with p as a storage.Gate.
func (e *env) gate(name string, p storage.Policy) storage.Gate {
	e.t.Helper()
	h := e.handle(name, p)
	g, ok := h.(storage.Gate)
	require.True(e.t, ok, "the handle %T of a policy that decides each call does not implement storage.Gate", h)
	return g
}

// admitAt asks the gate of name about n calls starting now and returns how
// many it let run and how many it rejected.
func (e *env) admitAt(name string, p storage.Policy, n int) (run, rejected int) {
	e.t.Helper()
	g := e.gate(name, p)
	for range n {
		switch g.AdmitAt(e.now.UnixNano()).Verdict {
		case storage.AdmitRun, storage.AdmitTrack:
			run++
		case storage.AdmitReject:
			rejected++
		}
	}
	return run, rejected
}

// tripWith opens name, bound with p, with failures and returns its OpenedAt.
func (e *env) tripWith(name string, p storage.Policy) time.Time {
	e.t.Helper()
	ts := e.recordN(name, p, failure, p.SampleThreshold)
	require.Equal(e.t, []storage.Transition{storage.TransitionOpened}, ts, "%d failures of %q", p.SampleThreshold, name)
	return e.status(name, p).OpenedAt
}

// probe reserves a probe of name against its current status, as the
// runtime does once the cool-down is over, and records its outcome o.
func (e *env) probe(name string, p storage.Policy, o storage.Outcome) storage.Result {
	e.t.Helper()
	st := e.status(name, p)
	require.Equal(e.t, storage.StateOpen, st.State, "probing %q", name)
	_, ok := e.reserve(name, p, st.OpenedAt, st.ReservedAt)
	require.True(e.t, ok, "Reserve(%q) against the current status %+v", name, st)
	o.Probe, o.OpenedAt = true, st.OpenedAt
	return e.record(name, p, o)
}

// coolDownOf returns the cool-down of st's open period under p.
func coolDownOf(st storage.Status, p storage.Policy) time.Duration {
	if st.CoolDown != 0 {
		return st.CoolDown
	}
	return p.CoolDown
}

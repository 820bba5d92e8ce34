package storage

import (
	"fmt"
	"slices"
	"strings"
)

// PolicySupport is implemented by storages that apply some of the policies
// beyond the classic ones (Policy.SlowCall, CoolDownMax, Ramp, HalfOpenProbes,
// Mode). The runtime asks it, through CheckPolicy, before it binds a circuit
// whose policy sets one, and refuses the circuit when the storage does not
// apply it: a policy is never silently ignored.
//
// A backend supports a policy when its handles apply it as Memory's do and
// storagetest.RunPolicies says so: SlowCall counts Outcome.Slow and calls in
// flight past SlowCall (Gate.AdmitAt counts each start) and opens on
// Policy.SlowFails; CoolDownMax backs the cool-down off on each failed probe
// (Status.CoolDown); Ramp admits a growing share after a close (Gate.AdmitAt,
// Status.ClosedAt); HalfOpenProbes lets that many reservations stand in one
// open period (Status.Probes, Passed); ModeAdaptive rejects with Google SRE's
// probability (Gate.AdmitAt, Status.Requests, Rejected) and never opens on
// failures.
type PolicySupport interface {
	// SupportsPolicy returns nil when the storage applies every field p sets,
	// else an error wrapping ErrInvalid naming the first it does not (see
	// Policy.Unsupported).
	SupportsPolicy(p Policy) error
}

// Gate is an optional interface of a Handle for the policies that decide each
// call with the clock: SlowCall (a call in flight is counted from its start),
// Ramp (a share of the calls is admitted) and ModeAdaptive (each call counts
// as requested, and may be rejected). When a circuit's policy sets one of
// them the runtime requires its handle to implement Gate, and calls AdmitAt,
// with the clock read once, instead of HotPath.Admit on every call.
//
// Implementations are safe for concurrent use and never block.
type Gate interface {
	HotPath
	// AdmitAt decides a call that starts at now (Unix nanoseconds of the
	// caller's clock), as Admit does, and more: it returns AdmitReject for a
	// call a ramp or adaptive mode refuses; it counts a call it lets run as
	// requested (ModeAdaptive); and it may track the call while it is in
	// flight (SlowCall), returning AdmitTrack, so that calls hung past
	// SlowCall count as slow. A handle tracks at least the first call of
	// each millisecond, and may track only those (as Memory does, so the
	// other calls pay nothing), which makes Status.Hung a lower bound. A
	// transition AdmitAt makes (hung calls opening the circuit) is told with
	// AdmitOpened.
	AdmitAt(now int64) Admission
	// Ended counts the end, at now, of a call AdmitAt tracked, whatever its
	// outcome: it is no longer in flight.
	Ended(now int64)
	// Abandoned counts the end, at now, of a call AdmitAt let run whose
	// outcome is not recorded (an excluded error, the caller's own
	// cancellation): it is no longer requested.
	Abandoned(now int64)
}

// CheckPolicy reports whether s applies every field p sets: nil for a classic
// policy, else what s's PolicySupport says, and an error wrapping ErrInvalid
// naming the first field set when s does not implement PolicySupport. A
// wrapper storage (FaultTolerant, FallbackChain) applies what
// it wraps only once it implements PolicySupport itself.
func CheckPolicy(s Storage, p Policy) error {
	if ps, ok := s.(PolicySupport); ok {
		return ps.SupportsPolicy(p)
	}
	if set := p.Unsupported(); set != "" {
		return fmt.Errorf("%w: the storage %T does not apply %s (it does not implement storage.PolicySupport)", ErrInvalid, s, set)
	}
	return nil
}

// Unsupported returns the names of the fields beyond the classic ones that p
// sets and that are not among supported, comma-separated, "" when none is:
// what a PolicySupport that applies supported refuses.
func (p Policy) Unsupported(supported ...string) string {
	set := []struct {
		name string
		on   bool
	}{
		{"SlowCall", p.SlowCall != 0}, {"SlowRate", p.SlowRate != 0},
		{"CoolDownMax", p.CoolDownMax != 0}, {"Ramp", p.Ramp != 0},
		{"HalfOpenProbes", p.HalfOpenProbes > 1},
		{"Mode", p.Mode != ModeClassic}, {"K", p.K != 0},
	}
	var out []string
	for _, f := range set {
		if f.on && !slices.Contains(supported, f.name) {
			out = append(out, f.name)
		}
	}
	return strings.Join(out, ", ")
}

// NeedsGate reports whether p sets a policy that decides each call with the
// clock, for which a handle implements Gate: SlowCall, Ramp or ModeAdaptive.
func (p Policy) NeedsGate() bool {
	return p.SlowCall != 0 || p.Ramp != 0 || p.Mode == ModeAdaptive
}

package engine

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

// This file holds the conversions of Go values to the scripts' arguments:
// times as Unix microseconds, TTLs as milliseconds, flags as 0 or 1.

// window returns the bucket width in microseconds and the bucket count for p,
// whose EvaluationWindow Policy.Validate keeps at 1ms or more: at most 1000
// buckets, so a bucket is at least a microsecond wide.
func (s *Engine) window(p storage.Policy) (width int64, n int) {
	n = s.cfg.Buckets
	return max(p.EvaluationWindow.Microseconds()/int64(n), 1), n
}

// stateTTL is the state key's TTL in milliseconds: StateTTL plus CoolDown.
func (s *Engine) stateTTL(p storage.Policy) int64 {
	d := s.cfg.StateTTL + max(p.CoolDown, p.CoolDownMax, 0)
	if d < s.cfg.StateTTL { // overflow
		return maxTTL
	}
	return ttlMillis(d)
}

// windowTTL is the window key's TTL in milliseconds: the window plus one bucket.
func windowTTL(width int64, n int) int64 {
	us := width * int64(n+1)
	if us/int64(n+1) != width {
		return maxTTL
	}
	return ttlMillis(time.Duration(min(us, math.MaxInt64/1000)) * time.Microsecond)
}

// maxTTL caps every TTL, in milliseconds: about a hundred years, far from the
// overflow Redis rejects.
const maxTTL = 100 * 365 * 24 * 3600 * 1000

// ttlMillis rounds d up to whole milliseconds, 0 for none, at most maxTTL.
func ttlMillis(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	ms := int64(d / time.Millisecond)
	if d%time.Millisecond != 0 {
		ms++
	}
	return min(ms, maxTTL)
}

// newToken returns a token unique, with overwhelming probability, across every
// process of a fleet: 64 random bits. A store's process id is one, and so is
// every reservation's.
func newToken() string { return strconv.FormatUint(rand.Uint64(), 36) }

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// micros returns t in Unix microseconds, 0 for the zero time.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// fromMicros is the inverse of micros.
func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us)
}

package engine

import (
	"fmt"
	"sort"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

// ints checks that a script's reply is an array of n integers (at least n when
// n is negative: -n) and returns them.
func ints(v any, n int) ([]int64, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: reply %T, want an array", storage.ErrCorrupt, v)
	}
	if (n >= 0 && len(a) != n) || (n < 0 && len(a) < -n) {
		return nil, fmt.Errorf("%w: reply of %d values", storage.ErrCorrupt, len(a))
	}
	out := make([]int64, len(a))
	for i, x := range a {
		k, ok := x.(int64)
		if !ok {
			return nil, fmt.Errorf("%w: reply value %d is %T", storage.ErrCorrupt, i, x)
		}
		out[i] = k
	}
	return out, nil
}

// answer is the reply of a script that reads or changes a circuit's status:
// the result, and the other processes of the fleet that voted to open it and
// that reported outcomes within the window.
type answer struct {
	res               storage.Result
	voters, reporters int
	// present is what Redis held of the circuit's state: presentState for the
	// state hash, plus presentLock for the lock key (or its tombstone).
	present int
}

// The bits of answer.present.
const (
	presentState = 1
	presentLock  = 2
)

// maxCoolMicros is the longest cool-down a reply may carry, in microseconds:
// storage.MaxCoolDown, which bounds CoolDownMax.
const maxCoolMicros = int64(storage.MaxCoolDown / time.Microsecond)

// decodeAnswer decodes {transition, state, lock, opened, reserved, failures,
// samples, now, voters, reporters, present, cool, ramp, probes, passed}. A
// negative time or count, more failures than samples, a present outside 0 to
// 3, a cool-down beyond MaxCoolDown or probes beyond MaxHalfOpenProbes is
// corrupt.
func decodeAnswer(v any) (answer, error) {
	a, err := ints(v, 15)
	if err != nil {
		return answer{}, err
	}
	if a[0] < 0 || a[0] > int64(storage.TransitionClosed) || a[1] < 0 || a[1] > 1 ||
		a[2] < 0 || a[2] > int64(storage.LockClosed) || a[3] < 0 || a[4] < 0 || a[5] < 0 || a[6] < a[5] || a[7] < 0 ||
		a[8] < 0 || a[9] < 0 || a[10] < 0 || a[10] > presentState+presentLock || a[11] < 0 || a[11] > maxCoolMicros || a[12] < 0 ||
		a[13] < 0 || a[13] > storage.MaxHalfOpenProbes || a[14] < 0 || a[14] > storage.MaxHalfOpenProbes {
		return answer{}, fmt.Errorf("%w: reply %v out of range", storage.ErrCorrupt, a)
	}
	return answer{
		res: storage.Result{
			Transition: storage.Transition(a[0]),
			Status: storage.Status{
				State:       storage.State(a[1]),
				Lock:        storage.Lock(a[2]),
				OpenedAt:    fromMicros(a[3]),
				ReservedAt:  fromMicros(a[4]),
				Failures:    int(a[5]),
				Samples:     int(a[6]),
				CurrentTime: fromMicros(a[7]),
				CoolDown:    time.Duration(a[11]) * time.Microsecond,
				ClosedAt:    fromMicros(a[12]),
				Probes:      int(a[13]),
				Passed:      int(a[14]),
			},
		},
		voters:    int(a[8]),
		reporters: int(a[9]),
		present:   int(a[10]),
	}, nil
}

// decodeHistory decodes {now, start, successes, failures, ...} into buckets,
// oldest first. A negative start or count is corrupt.
func decodeHistory(v any) ([]storage.Bucket, error) {
	a, err := ints(v, -1)
	if err != nil {
		return nil, err
	}
	if (len(a)-1)%3 != 0 {
		return nil, fmt.Errorf("%w: history reply of %d values", storage.ErrCorrupt, len(a))
	}
	out := make([]storage.Bucket, 0, (len(a)-1)/3)
	for i := 1; i < len(a); i += 3 {
		if a[i] < 0 || a[i+1] < 0 || a[i+2] < 0 {
			return nil, fmt.Errorf("%w: history bucket %v out of range", storage.ErrCorrupt, a[i:i+3])
		}
		out = append(out, storage.Bucket{Start: fromMicros(a[i]), Successes: int(a[i+1]), Failures: int(a[i+2])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// decodeInspection decodes {now, state, lock, opened, reserved, cool-down µs,
// voters, reporters, then width µs, buckets, failures, samples of each
// geometry} into the
// Inspection of the circuit name. Values no store writes are corrupt: a negative
// time or count, more failures than samples, a cool-down beyond
// storage.MaxCoolDown, a geometry of no buckets, more than MaxBuckets or a window
// beyond storage.MaxWindow. They would otherwise overflow the durations.
func decodeInspection(name string, v any) (Inspection, error) {
	a, err := ints(v, -8)
	if err != nil {
		return Inspection{}, err
	}
	if (len(a)-8)%4 != 0 {
		return Inspection{}, fmt.Errorf("%w: inspect reply of %d values", storage.ErrCorrupt, len(a))
	}
	if a[0] < 0 || a[1] < 0 || a[1] > 1 || a[2] < 0 || a[2] > int64(storage.LockClosed) || a[3] < 0 || a[4] < 0 ||
		a[5] < 0 || a[5] > storage.MaxCoolDown.Microseconds() || a[6] < 0 || a[7] < 0 {
		return Inspection{}, fmt.Errorf("%w: inspect reply %v out of range", storage.ErrCorrupt, a[:8])
	}
	in := Inspection{
		Name:        name,
		State:       storage.State(a[1]),
		Lock:        storage.Lock(a[2]),
		OpenedAt:    fromMicros(a[3]),
		ReservedAt:  fromMicros(a[4]),
		CoolDown:    time.Duration(a[5]) * time.Microsecond,
		CurrentTime: fromMicros(a[0]),
		Voting:      int(a[6]),
		Reporting:   int(a[7]),
	}
	for g := a[8:]; len(g) >= 4; g = g[4:] {
		width, n, failures, samples := g[0], g[1], g[2], g[3]
		if n < 1 || n > MaxBuckets || width < 1 || width > storage.MaxWindow.Microseconds()/n || failures < 0 || samples < failures {
			return Inspection{}, fmt.Errorf("%w: inspect geometry %v out of range", storage.ErrCorrupt, g[:4])
		}
		in.Windows = append(in.Windows, WindowCounts{
			Window:   time.Duration(width*n) * time.Microsecond,
			Buckets:  int(n),
			Failures: int(failures),
			Samples:  int(samples),
		})
	}
	return in, nil
}

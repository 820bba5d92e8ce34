package storage

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

const (
	// ringSize is the number of time buckets in a memory circuit's ring: a power of
	// two, so the bucket of an epoch is a mask away. The window uses between 8 and
	// 16 of them, depending on how EvaluationWindow divides into power-of-two
	// bucket widths.
	ringSize = 16
	// lanes is the number of counters each bucket spreads its counts over, so
	// goroutines on different cores rarely write the same cache line.
	lanes = 8
	// failureUnit is added to a lane's packed counts for a failure; successes count
	// in the low 32 bits, so one atomic add records either.
	failureUnit = 1 << 32
	cacheLine   = 64
)

// lane is one counter of a bucket, on a cache line of its own.
type lane struct {
	counts atomic.Uint64 // failures<<32 | successes
	_      [cacheLine - 8]byte
}

// bucket is one slice of the window.
type bucket struct {
	epoch atomic.Int64 // start of the bucket in units of the bucket width; -1 when empty
	_     [cacheLine - 8]byte
	lanes [lanes]lane
}

// window is a ring of time buckets with flat memory. Counting is lock-free; moving
// a bucket to a new epoch and clearing the ring take mu.
type window struct {
	shift atomic.Uint32 // log2 of the bucket width in nanoseconds
	span  atomic.Int64  // buckets that make up the evaluation window
	mu    sync.Mutex
	_     [cacheLine]byte // keep the hot counters off the lines read on every call
	ring  [ringSize]bucket
}

// geometry returns the power-of-two bucket width (as a shift) and the number of
// buckets that cover p's EvaluationWindow. The window so covered is at least
// EvaluationWindow and at most one bucket (1/8 of it) longer.
func geometry(p Policy) (shift uint32, span int64) {
	w := int64(p.EvaluationWindow)
	if w <= 0 {
		w = int64(time.Minute)
	}
	// The smallest power of two that is at least w/16, so span <= 16.
	shift = uint32(bits.Len64(uint64((w + ringSize - 1) / ringSize)))
	if per := int64(1) << (shift - 1); per*ringSize >= w && shift > 1 {
		shift--
	}
	width := int64(1) << shift
	span = (w + width - 1) / width
	return shift, span
}

// fit sets the ring geometry for p, clearing the ring when it changes.
func (w *window) fit(p Policy) {
	shift, span := geometry(p)
	if w.shift.Load() == shift && w.span.Load() == span {
		return
	}
	w.mu.Lock()
	if w.shift.Load() != shift || w.span.Load() != span {
		w.clearLocked()
		w.shift.Store(shift)
		w.span.Store(span)
	}
	w.mu.Unlock()
}

// laneOf picks a lane from the address of the caller's stack, so one goroutine
// keeps to one lane (and one core's cache). Goroutine stacks are carved out of
// neighbouring, power-of-two sized slots; folding the address bits that count
// slots of 2 KiB to 128 KiB gives neighbouring goroutines different lanes.
func laneOf() int {
	var marker byte
	a := uintptr(unsafe.Pointer(&marker))
	return int((a>>11 ^ a>>14 ^ a>>17) & (lanes - 1))
}

// add counts one outcome at now (Unix nanoseconds).
func (w *window) add(now int64, delta uint64) {
	e := now >> w.shift.Load()
	b := &w.ring[e&(ringSize-1)]
	if b.epoch.Load() != e {
		w.advance(b, e)
	}
	b.lanes[laneOf()].counts.Add(delta)
}

func (w *window) advance(b *bucket, e int64) {
	w.mu.Lock()
	if b.epoch.Load() < e {
		for i := range b.lanes {
			b.lanes[i].counts.Store(0)
		}
		b.epoch.Store(e)
	}
	w.mu.Unlock()
}

func (b *bucket) load() (successes, failures int) {
	for i := range b.lanes {
		c := b.lanes[i].counts.Load()
		successes += int(c & (failureUnit - 1))
		failures += int(c >> 32)
	}
	return successes, failures
}

// counts sums the buckets that lie within the window ending at now.
func (w *window) counts(now int64) (failures, samples int) {
	oldest := now>>w.shift.Load() - w.span.Load() + 1
	for i := range w.ring {
		b := &w.ring[i]
		if b.epoch.Load() < oldest {
			continue
		}
		s, f := b.load()
		failures += f
		samples += s + f
	}
	return failures, samples
}

// history returns the live buckets, oldest first.
func (w *window) history(now int64) []Bucket {
	shift := w.shift.Load()
	cur := now >> shift
	out := make([]Bucket, 0, ringSize)
	for e := cur - w.span.Load() + 1; e <= cur; e++ {
		b := &w.ring[e&(ringSize-1)]
		if b.epoch.Load() != e {
			continue
		}
		s, f := b.load()
		out = append(out, Bucket{Start: time.Unix(0, e<<shift), Successes: s, Failures: f})
	}
	return out
}

// latest returns the start of the newest bucket counted in, in Unix nanoseconds,
// or -1.
func (w *window) latest() int64 {
	newest := int64(-1)
	for i := range w.ring {
		if e := w.ring[i].epoch.Load(); e > newest {
			newest = e
		}
	}
	if newest < 0 {
		return -1
	}
	return newest << w.shift.Load()
}

func (w *window) clear() {
	w.mu.Lock()
	w.clearLocked()
	w.mu.Unlock()
}

func (w *window) clearLocked() {
	for i := range w.ring {
		w.ring[i].epoch.Store(-1)
		for j := range w.ring[i].lanes {
			w.ring[i].lanes[j].counts.Store(0)
		}
	}
}

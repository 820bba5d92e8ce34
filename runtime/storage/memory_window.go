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
	// lanes is the number of copies of the ring's counters, so goroutines on
	// different cores count in different cache lines.
	lanes = 8
	// failureUnit is added to a bucket's packed counts for a failure; successes
	// count in the low 32 bits, so one atomic add records either.
	failureUnit = 1 << 32
	// linePair is the span that one write makes a core own: a cache line and the
	// neighbour that processors prefetch with it.
	linePair = 128
)

// lane holds one copy of every bucket's counts (failures<<32 | successes). A
// goroutine counts in the lane it owns; the padding keeps lanes off each other's
// line pairs.
type lane struct {
	owner  atomic.Uintptr // the stack slot of the goroutine counting here; 0: free
	counts [ringSize]atomic.Uint64
	_      [linePair - 8]byte
}

// window is a ring of time buckets with flat memory (about 2.3 KiB). Counting is
// lock-free; moving a bucket to a new epoch and clearing the ring take mu.
type window struct {
	shift atomic.Uint32 // log2 of the bucket width in nanoseconds
	span  atomic.Int64  // buckets that make up the evaluation window
	mu    sync.Mutex
	// epochs holds each bucket's start in units of the bucket width, -1 when
	// empty. It is read on every call and written once per bucket width.
	epochs [ringSize]atomic.Int64
	_      [linePair]byte
	lanes  [lanes]lane
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
	if per := int64(1) << (shift - 1); shift > 0 && per*ringSize >= w {
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

// lane returns the lane of the calling goroutine. A goroutine is known by the
// slot of its stack (stacks are 2 KiB or more, so no two live goroutines share a
// slot). It starts from a lane spread from its slot and takes the first lane it
// already owns or finds free; with every lane owned by others it shares the
// first. Ownership is reset whenever a bucket moves to a new epoch, so the lanes
// of goroutines that have ended are soon free again.
func (w *window) lane() *lane {
	var marker byte
	slot := uintptr(unsafe.Pointer(&marker)) >> 11
	first := (slot + slot>>3 + slot>>6 + slot>>9) & (lanes - 1)
	if l := &w.lanes[first]; l.owner.Load() == slot {
		return l
	}
	return w.claim(slot, first)
}

func (w *window) claim(slot, first uintptr) *lane {
	for n := range uintptr(lanes) {
		l := &w.lanes[(first+n)&(lanes-1)]
		switch l.owner.Load() {
		case slot:
			return l
		case 0:
			if l.owner.CompareAndSwap(0, slot) {
				return l
			}
		}
	}
	return &w.lanes[first]
}

// add counts one outcome at now (Unix nanoseconds).
func (w *window) add(now int64, delta uint64) {
	e := now >> w.shift.Load()
	i := e & (ringSize - 1)
	if w.epochs[i].Load() != e {
		w.advance(i, e)
	}
	w.lane().counts[i].Add(delta)
}

func (w *window) advance(i, e int64) {
	w.mu.Lock()
	if w.epochs[i].Load() < e {
		for l := range w.lanes {
			w.lanes[l].counts[i].Store(0)
			w.lanes[l].owner.Store(0)
		}
		w.epochs[i].Store(e)
	}
	w.mu.Unlock()
}

// bucket sums bucket i over the lanes.
func (w *window) bucket(i int64) (successes, failures int) {
	for l := range w.lanes {
		c := w.lanes[l].counts[i].Load()
		successes += int(c & (failureUnit - 1))
		failures += int(c >> 32)
	}
	return successes, failures
}

// counts sums the buckets that lie within the window ending at now.
func (w *window) counts(now int64) (failures, samples int) {
	oldest := now>>w.shift.Load() - w.span.Load() + 1
	for i := range int64(ringSize) {
		if w.epochs[i].Load() < oldest {
			continue
		}
		s, f := w.bucket(i)
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
		i := e & (ringSize - 1)
		if w.epochs[i].Load() != e {
			continue
		}
		s, f := w.bucket(i)
		out = append(out, Bucket{Start: time.Unix(0, e<<shift), Successes: s, Failures: f})
	}
	return out
}

// latest returns the start of the newest bucket counted in, in Unix nanoseconds,
// or -1.
func (w *window) latest() int64 {
	newest := int64(-1)
	for i := range w.epochs {
		if e := w.epochs[i].Load(); e > newest {
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
	for i := range w.epochs {
		w.epochs[i].Store(-1)
	}
	for l := range w.lanes {
		w.lanes[l].owner.Store(0)
		for i := range w.lanes[l].counts {
			w.lanes[l].counts[i].Store(0)
		}
	}
}

package storage

import (
	"math/bits"
	goruntime "runtime"
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
	// maxLanes caps the lanes a window grows to under contention.
	maxLanes = 16
	// linePair is the span that one write makes a core own: a cache line and the
	// neighbour that processors prefetch with it.
	linePair = 128
)

// counters hold one lane's copy of every bucket's counts. A goroutine counts in
// the lane it owns, so goroutines on different cores write different cache
// lines. Counts are 64 bits each: no reachable number of calls overflows them.
type counters struct {
	successes [ringSize]atomic.Uint64
	failures  [ringSize]atomic.Uint64
	credit    atomic.Int64 // failures this lane may count without a threshold check (see credit.go)
}

// lane is an extra lane: its counters and owner, padded off other lanes' line
// pairs.
type lane struct {
	counters
	owner atomic.Uintptr // the stack slot of the goroutine counting here; 0: free
	_     [linePair - 16]byte
}

// window is a ring of time buckets with flat memory. At rest it has one lane
// (about 550 bytes with the ring); the first time two goroutines count in it
// within one bucket it grows extra lanes, as many as the machine's processors can
// use, and keeps them. Counting is lock-free; moving a bucket to a new epoch,
// growing and clearing take mu.
//
// The geometry (shift and span) is fixed when the window is made: a circuit's
// first binding decides it.
type window struct {
	shift uint32 // log2 of the bucket width in nanoseconds
	span  int64  // buckets that make up the evaluation window
	grow  int    // extra lanes to add on contention
	mu    sync.Mutex
	// epochs holds each bucket's start in units of the bucket width, -1 when
	// empty. It is read on every call and written once per bucket width.
	epochs [ringSize]atomic.Int64
	extra  atomic.Pointer[[]lane] // nil until two goroutines collide
	credits
	// firstOwner owns the first lane. It lives with the fields every goroutine
	// reads, off the lines the first lane's goroutine writes.
	firstOwner atomic.Uintptr
	_          [linePair / 2]byte // a line between the shared fields and the first lane's counts
	first      counters           // last: at rest the window needs no padding after it
}

// extraLanes is how many lanes beyond the first a window grows to: enough for
// every processor to own one, with room for collisions of the spreading hash.
func extraLanes() int {
	n := 1 << bits.Len(uint(2*goruntime.GOMAXPROCS(0)-1)) // next power of two ≥ 2×procs
	return min(max(n, 2), maxLanes) - 1
}

// geometry returns the power-of-two bucket width (as a shift) and the number of
// buckets that cover window w, which Policy.Validate keeps within bounds. The
// window so covered is at least w and at most one bucket (1/8 of it) longer.
func geometry(w time.Duration) (shift uint32, span int64) {
	n := int64(w)
	// The smallest power of two that is at least n/16, so span <= 16.
	shift = uint32(bits.Len64(uint64((n + ringSize - 1) / ringSize)))
	if per := int64(1) << (shift - 1); shift > 0 && per*ringSize >= n {
		shift--
	}
	width := int64(1) << shift
	return shift, (n + width - 1) / width
}

func (w *window) init(win time.Duration, grow int) {
	w.shift, w.span = geometry(win)
	w.grow = grow
	for i := range w.epochs {
		w.epochs[i].Store(-1)
	}
}

// lane returns the lane of the calling goroutine. A goroutine is known by the
// slot of its stack (stacks are 2 KiB or more, so no two live goroutines share a
// slot). It takes the first lane when it owns it or finds it free; otherwise it
// takes the first extra lane, from one spread from its slot, that it already
// owns or finds free, growing the extra lanes on the first collision. With every
// lane owned by others it shares one. Ownership is reset whenever a bucket moves
// to a new epoch, so the lanes of goroutines that have ended are soon free again.
func (w *window) lane() *counters {
	var marker byte
	slot := uintptr(unsafe.Pointer(&marker)) >> 11
	if w.firstOwner.Load() == slot {
		return &w.first
	}
	return w.claim(slot)
}

func (w *window) claim(slot uintptr) *counters {
	if w.firstOwner.Load() == 0 && w.firstOwner.CompareAndSwap(0, slot) {
		return &w.first
	}
	extra := w.extra.Load()
	if extra == nil {
		extra = w.growLanes()
	}
	lanes := *extra
	n := uintptr(len(lanes))
	start := (slot + slot>>3 + slot>>6 + slot>>9) % n
	for k := range n {
		l := &lanes[(start+k)%n]
		switch l.owner.Load() {
		case slot:
			return &l.counters
		case 0:
			if l.owner.CompareAndSwap(0, slot) {
				return &l.counters
			}
		}
	}
	return &lanes[start].counters
}

func (w *window) growLanes() *[]lane {
	w.mu.Lock()
	defer w.mu.Unlock()
	if extra := w.extra.Load(); extra != nil {
		return extra
	}
	lanes := make([]lane, w.grow)
	w.extra.Store(&lanes)
	return &lanes
}

// lanes calls fn for every lane.
func (w *window) lanes(fn func(*counters)) {
	fn(&w.first)
	if extra := w.extra.Load(); extra != nil {
		for i := range *extra {
			fn(&(*extra)[i].counters)
		}
	}
}

// freeLanes gives up every lane's ownership; the caller holds mu.
func (w *window) freeLanes() {
	w.firstOwner.Store(0)
	if extra := w.extra.Load(); extra != nil {
		for i := range *extra {
			(*extra)[i].owner.Store(0)
		}
	}
}

// slot returns the bucket of now (Unix nanoseconds) and its epoch, moving the
// bucket to now's epoch first when it holds another.
func (w *window) slot(now int64) (i, epoch int64) {
	epoch = now >> w.shift
	i = epoch & (ringSize - 1)
	if w.epochs[i].Load() != epoch {
		w.advance(i, epoch)
	}
	return i, epoch
}

// success counts one success at now (Unix nanoseconds).
func (w *window) success(now int64) {
	i, _ := w.slot(now)
	w.lane().successes[i].Add(1)
}

// counted is a failure counted by failure: what undo needs to take it back, and
// whether it was counted within its lane's credit for the policy owner.
type counted struct {
	l      *counters
	i      int64
	epoch  int64
	credit bool
}

// failure counts one failure at now, spending one credit of its lane.
func (w *window) failure(now int64, owner *memHandle) counted {
	gen := w.gen.Load()
	i, epoch := w.slot(now)
	l := w.lane()
	l.failures[i].Add(1)
	left := l.credit.Add(-1)
	return counted{l: l, i: i, epoch: epoch, credit: left >= 0 && w.valid(gen, epoch, owner)}
}

// undoLocked takes back a failure, unless its bucket has moved to a new epoch
// since (which cleared it). The caller holds mu.
func (w *window) undoLocked(f counted) {
	if w.epochs[f.i].Load() == f.epoch {
		f.l.failures[f.i].Add(^uint64(0))
	}
}

func (w *window) advance(i, e int64) {
	w.mu.Lock()
	if w.epochs[i].Load() < e {
		w.lanes(func(l *counters) {
			l.successes[i].Store(0)
			l.failures[i].Store(0)
		})
		w.freeLanes()
		w.epochs[i].Store(e)
	}
	w.mu.Unlock()
}

// bucket sums bucket i over the lanes.
func (w *window) bucket(i int64) (successes, failures int) {
	w.lanes(func(l *counters) {
		successes += int(l.successes[i].Load())
		failures += int(l.failures[i].Load())
	})
	return successes, failures
}

// counts sums the buckets that lie within the window ending at now.
func (w *window) counts(now int64) (failures, samples int) {
	oldest := now>>w.shift - w.span + 1
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
	cur := now >> w.shift
	out := make([]Bucket, 0, ringSize)
	for e := cur - w.span + 1; e <= cur; e++ {
		i := e & (ringSize - 1)
		if w.epochs[i].Load() != e {
			continue
		}
		s, f := w.bucket(i)
		out = append(out, Bucket{Start: time.Unix(0, e<<w.shift), Successes: s, Failures: f})
	}
	return out
}

// latest returns the start of the newest bucket counted in, in Unix nanoseconds,
// or -1.
func (w *window) latest() int64 {
	newest := int64(-1)
	for i := range w.epochs {
		newest = max(newest, w.epochs[i].Load())
	}
	if newest < 0 {
		return -1
	}
	return newest << w.shift
}

// clear empties every bucket, frees every lane and spends every credit.
func (w *window) clear() {
	w.mu.Lock()
	w.gen.Add(1)
	defer w.gen.Add(1)
	for i := range w.epochs {
		w.epochs[i].Store(-1)
	}
	w.freeLanes()
	w.lanes(func(l *counters) {
		l.credit.Store(0)
		for i := range ringSize {
			l.successes[i].Store(0)
			l.failures[i].Store(0)
		}
	})
	w.mu.Unlock()
}

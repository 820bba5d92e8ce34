// Package ring counts a circuit's outcomes in a ring of time buckets, each
// counted in per-goroutine lanes so that goroutines on different cores never
// write the same cache line. The in-memory storage keeps its window in one; the
// Redis fleet mode keeps in one the outcomes it has not yet flushed to Redis.
//
// A bucket is known by its epoch: the number of bucket widths since the Unix
// epoch. The caller turns times into epochs (a shift for the memory storage's
// power-of-two widths, a division for Redis's) and the ring never reads a clock.
package ring

import (
	"math/bits"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

const (
	// Size is the number of buckets in a ring: a power of two, so the slot of an
	// epoch is a mask away.
	Size = 16
	// maxLanes caps the lanes a ring grows to under contention.
	maxLanes = 16
	// linePair is the span that one write makes a core own: a cache line and the
	// neighbour that processors prefetch with it.
	linePair = 128
	// reclaimAfter is how many calls count in a shared lane before every lane
	// is freed (see claim).
	reclaimAfter = 256
)

// counters hold one lane's copy of every bucket's counts. Counts are 64 bits
// each: no reachable number of calls overflows them.
type counters struct {
	successes [Size]atomic.Uint64
	failures  [Size]atomic.Uint64
	credit    atomic.Int64 // failures this lane may count without a check (see credits.go)
}

// lane is an extra lane: its counters and owner, padded off other lanes' line
// pairs.
type lane struct {
	counters
	owner  atomic.Uintptr // the stack slot of the goroutine counting here; 0: free
	shared atomic.Uint64  // calls counted here by goroutines that own no lane
	_      [linePair - 24]byte
}

// Ring is a ring of Size buckets with flat memory. At rest it has one lane
// (about 530 bytes); the first time two goroutines count in it within one
// bucket it grows extra lanes, as many as the machine's processors can use, and
// keeps them. Counting is lock-free; moving a bucket to a new epoch, growing,
// checks and clearing take a lock. A Ring must be set up with Init before use,
// and must not be copied after. It is safe for concurrent use.
type Ring struct {
	span int64 // buckets that make up the window, at most Size
	grow int   // extra lanes to add on contention
	mu   sync.Mutex
	// epochs holds each bucket's epoch, -1 when empty. It is read on every call
	// and written once per bucket width.
	epochs [Size]atomic.Int64
	extra  atomic.Pointer[[]lane] // nil until two goroutines collide
	credits
	// firstOwner owns the first lane. It lives with the fields every goroutine
	// reads, off the lines the first lane's goroutine writes.
	firstOwner atomic.Uintptr
	_          [linePair / 2]byte // a line between the shared fields and the first lane's counts
	first      counters           // last: at rest the ring needs no padding after it
}

// ExtraLanes is how many lanes beyond the first a ring grows to: enough for
// every processor to own one, with room for collisions of the spreading hash.
func ExtraLanes() int {
	n := 1 << bits.Len(uint(2*goruntime.GOMAXPROCS(0)-1)) // next power of two ≥ 2×procs
	return min(max(n, 2), maxLanes) - 1
}

// Init sets the ring up empty, for windows of span buckets (1 to Size), growing
// grow extra lanes on contention (ExtraLanes is a good choice).
func (r *Ring) Init(span int64, grow int) {
	r.span = min(max(span, 1), Size)
	r.grow = grow
	for i := range r.epochs {
		r.epochs[i].Store(-1)
	}
}

// Span returns the buckets that make up the window.
func (r *Ring) Span() int64 { return r.span }

// lane returns the lane of the calling goroutine. A goroutine is known by the
// slot of its stack (stacks are 2 KiB or more, so no two live goroutines share a
// slot). It takes the first lane when it owns it or finds it free; otherwise it
// takes the first extra lane, from one spread from its slot, that it already
// owns or finds free, growing the extra lanes on the first collision. With every
// lane owned by others it shares one. Ownership is reset whenever a bucket moves
// to a new epoch, and soon after goroutines start sharing lanes (see claim), so
// the lanes of goroutines that have ended are soon free again.
func (r *Ring) lane() *counters {
	var marker byte
	slot := uintptr(unsafe.Pointer(&marker)) >> 11
	if r.firstOwner.Load() == slot {
		return &r.first
	}
	return r.claim(slot)
}

func (r *Ring) claim(slot uintptr) *counters {
	if r.firstOwner.Load() == 0 && r.firstOwner.CompareAndSwap(0, slot) {
		return &r.first
	}
	extra := r.extra.Load()
	if extra == nil {
		extra = r.growLanes()
	}
	lanes := *extra
	// The start is spread from the slot by a multiply and a shift, and the
	// probe wraps by a compare: a division here, on every call of a goroutine
	// that counts in an extra lane, cost about 10 ns a call (measured).
	n := uint64(len(lanes))
	start := int((uint64(uint32((uint64(slot)*0x9e3779b97f4a7c15)>>32)) * n) >> 32)
	for k, i := 0, start; k < len(lanes); k++ {
		l := &lanes[i]
		switch l.owner.Load() {
		case slot:
			return &l.counters
		case 0:
			if l.owner.CompareAndSwap(0, slot) {
				return &l.counters
			}
		}
		if i++; i == len(lanes) {
			i = 0
		}
	}
	// Every lane is owned, often by goroutines that have ended (a server's
	// finished requests, a benchmark's ramp-up), which keep their lanes until
	// a bucket moves to a new epoch, seconds away. Meanwhile two running
	// goroutines may share a lane and write one line pair on every call (3 to
	// 4 times slower in parallel, measured). So every reclaimAfter calls in a
	// shared lane free every lane, and the goroutines still counting claim one
	// again on their next call; a ring whose live goroutines outnumber its
	// lanes pays one free per reclaimAfter shared calls.
	l := &lanes[start]
	if l.shared.Add(1)%reclaimAfter == 0 && r.mu.TryLock() {
		r.freeLanes()
		r.mu.Unlock()
	}
	return &l.counters
}

func (r *Ring) growLanes() *[]lane {
	r.mu.Lock()
	defer r.mu.Unlock()
	if extra := r.extra.Load(); extra != nil {
		return extra
	}
	lanes := make([]lane, r.grow)
	r.extra.Store(&lanes)
	return &lanes
}

// lanes calls fn for every lane.
func (r *Ring) lanes(fn func(*counters)) {
	fn(&r.first)
	if extra := r.extra.Load(); extra != nil {
		for i := range *extra {
			fn(&(*extra)[i].counters)
		}
	}
}

// freeLanes gives up every lane's ownership; the caller holds mu.
func (r *Ring) freeLanes() {
	r.firstOwner.Store(0)
	if extra := r.extra.Load(); extra != nil {
		for i := range *extra {
			(*extra)[i].owner.Store(0)
		}
	}
}

// slot returns the slot of epoch e, moving it to e first when it holds another
// epoch.
func (r *Ring) slot(e int64) int64 {
	i := e & (Size - 1)
	if r.epochs[i].Load() != e {
		r.advance(i, e)
	}
	return i
}

func (r *Ring) advance(i, e int64) {
	r.mu.Lock()
	if r.epochs[i].Load() < e {
		r.lanes(func(l *counters) {
			l.successes[i].Store(0)
			l.failures[i].Store(0)
		})
		r.freeLanes()
		r.epochs[i].Store(e)
	}
	r.mu.Unlock()
}

// Success counts one success in bucket e.
func (r *Ring) Success(e int64) {
	i := r.slot(e)
	r.lane().successes[i].Add(1)
}

// Other counts one failure in bucket e without spending or checking credits:
// for rings that count two kinds of event and decide no threshold with
// Failure and Check.
func (r *Ring) Other(e int64) {
	i := r.slot(e)
	r.lane().failures[i].Add(1)
}

package circuitstats

import (
	"math/bits"
	goruntime "runtime"
	"sync/atomic"
	"unsafe"
)

// NumOutcomes is the number of call outcomes counted in Circuit.Calls:
// callcount.Success (index 0) to callcount.Skipped (index 3). They
// partition the calls: each call has exactly one.
const NumOutcomes = 4

// slots are the counters of a circuit: the outcomes, then the fallbacks.
const (
	slots        = NumOutcomes + 1
	fallbackSlot = NumOutcomes
)

// linePair is the span one write makes a core own: a cache line and the
// neighbour processors prefetch with it.
const linePair = 128

// maxCells caps the cells of a contended counter.
const maxCells = 64

// counts are a circuit's call counts by outcome. Uncontended, a count is one
// compare-and-swap on base. The first compare-and-swap that fails, because
// another core wrote base at the same moment, spreads the counts over cells,
// one line pair each, and from then on a goroutine counts in the cell its
// stack address picks: cores that count at once seldom write the same line.
// The total is base plus every cell.
type counts struct {
	base  [slots]atomic.Uint64
	cells atomic.Pointer[[]cell]
}

type cell struct {
	n [slots]atomic.Uint64
	_ [linePair - slots*8]byte
}

// add counts one in slot i (0 to slots-1).
func (c *counts) add(i int) {
	if cells := c.cells.Load(); cells != nil {
		cs := *cells
		cs[stripe(len(cs))].n[i].Add(1)
		return
	}
	v := c.base[i].Load()
	if c.base[i].CompareAndSwap(v, v+1) {
		return
	}
	cs := c.spread()
	cs[stripe(len(cs))].n[i].Add(1)
}

// spread makes the cells, once.
func (c *counts) spread() []cell {
	fresh := make([]cell, numCells())
	if c.cells.CompareAndSwap(nil, &fresh) {
		return fresh
	}
	return *c.cells.Load()
}

// total returns the count of slot i.
func (c *counts) total(i int) uint64 {
	n := c.base[i].Load()
	if cells := c.cells.Load(); cells != nil {
		for k := range *cells {
			n += (*cells)[k].n[i].Load()
		}
	}
	return n
}

// numCells is a power of two, at least four times the processors Go may use
// and at least 8, so that goroutines running at once on different processors
// seldom pick one cell (two goroutines, one chance in eight). A contended
// circuit's cells take 1 KiB on two processors, at most 8 KiB.
func numCells() int {
	n := 1 << bits.Len(uint(4*goruntime.GOMAXPROCS(0)-1))
	return min(max(n, 8), maxCells)
}

// stripe picks the calling goroutine's cell among n (a power of two) from the
// address of its stack: goroutine stacks are 2 KiB or more, so the address
// over 2 KiB tells goroutines apart, and a goroutine keeps its cell while its
// stack stays where it is.
func stripe(n int) int {
	var marker byte
	slot := uint64(uintptr(unsafe.Pointer(&marker)) >> 11)
	return int((slot*0x9e3779b97f4a7c15)>>32) & (n - 1)
}

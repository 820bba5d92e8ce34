package engine

import (
	"math"
	"testing"

	"github.com/breakergen/breakergen/internal/hotpath/ring"
	"github.com/stretchr/testify/assert"
)

// TestOwnWindow checks the process's own window: it sums the buckets of the
// window that ends with a bucket, forgets those the slots moved past, drops
// outcomes of a bucket too old for them, and saturates a bucket's count.
func TestOwnWindow(t *testing.T) {
	var w ownWindow
	w.init(10)
	f, n := w.counts(100)
	assert.Equal(t, [2]int{0, 0}, [2]int{f, n}, "empty")
	for e := int64(100); e < 110; e++ {
		w.add(e, 9, 1)
	}
	f, n = w.counts(109)
	assert.Equal(t, [2]int{10, 100}, [2]int{f, n}, "ten buckets of ten outcomes")
	f, n = w.counts(104)
	assert.Equal(t, [2]int{5, 50}, [2]int{f, n}, "the window ending with an older bucket")
	f, n = w.counts(114)
	assert.Equal(t, [2]int{5, 50}, [2]int{f, n}, "five buckets left the window")
	w.add(100, 1, 1) // still in the slots
	f, n = w.counts(109)
	assert.Equal(t, [2]int{11, 102}, [2]int{f, n}, "added to a bucket the slots hold")
	w.add(120, 0, 1) // the slots move to 105..120
	w.add(104, 5, 5) // too old now
	f, n = w.counts(120)
	assert.Equal(t, [2]int{1, 1}, [2]int{f, n}, "only the newest bucket in the window")
	f, n = w.counts(110)
	assert.Equal(t, [2]int{5, 50}, [2]int{f, n}, "105..109 still in the slots")
	w.add(120+2*ring.Size, math.MaxInt32, 0)
	w.add(120+2*ring.Size, math.MaxInt32, 0)
	w.add(120+2*ring.Size, math.MaxInt32, 0)
	f, n = w.counts(120 + 2*ring.Size)
	assert.Equal(t, [2]int{0, math.MaxUint32}, [2]int{f, n}, "a jump past every slot; a saturated count")
	w.clear()
	f, n = w.counts(120 + 2*ring.Size)
	assert.Equal(t, [2]int{0, 0}, [2]int{f, n}, "cleared")
}

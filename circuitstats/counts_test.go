package circuitstats

import (
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCountsAddUpUnderContention(t *testing.T) {
	for _, spread := range []bool{false, true} {
		var c counts
		if spread {
			require.Len(t, c.spread(), numCells())
		}
		const workers, each = 8, 2000
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for range each {
					c.add(w % slots)
				}
			})
		}
		wg.Wait()
		var sum uint64
		for i := range slots {
			sum += c.total(i)
		}
		assert.Equal(t, uint64(workers*each), sum, "spread %v", spread)
		assert.Equal(t, uint64(2*each), c.total(0), "workers 0 and 5")
	}
}

func TestCellsFillLinePairs(t *testing.T) {
	assert.Equal(t, uintptr(linePair), unsafe.Sizeof(cell{}))
	n := numCells()
	assert.Equal(t, 0, n&(n-1), "a power of two")
	assert.GreaterOrEqual(t, n, 8)
	for range 100 {
		s := stripe(n)
		assert.True(t, s >= 0 && s < n)
	}
}

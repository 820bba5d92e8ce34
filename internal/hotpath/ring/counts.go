package ring

import "math"

// bucket sums bucket i over the lanes.
func (r *Ring) bucket(i int64) (successes, failures int) {
	r.lanes(func(l *counters) {
		successes += int(l.successes[i].Load())
		failures += int(l.failures[i].Load())
	})
	return successes, failures
}

// Counts sums the buckets of the window that ends with bucket e: e and the
// span-1 before it.
func (r *Ring) Counts(e int64) (failures, samples int) {
	// A bucket newer than e (a clock set back) counts too, as it always has.
	return r.Between(e-r.span+1, math.MaxInt64)
}

// Between sums the buckets of the epochs from oldest to newest, both
// included: the part of a window that is older than some instant.
func (r *Ring) Between(oldest, newest int64) (failures, samples int) {
	for i := range int64(Size) {
		if e := r.epochs[i].Load(); e < oldest || e > newest {
			continue
		}
		s, f := r.bucket(i)
		failures += f
		samples += s + f
	}
	return failures, samples
}

// Bucket is the counts of one bucket.
type Bucket struct {
	Epoch     int64
	Successes int
	Failures  int
}

// History returns the buckets of the window that ends with bucket e that hold
// counts, oldest first.
func (r *Ring) History(e int64) []Bucket {
	out := make([]Bucket, 0, Size)
	for k := e - r.span + 1; k <= e; k++ {
		i := k & (Size - 1)
		if r.epochs[i].Load() != k {
			continue
		}
		s, f := r.bucket(i)
		out = append(out, Bucket{Epoch: k, Successes: s, Failures: f})
	}
	return out
}

// Take removes the counts of every bucket of the window that ends with bucket e
// and returns those that held any, oldest first. An outcome counted while Take
// runs is either taken or left for the next Take, never both or neither.
func (r *Ring) Take(e int64) []Bucket {
	var out []Bucket
	for k := e - r.span + 1; k <= e; k++ {
		i := k & (Size - 1)
		if r.epochs[i].Load() != k {
			continue
		}
		var s, f uint64
		r.lanes(func(l *counters) {
			s += l.successes[i].Swap(0)
			f += l.failures[i].Swap(0)
		})
		if s+f > 0 {
			out = append(out, Bucket{Epoch: k, Successes: int(s), Failures: int(f)})
		}
	}
	return out
}

// Latest returns the newest epoch counted in, or -1.
func (r *Ring) Latest() int64 {
	newest := int64(-1)
	for i := range r.epochs {
		newest = max(newest, r.epochs[i].Load())
	}
	return newest
}

// Clear empties every bucket, frees every lane and spends every credit.
func (r *Ring) Clear() {
	r.mu.Lock()
	r.gen.Add(1)
	defer r.gen.Add(1)
	for i := range r.epochs {
		r.epochs[i].Store(-1)
	}
	r.freeLanes()
	r.lanes(func(l *counters) {
		l.credit.Store(0)
		for i := range Size {
			l.successes[i].Store(0)
			l.failures[i].Store(0)
		}
	})
	r.mu.Unlock()
}

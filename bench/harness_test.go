package bench

import "testing"

// eachRow runs one sub-benchmark per contender that has an equivalent of s, in
// the order of contenders, giving it the call of w through a fresh breaker of
// setup s. A contender without one gets no sub-benchmark: its cell stays empty.
func eachRow(b *testing.B, s setup, w work, timed func(b *testing.B, call func() error)) {
	for _, c := range contenders() {
		if !c.has(s) {
			continue
		}
		b.Run(c.name, func(b *testing.B) {
			timed(b, c.build(s, &hooks{}, w).call)
		})
	}
}

// returning times call from one goroutine, checking that every call returns
// want (compared by identity, so the check costs next to nothing).
func returning(want error) func(*testing.B, func() error) {
	return func(b *testing.B, call func() error) {
		b.ReportAllocs()
		for b.Loop() {
			if err := call(); err != want {
				b.Fatalf("err = %v, want %v", err, want)
			}
		}
	}
}

// returningParallel times call from b.RunParallel (GOMAXPROCS goroutines, one
// shared breaker), checking that every call returns want.
func returningParallel(want error) func(*testing.B, func() error) {
	return func(b *testing.B, call func() error) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := call(); err != want {
					b.Errorf("err = %v, want %v", err, want)
					return
				}
			}
		})
	}
}

// refused times call from one goroutine, checking that every call is refused
// (an error; the tests check it is the library's open-circuit error).
func refused(b *testing.B, call func() error) {
	b.ReportAllocs()
	for b.Loop() {
		if call() == nil {
			b.Fatal("call not refused")
		}
	}
}

// refusedParallel times call from b.RunParallel, checking that every call is
// refused.
func refusedParallel(b *testing.B, call func() error) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if call() == nil {
				b.Error("call not refused")
				return
			}
		}
	})
}

package fleetsim

import (
	"context"
	"runtime/metrics"
	"time"
)

// snapshot is everything the simulator counts, at one instant. Figures are
// the differences between two snapshots.
type snapshot struct {
	at     time.Time
	redis  redisInfo
	cpu    time.Duration // this process's CPU time
	work   tally         // the workers' calls
	ticks  int64
	late   int64
	events EventCounts
	// firstRefused and slowest: see workerStats.
	firstRefused int64
	slowest      time.Duration
	heap         uint64 // live heap at the last GC
	load         [3]float64
	busy, idle   int64 // the machine's CPU time, in clock ticks
}

// snap takes a snapshot. INFO is read first: it is the one part that waits,
// on a Redis that may be busy, so the counters are read as close as possible
// to the instant of its reply.
func (s *sim) snap(ctx context.Context) (snapshot, error) {
	in, err := readInfo(ctx, s.admin)
	if err != nil {
		return snapshot{}, err
	}
	sn := snapshot{at: time.Now(), redis: in, cpu: cpuTime(), events: s.events.counts(),
		heap: liveHeap(), load: loadAvg()}
	sn.busy, sn.idle = machineCPU()
	for _, w := range s.workers {
		st := &w.stats
		sn.work.issued += st.issued.Load()
		sn.work.ok += st.ok.Load()
		sn.work.failed += st.failed.Load()
		sn.work.refused += st.refused.Load()
		sn.work.errs += st.errs.Load()
		sn.ticks += st.ticks.Load()
		sn.late += st.late.Load()
		sn.firstRefused += st.firstRefused.Load()
		sn.slowest = max(sn.slowest, time.Duration(st.slowest.Load()))
	}
	return sn, nil
}

// liveHeap returns the heap the last garbage collection found live.
func liveHeap() uint64 {
	m := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(m)
	if m[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return m[0].Value.Uint64()
}

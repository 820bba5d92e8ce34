package fleetsim

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/redis/go-redis/v9"
)

// sim is one run in progress.
type sim struct {
	cfg     Config
	admin   *redis.Client // reads INFO
	fleet   *fleet
	workers []*worker
	events  *events
	start   time.Time // the workers' time zero
	now     atomic.Pointer[phaseNow]
	report  *Report
}

// Run runs the simulator with cfg against the redis-server at addr, which it
// should have to itself: every figure of Redis is the server's whole work.
// It returns the figures of every measured phase.
func Run(ctx context.Context, addr string, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("fleetsim: %w", err)
	}
	cfg = cfg.withDefaults()
	s := &sim{cfg: cfg, admin: redis.NewClient(&redis.Options{Addr: addr}), events: &events{}}
	defer s.admin.Close()
	s.report = &Report{Config: cfg, PairStateBytes: int(unsafe.Sizeof(pair{})), Machine: Machine{
		Go: goruntime.Version(), Platform: goruntime.GOOS + "/" + goruntime.GOARCH,
		CPUs: goruntime.NumCPU(), GOMAXPROCS: goruntime.GOMAXPROCS(0), LoadStart: loadAvg(),
	}}
	empty, err := readInfo(ctx, s.admin)
	if err != nil {
		return nil, err
	}
	s.report.Machine.RedisVersion = empty.version
	s.report.RedisEmptyMB = float64(empty.memory) / megabyte
	s.report.RedisEmptyDatasetMB = float64(empty.dataset) / megabyte
	goruntime.GC()
	heapBefore := liveHeap()
	f, err := buildFleet(addr, cfg, s.events)
	s.fleet = f
	if err != nil {
		return nil, errors.Join(err, f.shutdown())
	}
	s.workers = f.workers(cfg)
	goruntime.GC()
	s.report.HeapBoundPerPair = (float64(liveHeap()) - float64(heapBefore)) / float64(cfg.Pairs())
	err = s.phases(ctx, heapBefore)
	s.report.Machine.LoadEnd = loadAvg()
	// A fleet that cannot drain in time is a figure of the run, not a
	// failure of the simulator: it is reported.
	if serr := f.shutdown(); serr != nil {
		s.report.Shutdown = serr.Error()
	}
	return s.report, err
}

// phases starts the workers, runs every phase in turn and stops the workers.
func (s *sim) phases(ctx context.Context, heapBefore uint64) error {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(stop)
	s.start = time.Now()
	if s.cfg.Rate > 0 && s.cfg.Scenario != Idle {
		// Idle runs have no traffic: no workers, so that the simulator's
		// CPU is the stores' alone.
		for _, w := range s.workers {
			wg.Go(func() { w.run(s, stop) })
		}
	}
	measured := false
	for i, ph := range s.cfg.phases() {
		if ph.measured && !measured {
			// The fleet's memory, once built and warmed up, before the
			// first measured phase (the GC is not part of any phase).
			measured = true
			goruntime.GC()
			heap := float64(liveHeap()) - float64(heapBefore)
			s.report.HeapPerPair = heap / float64(s.cfg.Pairs())
		}
		if err := s.phase(ctx, i, ph); err != nil {
			return fmt.Errorf("fleetsim: phase %s: %w", ph.name, err)
		}
	}
	return nil
}

// phase runs phase i and, if it is measured, reports it, with a timeline row
// every Config.Sample.
func (s *sim) phase(ctx context.Context, i int, ph phase) error {
	s.now.Store(&phaseNow{index: int32(i + 1), traffic: ph.traffic, start: time.Since(s.start)})
	first, err := s.snap(ctx)
	if err != nil {
		return err
	}
	if ph.once {
		s.callOnce(ctx)
	}
	end := time.Now().Add(ph.dur)
	prev := first
	for {
		wake := end
		if next := prev.at.Add(s.cfg.Sample); s.cfg.Sample > 0 && next.Before(end) {
			wake = next
		}
		if err := sleep(ctx, time.Until(wake)); err != nil {
			return err
		}
		cur, err := s.snap(ctx)
		if err != nil {
			return err
		}
		if s.cfg.Sample > 0 && ph.measured {
			s.report.Timeline = append(s.report.Timeline, sample(s.start, ph.name, prev, cur))
		}
		prev = cur
		if !cur.at.Before(end) {
			break
		}
	}
	if ph.measured {
		s.report.Phases = append(s.report.Phases, phaseReport(s.cfg, ph, first, prev))
	}
	return nil
}

// callOnce calls every pair once, with success, from the calling goroutine.
func (s *sim) callOnce(ctx context.Context) {
	for _, cs := range s.fleet.circuits {
		for _, c := range cs {
			if a, err := c.Allow(ctx); err == nil {
				a.Done(ctx, nil)
			}
		}
	}
}

// sleep waits for d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

package fleetsim

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/breakergen/breakergen/runtime"
)

// errDependency is the error of a failed call.
var errDependency = errors.New("fleetsim: the dependency failed")

// pair is one (store, circuit) pair as its worker calls it. It belongs to one
// worker, which alone reads and writes it.
type pair struct {
	c *runtime.Circuit
	// offset, in [0, 1), places the pair's calls in its call period: call k
	// is due at (k - offset) / rate seconds, so the pairs' calls spread over
	// the ticks instead of landing on the same one.
	offset float64
	// acc is a running sum of Config.Failures: a call fails when it passes a
	// whole number, so failures are evenly spaced and exactly the fraction
	// asked for.
	acc       float64
	issued    int64 // calls issued since the traffic started
	incident  bool  // every call fails during an incident
	refusedIn int32 // the phase (index + 1) in which an incident call was last refused
}

// phaseNow is the phase in progress, as the workers read it.
type phaseNow struct {
	index   int32 // 1 + the phase's index in the run
	traffic traffic
	start   time.Duration // since the run started
}

// workerStats are a worker's running totals; the controller reads them at any
// time.
type workerStats struct {
	issued, ok, failed, refused, errs atomic.Int64
	ticks, late                       atomic.Int64 // late: finished more than a tick after it fired
	// firstRefused counts the incident pairs refused since their incident
	// started, and slowest is the longest time (ns) one took to be refused.
	firstRefused, slowest atomic.Int64
}

// tally is what one tick counted, added to workerStats at its end.
type tally struct{ issued, ok, failed, refused, errs int64 }

// worker issues the calls of its pairs that are due at each tick.
type worker struct {
	pairs []pair
	stats workerStats
}

// run ticks until stop is closed.
func (w *worker) run(s *sim, stop <-chan struct{}) {
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case fired := <-t.C:
			w.tick(s, fired)
		}
	}
}

// tick issues every call due by now: the calls a slow tick left are issued by
// the next one, so the rate achieved falls short of the target only when the
// workers cannot keep up, and late ticks say so.
func (w *worker) tick(s *sim, fired time.Time) {
	ph := s.now.Load()
	if ph != nil && ph.traffic != trafficNone && s.cfg.Rate > 0 {
		at := time.Since(s.start)
		due := at.Seconds() * s.cfg.Rate
		var n tally
		for i := range w.pairs {
			p := &w.pairs[i]
			for target := int64(due + p.offset); p.issued < target; p.issued++ {
				w.call(s, p, ph, at, &n)
			}
		}
		w.add(n)
	}
	w.stats.ticks.Add(1)
	if time.Since(fired) > s.cfg.Tick {
		w.stats.late.Add(1)
	}
}

// call makes one protected call of p, failing when the failure rate or an
// incident says so.
func (w *worker) call(s *sim, p *pair, ph *phaseNow, at time.Duration, n *tally) {
	incident := p.incident && ph.traffic == trafficIncident
	fail := incident
	if !incident && s.cfg.Failures > 0 {
		if p.acc += s.cfg.Failures; p.acc >= 1 {
			p.acc--
			fail = true
		}
	}
	n.issued++
	ctx := context.Background()
	a, err := p.c.Allow(ctx)
	switch {
	case err == nil && fail:
		a.Done(ctx, errDependency)
		n.failed++
	case err == nil:
		a.Done(ctx, nil)
		n.ok++
	case errors.Is(err, runtime.ErrOpen):
		n.refused++
		if incident && p.refusedIn != ph.index {
			p.refusedIn = ph.index
			w.stats.firstRefused.Add(1)
			if took := int64(at - ph.start); took > w.stats.slowest.Load() {
				w.stats.slowest.Store(took)
			}
		}
	default:
		n.errs++
	}
}

func (w *worker) add(n tally) {
	w.stats.issued.Add(n.issued)
	w.stats.ok.Add(n.ok)
	w.stats.failed.Add(n.failed)
	w.stats.refused.Add(n.refused)
	w.stats.errs.Add(n.errs)
}

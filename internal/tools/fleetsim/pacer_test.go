package fleetsim

import (
	"testing"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memoryFleet is a fleet of Breakers with in-memory storage: the pacer's
// calls without Redis.
func memoryFleet(cfg Config) *fleet {
	f := &fleet{}
	for range cfg.Processes {
		b := runtime.MustNew(runtime.WithDefaults(runtime.Options{SampleThreshold: 1 << 30}))
		cs := make([]*runtime.Circuit, cfg.Circuits)
		for i := range cs {
			cs[i] = b.Circuit(circuitName(i))
		}
		f.breakers = append(f.breakers, b)
		f.circuits = append(f.circuits, cs)
	}
	return f
}

// TestTickIssuesWhatIsDue checks the pacing: a tick issues every call due
// since the traffic started, no more, the failures exactly the fraction
// asked for, and a later tick only the calls that came due since.
func TestTickIssuesWhatIsDue(t *testing.T) {
	cfg := Config{Processes: 3, Circuits: 7, Rate: 50, Failures: 0.25, Workers: 2}.withDefaults()
	s := &sim{cfg: cfg, fleet: memoryFleet(cfg), events: &events{}}
	s.workers = s.fleet.workers(cfg)
	s.now.Store(&phaseNow{index: 1, traffic: trafficSteady})
	s.start = time.Now().Add(-2 * time.Second)
	for _, w := range s.workers {
		w.tick(s, time.Now())
	}
	var issued, failed int64
	for _, w := range s.workers {
		for _, p := range w.pairs {
			// 2 s at 50/s: 100 calls, or 101 with the pair's offset, and a
			// few more for the time the ticks took.
			assert.InDelta(t, 101, p.issued, 2)
		}
		issued += w.stats.issued.Load()
		failed += w.stats.failed.Load()
		assert.Equal(t, w.stats.issued.Load(), w.stats.ok.Load()+w.stats.failed.Load())
	}
	require.Equal(t, int64(21), int64(len(s.workers[0].pairs)+len(s.workers[1].pairs)))
	assert.InDelta(t, 0.25*float64(issued), float64(failed), 21, "one failure every 4 calls, per pair")
	s.start = s.start.Add(-time.Second)
	before := issued
	for _, w := range s.workers {
		w.tick(s, time.Now())
	}
	issued = 0
	for _, w := range s.workers {
		issued += w.stats.issued.Load()
	}
	assert.InDelta(t, 21*50, issued-before, 21*2, "one more second: 50 calls a pair")
}

// BenchmarkTick times the scheduler and the calls without Redis: one op is
// one call issued by a tick over 16,000 pairs of in-memory circuits, so the
// figure is what the simulator itself spends per call, apart from the
// stores.
func BenchmarkTick(b *testing.B) {
	cfg := Config{Processes: 16, Circuits: 1000, Rate: 20, Failures: 0.01, Workers: 1}.withDefaults()
	s := &sim{cfg: cfg, fleet: memoryFleet(cfg), events: &events{}}
	s.workers = s.fleet.workers(cfg)
	s.now.Store(&phaseNow{index: 1, traffic: trafficSteady})
	w := s.workers[0]
	s.start = time.Now()
	b.ResetTimer()
	for w.stats.issued.Load() < int64(b.N) {
		// Move time on by one 10 ms tick's worth of calls.
		s.start = s.start.Add(-cfg.Tick)
		w.tick(s, time.Now())
	}
}

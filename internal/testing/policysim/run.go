package policysim

import (
	"container/heap"
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/fakeclock"
)

// Start is the instant every scenario starts at.
var Start = time.Date(2030, time.January, 1, 0, 0, 0, 0, time.UTC)

// ErrDependency is the error of a call the scenario fails.
var ErrDependency = errors.New("policysim: dependency failed")

// Interval is what became of the calls that started in one interval.
type Interval struct {
	From  time.Duration // the interval's start, from the scenario's
	Phase string
	Calls int // calls asked for
	// Admitted calls ran; Rejected ones were refused (ErrOpen).
	Admitted, Rejected int
	// Succeeded and Failed count the admitted calls' outcomes, as they end
	// (a call that hangs ends never).
	Succeeded, Failed int
	// WouldSucceed is how many of the calls the dependency would have
	// answered well, run or not; AdmittedWouldSucceed how many of those ran.
	WouldSucceed, AdmittedWouldSucceed int
	// Probes, Opened and Closed count the circuit's probes, openings (and
	// reopenings) and closings during the interval.
	Probes, Opened, Closed int
	// Status is the circuit's status at the interval's end.
	Status runtime.Status
}

// RejectedShare returns Rejected / Calls, 0 with no call.
func (i Interval) RejectedShare() float64 { return share(i.Rejected, i.Calls) }

// AdmittedShare returns Admitted / Calls, 0 with no call.
func (i Interval) AdmittedShare() float64 { return share(i.Admitted, i.Calls) }

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// Events counts the circuit's transitions during a run.
type Events struct {
	Opened, Reopened, Closed, Skipped int
	Slow                              int // outcomes with Event.Slow
}

// Result is a run's intervals and events.
type Result struct {
	Intervals []Interval
	Events    Events
}

// Run replays sc against a circuit with options o on in-memory storage and a
// fake clock, and returns what became of the calls, interval by interval.
func Run(sc Scenario, o runtime.Options) (Result, error) {
	clock := fakeclock.New(Start)
	r := &runner{sc: sc, clock: clock, rng: rand.New(rand.NewPCG(sc.Seed, 0x5eed))}
	b, err := runtime.New(runtime.WithClock(clock), runtime.WithListener(runtime.ListenerFunc(r.event)))
	if err != nil {
		return Result{}, err
	}
	if r.c, err = b.Register(sc.Name, o); err != nil {
		return Result{}, err
	}
	r.run()
	return Result{Intervals: r.out, Events: r.ev}, nil
}

// event is the run's listener: calls are made one at a time, so it needs
// no lock.
func (r *runner) event(ev runtime.Event) {
	r.ev.count(ev)
	if len(r.out) == 0 {
		return
	}
	iv := r.current()
	switch ev.Type {
	case runtime.EventProbe:
		iv.Probes++
	case runtime.EventOpened, runtime.EventReopened:
		iv.Opened++
	case runtime.EventClosed:
		iv.Closed++
	}
}

// count counts ev.
func (e *Events) count(ev runtime.Event) {
	switch ev.Type {
	case runtime.EventOpened:
		e.Opened++
	case runtime.EventReopened:
		e.Reopened++
	case runtime.EventClosed:
		e.Closed++
	case runtime.EventSkipped:
		e.Skipped++
	case runtime.EventSuccess, runtime.EventFailure:
		if ev.Slow {
			e.Slow++
		}
	}
}

// runner is one run's state.
type runner struct {
	sc      Scenario
	ev      Events
	c       *runtime.Circuit
	clock   *fakeclock.Clock
	rng     *rand.Rand
	pending pending // calls in flight that will end
	hung    []*runtime.Attempt
	out     []Interval
}

// run makes the scenario's calls, evenly spaced, ending each call in flight
// at its time, and closes an interval every sc.Every.
func (r *runner) run() {
	gap := time.Second / time.Duration(r.sc.Rate)
	total := r.sc.Duration()
	for at := time.Duration(0); at < total; at += gap {
		r.endUntil(at)
		if len(r.out) == 0 || at >= r.current().From+r.sc.Every {
			r.closeInterval(at)
		}
		r.call(at)
	}
	r.endUntil(total)
	r.closeInterval(total)
	r.out = r.out[:len(r.out)-1] // the empty interval closeInterval opened at the end
}

func (r *runner) current() *Interval { return &r.out[len(r.out)-1] }

// closeInterval reads the status at the end of the current interval and
// opens the next, starting at at.
func (r *runner) closeInterval(at time.Duration) {
	r.clock.Set(Start.Add(at))
	if len(r.out) > 0 {
		r.current().Status, _ = r.c.Status(context.Background())
	}
	p, _ := r.sc.phaseAt(at)
	r.out = append(r.out, Interval{From: at, Phase: p.Name})
}

// call makes one call at offset at.
func (r *runner) call(at time.Duration) {
	r.clock.Set(Start.Add(at))
	p, _ := r.sc.phaseAt(at)
	fails := r.rng.Float64() < p.ErrorRate
	latency := p.Latency.draw(r.rng)
	iv := r.current()
	iv.Calls++
	if !fails && !p.Hang {
		iv.WouldSucceed++
	}
	a, err := r.c.Allow(context.Background())
	if err != nil {
		iv.Rejected++
		return
	}
	iv.Admitted++
	if !fails && !p.Hang {
		iv.AdmittedWouldSucceed++
	}
	call := &inFlight{a: &a, end: at + latency, fails: fails, iv: len(r.out) - 1}
	switch {
	case p.Hang:
		r.hung = append(r.hung, call.a)
	case latency <= 0:
		r.end(call)
	default:
		heap.Push(&r.pending, call)
	}
}

// endUntil ends, in order, every call in flight that ends by at.
func (r *runner) endUntil(at time.Duration) {
	for len(r.pending) > 0 && r.pending[0].end <= at {
		call := heap.Pop(&r.pending).(*inFlight)
		r.clock.Set(Start.Add(call.end))
		r.end(call)
	}
}

// end gives a call its outcome, counted in the interval it started in.
func (r *runner) end(call *inFlight) {
	iv := &r.out[call.iv]
	if call.fails {
		iv.Failed++
		call.a.Done(context.Background(), ErrDependency)
		return
	}
	iv.Succeeded++
	call.a.Done(context.Background(), nil)
}

// inFlight is a call that will end.
type inFlight struct {
	a     *runtime.Attempt
	end   time.Duration
	fails bool
	iv    int
}

// pending is a min-heap of calls by end.
type pending []*inFlight

func (p pending) Len() int           { return len(p) }
func (p pending) Less(i, j int) bool { return p[i].end < p[j].end }
func (p pending) Swap(i, j int)      { p[i], p[j] = p[j], p[i] }
func (p *pending) Push(x any)        { *p = append(*p, x.(*inFlight)) }
func (p *pending) Pop() any {
	old := *p
	x := old[len(old)-1]
	*p = old[:len(old)-1]
	return x
}

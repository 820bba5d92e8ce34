package main

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/breakergen/breakergen/examples/payments/gateway"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/fakeclock"
)

var errRefused = errors.New("dial tcp 10.0.0.7:443: connection refused")

// provider simulates the payments provider: it refuses connections while down
// and declines the card named "stolen".
type provider struct {
	down    atomic.Bool
	charges atomic.Int64
	gate    atomic.Pointer[chan struct{}] // while set, charges wait for it to close
	entered atomic.Int64                  // charges that reached the provider
}

var _ gateway.Client = (*provider)(nil)

func (p *provider) setDown(down bool) { p.down.Store(down) }

func (p *provider) Charge(_ context.Context, req gateway.ChargeRequest) (gateway.Receipt, error) {
	p.entered.Add(1)
	if g := p.gate.Load(); g != nil {
		<-*g
	}
	if p.down.Load() {
		return gateway.Receipt{}, errRefused
	}
	if req.Card == "stolen" {
		return gateway.Receipt{}, gateway.ErrDeclined
	}
	n := p.charges.Add(1)
	return gateway.Receipt{ID: fmt.Sprintf("r-%d", n), Amount: req.Amount}, nil
}

func (p *provider) Refund(context.Context, string) error {
	if p.down.Load() {
		return errRefused
	}
	return nil
}

func (p *provider) Balance(context.Context, string) (int64, error) {
	if p.down.Load() {
		return 0, errRefused
	}
	return 4200, nil
}

func (p *provider) Name() string { return "simulated provider" }

// raceForProbe starts n concurrent charges at once and counts those that ran and
// those the circuit skipped. Charges that reach the provider are held until every
// caller has either reached it or been skipped, so a fast probe cannot close the
// circuit before the others have even asked.
func raceForProbe(ctx context.Context, c gateway.Client, p *provider, n int) (ran, skipped int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	var skips atomic.Int64
	gate := make(chan struct{})
	p.gate.Store(&gate)
	defer p.gate.Store(nil)
	base := p.entered.Load()
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := c.Charge(ctx, gateway.ChargeRequest{Card: fmt.Sprintf("racer%d", i), Amount: 1})
			mu.Lock()
			defer mu.Unlock()
			if errors.Is(err, runtime.ErrOpen) {
				skipped++
				skips.Add(1)
			} else {
				ran++
			}
		}()
	}
	close(start)
	for p.entered.Load()-base+skips.Load() < int64(n) {
		goruntime.Gosched()
	}
	close(gate)
	wg.Wait()
	return ran, skipped
}

// scriptClock is a runtime.Clock that moves only when the script advances it,
// and tells how far it has moved.
type scriptClock struct {
	*fakeclock.Clock
	start time.Time
}

func newScriptClock() *scriptClock {
	t := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	return &scriptClock{Clock: fakeclock.New(t), start: t}
}

func (c *scriptClock) offset() string {
	return fmt.Sprintf("t+%-3s", fmt.Sprintf("%ds", int(c.Now().Sub(c.start).Seconds())))
}

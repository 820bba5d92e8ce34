// Command payments shows circuits at work on a payments client: calls succeed,
// the provider goes down and failures trip the circuit, calls are skipped (or
// answered by a fallback) while it cools down, eight callers race at half-open and
// exactly one probes, and the probe's success closes the circuit.
//
// The provider and the clock are simulated, so the timeline is the same on every
// run and takes no time: the clock only moves when the script says so.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/breakergen/breakergen/examples/payments/gateway"
	"github.com/breakergen/breakergen/runtime"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	clock := newScriptClock()
	provider := &provider{}
	breaker := runtime.MustNew(
		runtime.WithClock(clock),
		runtime.WithListener(runtime.ListenerFunc(func(e runtime.Event) {
			switch e.Type {
			case runtime.EventOpened, runtime.EventReopened, runtime.EventClosed:
				fmt.Fprintf(w, "%s  circuit %s %s\n", clock.offset(), e.Circuit, e.Type)
			}
		})),
	)
	client := gateway.NewClientBreaker(provider, breaker)
	ctx := context.Background()
	say := func(format string, args ...any) {
		fmt.Fprintf(w, "%s  %s\n", clock.offset(), fmt.Sprintf(format, args...))
	}
	charge := func(card string, amount int64) error {
		r, err := client.Charge(ctx, gateway.ChargeRequest{Card: card, Amount: amount})
		switch {
		case err == nil:
			say("charge %-6s ok, receipt %s", card, r.ID)
		default:
			say("charge %-6s %v", card, err)
		}
		return err
	}

	charge("alice", 1200)
	clock.Advance(time.Second)
	charge("bob", 800)
	clock.Advance(time.Second)
	charge("stolen", 500) // declined: excluded, not counted as a failure

	say("-- the provider starts refusing connections")
	provider.setDown(true)
	for _, card := range []string{"carol", "dave", "erin"} {
		clock.Advance(time.Second)
		charge(card, 100) // two failures in four calls trip the circuit
	}
	for range 4 {
		clock.Advance(time.Second)
		balance, err := client.Balance(ctx, "acct-1")
		say("balance acct-1: %d, %v", balance, err) // -1 is the fallback's "unknown"
	}

	clock.Advance(10 * time.Second)
	charge("grace", 100) // still cooling down
	provider.setDown(false)
	say("-- the provider is back; the cool-down (30s) ends")
	clock.Advance(20 * time.Second)

	probes, skipped := raceForProbe(ctx, client, provider, 8)
	say("8 callers raced at half-open: %d probe ran, %d skipped", probes, skipped)
	clock.Advance(time.Second)
	charge("heidi", 100)
	clock.Advance(10 * time.Second)
	if err := client.Refund(ctx, "r-1"); err != nil {
		return err
	}
	say("refund r-1 ok: the probe of circuit %q closed it", "payments")
	if probes != 1 || provider.charges.Load() == 0 {
		return fmt.Errorf("payments: expected exactly one probe, got %d", probes)
	}
	return nil
}

package faultsuite

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// faultFor is how long each fault lasts.
const faultFor = 1200 * time.Millisecond

// scenario is one fault between go-redis and Redis.
type scenario struct {
	name string
	// on starts the fault; off ends it (and waits until it has ended).
	on, off func(t *testing.T, r *rig)
	// outage says the fault makes Redis unusable for a while, whatever the
	// client's settings: every mode must report storage failures then.
	outage bool
	// slowerThanDeadline says each command takes longer than the storage
	// deadline, so strict mode, which asks Redis on every call, must report
	// storage failures even when the fleet's one-second rounds get through.
	slowerThanDeadline bool
}

func scenarios() []scenario {
	latency := func(name string, d time.Duration, outage bool) scenario {
		return scenario{
			name:               name,
			on:                 func(_ *testing.T, r *rig) { r.proxy.SetLatency(d) },
			off:                func(_ *testing.T, r *rig) { r.proxy.SetLatency(0) },
			outage:             outage,
			slowerThanDeadline: true,
		}
	}
	heal := func(_ *testing.T, r *rig) { r.proxy.Heal() }
	return []scenario{
		latency("latency-50ms", 50*time.Millisecond, false),
		latency("latency-500ms", 500*time.Millisecond, false),
		latency("latency-3s", 3*time.Second, true),
		{name: "lost-replies", on: func(_ *testing.T, r *rig) { r.proxy.ResetReplies(0.2, 1) }, off: heal},
		{name: "resets", on: resetEvery(50 * time.Millisecond), off: heal},
		{name: "blackhole", on: func(_ *testing.T, r *rig) { r.proxy.Blackhole() }, off: heal, outage: true},
		{name: "half-open", on: func(_ *testing.T, r *rig) { r.proxy.HalfOpen() }, off: heal, outage: true},
		{name: "kill-restart", on: func(t *testing.T, r *rig) { r.srv.Kill(t) }, off: func(t *testing.T, r *rig) { r.srv.Restart(t) }, outage: true},
		{name: "client-pause", on: clientPause, off: awake, outage: true},
		{name: "debug-sleep", on: debugSleep, off: awake, outage: true},
	}
}

// resetEvery resets every connection through the proxy every period until the
// fault ends.
func resetEvery(period time.Duration) func(t *testing.T, r *rig) {
	return func(t *testing.T, r *rig) {
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			tick := time.NewTicker(period)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					r.proxy.ResetAll()
				}
			}
		}()
		r.stopFault = func() {
			close(stop)
			<-done
		}
	}
}

// clientPause suspends every client of the server for the fault's length.
func clientPause(t *testing.T, r *rig) {
	require.NoError(t, r.admin.Do(context.Background(), "CLIENT", "PAUSE", faultFor.Milliseconds(), "ALL").Err())
}

// debugSleep blocks the server's only thread for the fault's length.
func debugSleep(t *testing.T, r *rig) {
	slept := make(chan error, 1)
	go func() { slept <- r.admin.Do(context.Background(), "DEBUG", "SLEEP", faultFor.Seconds()).Err() }()
	r.stopFault = func() { require.NoError(t, <-slept, "DEBUG SLEEP") }
}

// awake waits for the server to answer again, after a pause or a sleep.
func awake(t *testing.T, r *rig) {
	require.NoError(t, r.admin.Ping(context.Background()).Err(), "PING after the fault")
}

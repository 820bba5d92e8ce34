// Package fleetpair runs the two-process scenario with which the metrics
// integrations (prombreaker, otelbreaker) check that a process counts the
// transitions it learns from its fleet: two real OS processes, the test
// binary run again, share the circuit "payments" on a fleet store of one
// real redis-server. Process B binds the circuit and calls nothing; process
// A fails three calls, which opens the fleet's circuit; each then prints
// what its own metrics show, and the test compares.
//
// B makes no call on purpose: a process whose own calls all succeed does not
// vote to open, and with the default quorum (2) A's failures would open the
// circuit in A only (a local opening), which the fleet never learns.
package fleetpair

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Circuit is the name of the fleet's circuit.
const Circuit = "payments"

// Options are the circuit's options: three failures open it.
var Options = runtime.Options{CoolDown: time.Minute, EvaluationWindow: time.Minute, SampleThreshold: 3}

// Lines a child writes to its standard output: that it is ready, and its
// report.
const (
	readyMark  = "FLEETCHILDREADY"
	reportMark = "FLEETCHILDREPORT "
)

// Child is what one process does: on a fleet store of the redis-server at
// Addr with Prefix, A (Trip) fails three calls; B waits until its metrics
// show the opening, at most Wait.
type Child struct {
	Addr, Prefix string
	Trip         bool
	Wait         time.Duration
}

// Run starts B, then A, in the test binary run again with env set to each
// one's Child and -test.run selecting childTest, and decodes their reports
// into a and b.
func Run(t *testing.T, env, childTest string, a, b any) {
	t.Helper()
	srv := redistest.Start(t)
	exe, err := os.Executable()
	require.NoError(t, err)
	prefix := fmt.Sprintf("%s-%d", strings.ToLower(childTest), time.Now().UnixNano())
	child := func(c Child) *exec.Cmd {
		cfg, err := json.Marshal(c)
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		t.Cleanup(cancel)
		cmd := exec.CommandContext(ctx, exe, "-test.run=^"+childTest+"$", "-test.count=1")
		cmd.Env = append(os.Environ(), env+"="+string(cfg))
		return cmd
	}

	// B first: it knows the circuit and says so.
	bc := child(Child{Addr: srv.Addr(), Prefix: prefix, Wait: 10 * time.Second})
	var bErr strings.Builder
	bc.Stderr = &bErr
	out, err := bc.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, bc.Start())
	lines := bufio.NewScanner(out)
	ready := false
	for !ready && lines.Scan() {
		ready = strings.Contains(lines.Text(), readyMark)
	}
	require.True(t, ready, "B never got ready:\n%s", bErr.String())

	// A trips the circuit and exits.
	aOut, err := child(Child{Addr: srv.Addr(), Prefix: prefix, Trip: true}).CombinedOutput()
	require.NoError(t, err, "A:\n%s", aOut)
	report(t, "A", string(aOut), a)

	var rest strings.Builder
	for lines.Scan() {
		rest.WriteString(lines.Text() + "\n")
	}
	require.NoError(t, bc.Wait(), "B:\n%s%s\nA:\n%s", rest.String(), bErr.String(), aOut)
	report(t, "B", rest.String(), b)
}

// report decodes the report in a child's output into v.
func report(t *testing.T, who, out string, v any) {
	t.Helper()
	_, line, found := strings.Cut(out, reportMark)
	require.True(t, found, "%s's report:\n%s", who, out)
	line, _, _ = strings.Cut(line, "\n")
	require.NoError(t, json.Unmarshal([]byte(line), v), "%s's report:\n%s", who, out)
}

// ChildOf returns the Child the process was run as, from env, and false when
// it is not a child.
func ChildOf(t *testing.T, env string) (Child, bool) {
	cfg := os.Getenv(env)
	if cfg == "" {
		return Child{}, false
	}
	var c Child
	require.NoError(t, json.Unmarshal([]byte(cfg), &c))
	return c, true
}

// Store returns a fleet store of the child's redis-server, shut down with the
// breaker that uses it.
func (c Child) Store(t *testing.T) *redisstore.Store {
	client := redis.NewClient(&redis.Options{Addr: c.Addr})
	t.Cleanup(func() { _ = client.Close() })
	s, err := redisstore.New(client, redisstore.WithPrefix(c.Prefix))
	require.NoError(t, err)
	return s
}

// Play does the child's part with b, which uses Store's store and the
// metrics: A fails three calls; B reads the circuit, says it is ready and
// waits until seen (the opening counted in its metrics) holds. Then it prints
// what report returns, and shuts b down.
func (c Child) Play(t *testing.T, b *runtime.Breaker, seen func() bool, report func() (any, error)) {
	defer func() { assert.NoError(t, b.Shutdown(context.Background())) }()
	cb := b.Circuit(Circuit, Options)
	ctx := context.Background()
	if c.Trip {
		for range 3 {
			require.Error(t, cb.Run(ctx, func(context.Context) error { return fmt.Errorf("payments: 503") }))
		}
		st, err := cb.Status(ctx)
		require.NoError(t, err)
		require.True(t, st.Open(), "A's circuit after its failures: %v", st)
	} else {
		_, err := cb.Status(ctx)
		require.NoError(t, err, "B reading its circuit")
		fmt.Println(readyMark)
		if !assert.Eventually(t, seen, c.Wait, 10*time.Millisecond, "B's metrics counting the opening") {
			st, err := cb.Status(ctx)
			t.Fatalf("B's circuit: %v, error %v", st, err)
		}
		time.Sleep(100 * time.Millisecond) // room for a duplicate to show up
	}
	rep, err := report()
	require.NoError(t, err)
	out, err := json.Marshal(rep)
	require.NoError(t, err)
	fmt.Println("\n" + reportMark + string(out))
}

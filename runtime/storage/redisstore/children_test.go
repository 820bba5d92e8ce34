package redisstore_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// startChild runs the test named test again in a child process (the test
// binary), with env added to its environment, and returns a function that
// waits for it, at most d, requires that it passed, and returns its output.
func startChild(t *testing.T, test string, env ...string) (wait func(d time.Duration) string) {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return func(d time.Duration) string {
		t.Helper()
		select {
		case err := <-done:
			require.NoError(t, err, "child:\n%s", out.String())
		case <-time.After(d):
			_ = cmd.Process.Kill()
			t.Fatalf("the child did not finish in %v:\n%s", d, out.String())
		}
		return out.String()
	}
}

// trippedWithChild starts a redis-server, binds the circuit name with o on a
// fleet store of it, starts the test named test again as a child (env
// added, with envAddr and envPrefix), lets it bind the circuit, trips the
// circuit here with failures and waits out its cool-down. It returns the
// circuit and the function that waits for the child (see startChild).
func trippedWithChild(t *testing.T, test, env, name string, o runtime.Options) (*runtime.Circuit, func(time.Duration) string) {
	t.Helper()
	srv := redistest.Start(t)
	s := newStore(t, srv.Client(t, nil))
	c := runtime.MustNew(runtime.WithStorage(s), runtime.WithStorageTimeout(protocolTimeout)).Circuit(name, o)
	wait := startChild(t, test, env, envAddr+"="+srv.Addr(), envPrefix+"="+s.Prefix())
	time.Sleep(300 * time.Millisecond) // the child binds the circuit and subscribes
	for range o.SampleThreshold {
		_ = c.Run(context.Background(), fail)
	}
	time.Sleep(o.CoolDown)
	return c, wait
}

// childCircuit returns the circuit name, bound with o, of a child's fleet
// store on the server and prefix its parent gave (envAddr, envPrefix), once
// it has read it; the store shuts down, and the client closes, with the test.
func childCircuit(t *testing.T, name string, o runtime.Options) *runtime.Circuit {
	t.Helper()
	client := redis.NewClient(&redis.Options{Addr: os.Getenv(envAddr)})
	t.Cleanup(func() { _ = client.Close() })
	store, err := redisstore.New(client, redisstore.WithPrefix(os.Getenv(envPrefix)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Shutdown(context.Background()) })
	c := runtime.MustNew(runtime.WithStorage(store), runtime.WithStorageTimeout(protocolTimeout)).Circuit(name, o)
	_, err = c.Status(context.Background())
	require.NoError(t, err)
	return c
}

// childReport decodes into v the JSON that follows mark on a line of a
// child's output.
func childReport(t *testing.T, out, mark string, v any) {
	t.Helper()
	for line := range strings.SplitSeq(out, "\n") {
		if rest, ok := strings.CutPrefix(line, mark+" "); ok {
			require.NoError(t, json.Unmarshal([]byte(rest), v))
			return
		}
	}
	t.Fatalf("no %s line in the child's output:\n%s", mark, out)
}

// printReport prints v as JSON after mark, the line childReport reads.
func printReport(t *testing.T, mark string, v any) {
	t.Helper()
	out, err := json.Marshal(v)
	require.NoError(t, err)
	os.Stdout.WriteString(mark + " " + string(out) + "\n")
}

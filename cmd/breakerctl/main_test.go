package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
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

// roleEnv makes the test binary play a part in the end-to-end test: the
// breakerctl command itself, or a service of the fleet.
const roleEnv = "BREAKERCTL_TEST_ROLE"

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "breakerctl":
		main()
	case "service":
		os.Exit(serve())
	}
	os.Exit(m.Run())
}

// serve is a service process: it trips the circuit "payments" in the Redis
// at REDIS_URL (prefix "fleet"), says "tripped", then calls it every 10ms
// until a call runs, which it says with "allowed". It gives up after 20s.
func serve() int {
	opt, err := redis.ParseURL(os.Getenv("REDIS_URL"))
	if err != nil {
		fmt.Println("bad url")
		return 1
	}
	client := redis.NewClient(opt)
	defer client.Close()
	store, err := redisstore.New(client, redisstore.WithPrefix("fleet"))
	if err != nil {
		fmt.Println(err)
		return 1
	}
	c := runtime.MustNew(runtime.WithStorage(store)).Circuit("payments", runtime.Options{CoolDown: time.Hour})
	ctx := context.Background()
	for range 3 {
		_ = c.Run(ctx, func(context.Context) error { return errors.New("gateway down") })
	}
	fmt.Println("tripped")
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if c.Run(ctx, func(context.Context) error { return nil }) == nil {
			fmt.Println("allowed")
			return 0
		}
	}
	fmt.Println("never allowed")
	return 1
}

// ctl runs breakerctl as a process of its own.
func ctl(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), roleEnv+"=breakerctl"), env...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), out.String(), errOut.String()
	}
	require.NoError(t, err)
	return 0, out.String(), errOut.String()
}

// startService starts a service process and returns its lines of output.
func startService(t *testing.T, url string) <-chan string {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), roleEnv+"=service", "REDIS_URL="+url)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan string, 10)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines
}

func expectLine(t *testing.T, lines <-chan string, want string, within time.Duration) {
	t.Helper()
	select {
	case got := <-lines:
		require.Equal(t, want, got)
	case <-time.After(within):
		t.Fatalf("the service did not say %q within %v", want, within)
	}
}

// TestEndToEnd: a service process trips a circuit in a password-protected
// Redis; breakerctl, another process with an ACL user's credentials, lists
// it and locks it closed; the service's next calls run.
func TestEndToEnd(t *testing.T) {
	srv := redistest.Start(t)
	admin := srv.Client(t, nil)
	ctx := context.Background()
	require.NoError(t, admin.Do(ctx, "ACL", "SETUSER", "oncall", "on", ">On-call-Secret", "~*", "&*", "+@all").Err())
	require.NoError(t, admin.ConfigSet(ctx, "requirepass", "Service-Secret").Err())
	serviceURL := "redis://:Service-Secret@" + srv.Addr()
	env := []string{"REDIS_URL=redis://oncall:On-call-Secret@" + srv.Addr() + "/0"}

	lines := startService(t, serviceURL)
	expectLine(t, lines, "tripped", 10*time.Second)

	code, out, errOut := ctl(t, env, "-prefix", "fleet", "list")
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, `(?m)^payments +open +none +\S+ +100\.0% +3 +in `, out)

	code, out, errOut = ctl(t, env, "-prefix", "fleet", "lock-closed", "payments")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "payments: lock none -> closed; state closed (locked closed)\n", out)
	expectLine(t, lines, "allowed", 5*time.Second)

	code, out, errOut = ctl(t, env, "-prefix", "fleet", "-json", "list")
	require.Equal(t, 0, code, errOut)
	var views []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &views))
	require.Len(t, views, 1)
	assert.Equal(t, "payments", views[0]["name"])
	assert.Equal(t, "closed", views[0]["lock"])
	assert.Equal(t, "closed (locked closed)", views[0]["state"], "what callers meet")
	assert.Equal(t, "open", views[0]["stored_state"], "locked closed, still open underneath")

	code, out, errOut = ctl(t, nil, "-redis-url", "redis://oncall:On-call-Secret@127.0.0.1:1", "status", "payments")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Equal(t, 1, strings.Count(errOut, "\n"), errOut)
	assert.NotContains(t, errOut, "On-call-Secret")

	code, _, errOut = ctl(t, env, "lock")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "usage: breakerctl")
}

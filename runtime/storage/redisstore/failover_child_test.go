package redisstore_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The child processes of TestFailoverKeepsOneProbeAndEveryLock: the test
// binary run again with envFailoverChild set to a failoverChildConfig. A
// child connects through the sentinels, prints readyMark, calls the failing
// dependency from failoverGoroutines goroutines until its stdin closes (the
// parent's stop, or the parent's death), and prints its failoverReport after
// reportMark, as the scenarios' children do.
const (
	envFailoverChild = "BREAKERGEN_FAILOVER_CHILD"
	readyMark        = "FAILOVERREADY"
)

// failoverChildConfig is what a child needs to find the master.
type failoverChildConfig struct {
	SentinelAddrs []string
	MasterName    string
	Prefix        string
}

// failoverProbe is one EventProbe of a child: its circuit, its half-open
// window's OpenedAt and its reservation's ReservedAt, both Redis's times.
type failoverProbe struct {
	Circuit              string
	OpenedAt, ReservedAt time.Time
}

// failoverReport is a child's report: outcome's probe and storage-failure
// counts (noteEvent) and its Shutdown error, and every probe it ran.
type failoverReport struct {
	outcome
	Reservations []failoverProbe
}

// failoverChild is one process of the failover scenario; cfg is its
// failoverChildConfig.
func failoverChild(t *testing.T, cfg string) {
	var fc failoverChildConfig
	require.NoError(t, json.Unmarshal([]byte(cfg), &fc))
	opts := failoverClientOptions()
	opts.MasterName, opts.SentinelAddrs = fc.MasterName, fc.SentinelAddrs
	client := redis.NewFailoverClient(opts)
	defer client.Close()
	s, err := redisstore.New(client, redisstore.WithPrefix(fc.Prefix))
	require.NoError(t, err)
	var mu sync.Mutex
	var rep failoverReport
	b := runtime.MustNew(runtime.WithStorage(s), runtime.WithStorageTimeout(time.Second),
		runtime.WithListener(runtime.ListenerFunc(func(e runtime.Event) {
			mu.Lock()
			defer mu.Unlock()
			rep.noteEvent(e)
			if e.Type == runtime.EventProbe {
				rep.Reservations = append(rep.Reservations, failoverProbe{e.Circuit, e.Status.OpenedAt, e.Status.ReservedAt})
			}
		}), runtime.EventProbe, runtime.EventStorageFailure))
	cs := make([]*runtime.Circuit, failoverCircuits)
	for i := range cs {
		cs[i] = b.Circuit(fmt.Sprintf("dependency-%d", i), failoverOptions)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() { // the parent closes stdin to stop the child, and so does its death
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	for range 3 { // connect first, as a service does before it takes traffic
		if _, err := cs[0].Status(ctx); err == nil {
			break
		}
	}
	os.Stdout.WriteString(readyMark + "\n")
	var wg sync.WaitGroup
	for g := range failoverGoroutines {
		wg.Go(func() { failoverCalls(ctx, cs, g*failoverCircuits/failoverGoroutines) })
	}
	wg.Wait()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.Shutdown(sctx); err != nil { // the store's too
		rep.Shutdown = err.Error()
	}
	mu.Lock()
	out, err := json.Marshal(rep)
	mu.Unlock()
	require.NoError(t, err)
	os.Stdout.WriteString("\n" + reportMark + string(out) + "\n")
}

// failoverProcess is a running child, seen from the parent.
type failoverProcess struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	ready chan struct{} // closed when the child has printed readyMark
	done  chan struct{} // closed when the child has exited and been waited for
	// Set before done is closed: the child's output but its marks, its
	// report, whether it printed one, and its exit error.
	out    lockedBuffer
	report failoverReport
	found  bool
	err    error
}

// startFailoverChildren starts n children on rig's sentinels with prefix and
// waits until every one is connected. Each is killed when the test ends if it
// is still running.
func startFailoverChildren(t *testing.T, rig *redistest.Replicated, prefix string, n int) []*failoverProcess {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cfg, err := json.Marshal(failoverChildConfig{SentinelAddrs: rig.SentinelAddrs(), MasterName: rig.MasterName, Prefix: prefix})
	require.NoError(t, err)
	ps := make([]*failoverProcess, n)
	for i := range ps {
		p := &failoverProcess{ready: make(chan struct{}), done: make(chan struct{})}
		p.cmd = exec.Command(exe, "-test.run=^TestFailoverKeepsOneProbeAndEveryLock$", "-test.count=1")
		p.cmd.Env = append(os.Environ(), envFailoverChild+"="+string(cfg))
		p.cmd.Stderr = &p.out
		p.stdin, err = p.cmd.StdinPipe()
		require.NoError(t, err)
		stdout, err := p.cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, p.cmd.Start())
		t.Cleanup(func() {
			_ = p.cmd.Process.Kill() // ErrProcessDone once it has exited
			<-p.done
		})
		go p.read(stdout)
		ps[i] = p
	}
	deadline := time.After(60 * time.Second)
	for i, p := range ps {
		select {
		case <-p.ready:
		case <-p.done:
			require.Failf(t, "a child exited before it was ready", "child %d: %v\n%s", i, p.err, p.out.String())
		case <-deadline:
			require.Failf(t, "the children did not get ready", "child %d:\n%s", i, p.out.String())
		}
	}
	return ps
}

// read reads the child's stdout until it ends, then waits for the child.
func (p *failoverProcess) read(stdout io.Reader) {
	defer close(p.done)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == readyMark {
			close(p.ready)
		} else if rest, ok := strings.CutPrefix(line, reportMark); ok {
			err := json.Unmarshal([]byte(rest), &p.report)
			p.found = err == nil
			if err != nil {
				_, _ = p.out.Write([]byte("bad report: " + err.Error() + "\n"))
			}
		} else {
			_, _ = p.out.Write([]byte(line + "\n"))
		}
	}
	_, _ = io.Copy(io.Discard, stdout) // a line too long for the scanner
	p.err = p.cmd.Wait()
}

// stopFailoverChildren stops the children (closes their stdin) and returns
// the reports of those that exited cleanly with one.
func stopFailoverChildren(t *testing.T, ps []*failoverProcess) []failoverReport {
	t.Helper()
	for _, p := range ps {
		_ = p.stdin.Close()
	}
	deadline := time.After(60 * time.Second)
	var reports []failoverReport
	for i, p := range ps {
		select {
		case <-p.done:
		case <-deadline:
			require.Failf(t, "a child did not stop", "child %d:\n%s", i, p.out.String())
		}
		if assert.NoError(t, p.err, "child %d:\n%s", i, p.out.String()) &&
			assert.True(t, p.found, "child %d's report:\n%s", i, p.out.String()) {
			reports = append(reports, p.report)
		}
	}
	return reports
}

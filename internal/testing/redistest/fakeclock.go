package redistest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// fakeTimeLibs are where FakeTimeLibrary looks for libfaketime, in order:
// Debian's and Ubuntu's multiarch directories (the Debian package
// libfaketime), then other distributions' and a build from source's.
var fakeTimeLibs = []string{
	"/usr/lib/*-linux-gnu/faketime/libfaketime.so.1",
	"/usr/lib64/faketime/libfaketime.so.1",
	"/usr/lib/faketime/libfaketime.so.1",
	"/usr/local/lib/faketime/libfaketime.so.1",
}

// clockSlack is how far a server's TIME may be from real time plus its
// clock's offset, beyond the round trip that read it, for the clock to count
// as applied: libfaketime adds the offset exactly, so this only absorbs
// rounding.
const clockSlack = 500 * time.Millisecond

// FakeTimeLibrary returns the path of libfaketime's library. When it is
// missing it skips the test with a message naming the Debian package
// libfaketime, or fails it when RequireEnv is "1".
func FakeTimeLibrary(t testing.TB) string {
	t.Helper()
	for _, pattern := range fakeTimeLibs {
		matches, _ := filepath.Glob(pattern)
		for _, m := range matches {
			if fi, err := os.Stat(m); err == nil && fi.Mode().IsRegular() {
				return m
			}
		}
	}
	msg := fmt.Sprintf("libfaketime not found (looked for %s); install the Debian package libfaketime (apt-get install libfaketime)",
		strings.Join(fakeTimeLibs, ", "))
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s; %s=1 requires it", msg, RequireEnv)
		return ""
	}
	t.Skipf("%s to run this test", msg)
	return ""
}

// FakeClock is a wall clock for redis-servers run under libfaketime: each of
// them reads real time plus the clock's offset, which Step moves at once for
// every one of them, as an NTP step or an operator's date -s moves a host's
// clock. Several servers may share a clock; servers with clocks of their own
// disagree by the difference of the offsets.
//
// Only the wall clock is fake (time, gettimeofday, clock_gettime of
// CLOCK_REALTIME): Redis's TIME, the expiry of keys (an absolute instant in
// Redis, which a replica receives as such) and the INFO fields in Unix time
// follow it. Redis's monotonic clock, which times its event loop, its cron
// (active expiry, replication pings) and its timeouts, stays real
// (FAKETIME_DONT_FAKE_MONOTONIC=1): libfaketime would otherwise move it with
// the offset, and a step back would stop the cron until real time caught up.
//
// Debian's redis-server allocates with the system's jemalloc, which calls
// clock_gettime while it initialises; libfaketime, initialising in that
// call, makes glibc allocate, and the process deadlocks at start (a known
// clash, wolfcw/libfaketime#130). The servers therefore preload glibc after
// libfaketime, so that malloc and free resolve to glibc's everywhere in the
// process: jemalloc still answers Redis's statistics calls (INFO memory's
// allocator fields are then meaningless), and nothing it did not allocate
// reaches it.
//
// A FakeClock is safe for concurrent use; Step must be called from the
// test's goroutine.
type FakeClock struct {
	lib  string // libfaketime's path
	file string // FAKETIME_TIMESTAMP_FILE: the offset, "+7200.000000"

	mu      sync.Mutex
	offset  time.Duration
	servers []*Server
}

// NewFakeClock returns a clock offset from real time by offset (negative:
// behind), for servers started with its Start. Its timestamp file lives in a
// temporary directory of the test. Without libfaketime it skips the test, or
// fails it when RequireEnv is "1".
func NewFakeClock(t testing.TB, offset time.Duration) *FakeClock {
	t.Helper()
	c := &FakeClock{lib: FakeTimeLibrary(t), file: filepath.Join(t.TempDir(), "faketime"), offset: offset}
	if err := c.write(offset); err != nil {
		t.Fatalf("redistest: writing the fake clock's file: %v", err)
	}
	return c
}

// Start starts a standalone redis-server on the clock, as Start does on the
// real one, with args as its configuration (e.g. "--replicaof", "127.0.0.1",
// port), and checks that its TIME reads the clock. It is killed when the test
// ends; a Restart keeps it on the clock.
func (c *FakeClock) Start(t testing.TB, args ...string) *Server {
	t.Helper()
	return startOn(t, standalone, args, "", c)
}

// Offset returns how far the clock is ahead of real time (behind when
// negative).
func (c *FakeClock) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}

// Now returns the clock's time: real time plus the offset.
func (c *FakeClock) Now() time.Time { return time.Now().Add(c.Offset()) }

// Step moves the clock by d, forward or back (negative d), for every server on
// it at once, and returns when each running one reads the new time. The
// servers see a jump, not a slew: a forward step ages every key with a TTL
// by d, expiring those with less than d to live.
func (c *FakeClock) Step(t testing.TB, d time.Duration) {
	t.Helper()
	c.mu.Lock()
	c.offset += d
	offset := c.offset
	err := c.write(offset)
	servers := append([]*Server(nil), c.servers...)
	c.mu.Unlock()
	if err != nil {
		t.Fatalf("redistest: stepping the fake clock by %v: %v", d, err)
	}
	for _, s := range servers {
		if !s.Running() {
			continue
		}
		if err := c.agrees(s, offset); err != nil {
			t.Fatalf("redistest: stepping the fake clock by %v: %v", d, err)
		}
	}
}

// add makes s one of the servers Step waits for.
func (c *FakeClock) add(s *Server) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.servers = append(c.servers, s)
}

// write replaces the timestamp file with offset, in seconds as libfaketime
// reads a relative offset. The servers read it at every clock read
// (FAKETIME_NO_CACHE=1), so it is replaced by a rename, never seen half
// written.
func (c *FakeClock) write(offset time.Duration) error {
	tmp := c.file + ".tmp"
	if err := os.WriteFile(tmp, fmt.Appendf(nil, "%+.6f\n", offset.Seconds()), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, c.file)
}

// env returns the environment of a server on the clock: the test's, without
// any libfaketime setting of its own (FAKETIME would override the file), with
// libfaketime and then glibc preloaded (see FakeClock) before any library the
// test preloads.
func (c *FakeClock) env() []string {
	preload := c.lib + " libc.so.6"
	var env []string
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "FAKETIME"), k == "DONT_FAKE_MONOTONIC", k == "NO_FAKE_STAT":
		case k == "LD_PRELOAD":
			if v != "" {
				preload += " " + v
			}
		default:
			env = append(env, kv)
		}
	}
	return append(env,
		"LD_PRELOAD="+preload,
		"FAKETIME_TIMESTAMP_FILE="+c.file,
		"FAKETIME_NO_CACHE=1",
		"FAKETIME_DONT_FAKE_MONOTONIC=1",
	)
}

// agrees polls s's TIME until it reads real time plus offset, or fails when
// startTimeout passes: a server that does not follow the clock (a statically
// linked redis-server, which LD_PRELOAD cannot reach) would make a clock test
// pass for the wrong reason.
func (c *FakeClock) agrees(s *Server, offset time.Duration) error {
	cl := redis.NewClient(adminOptions(s.Addr()))
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	var why string
	for {
		before := time.Now()
		got, err := cl.Time(ctx).Result()
		after := time.Now()
		if err == nil {
			lo, hi := before.Add(offset-clockSlack), after.Add(offset+clockSlack)
			if !got.Before(lo) && !got.After(hi) {
				return nil
			}
			why = fmt.Sprintf("TIME reads %v from real time", got.Sub(before).Round(time.Millisecond))
		} else {
			why = "TIME: " + err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("redis-server on %s under libfaketime (%s) does not follow the fake clock, %v from real time, within %v: %s",
				s.Addr(), c.lib, offset, startTimeout, why)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Package redistest starts real redis-server processes for tests: a standalone
// server on a free loopback port (Start), a Redis Cluster of several masters
// (StartCluster), a Sentinel watching a server (StartSentinel), or a replicated
// set of a master, its replicas and the sentinels that fail it over
// (StartReplicated).
//
// A replicated set is the rig for failover tests. Its sentinels find a killed
// master down after a second and elect a replica a second or two later;
// Failover forces one and returns when every sentinel names the new master and
// the old one replicates it, about 1.2 s on an idle machine:
//
//	r := redistest.StartReplicated(t, 1, 3) // a master, a replica, three sentinels
//	c := r.Client(t, nil)                   // a go-redis FailoverClient over every sentinel
//	// ... write through c; WAIT 1 on the same connection for a replica's ack ...
//	old := r.Master(t)
//	m := r.Failover(t)  // or old.Kill(t); m := r.WaitNewMaster(t, old)
//	r.WaitReplicated(t) // every running replica has caught up with m
//
// Every server runs in a temporary directory of its own, without persistence, and
// is killed when the test that started it ends. When redis-server is not on PATH
// the test is skipped with a message naming the Debian package redis-server; with
// the environment variable BREAKERGEN_REQUIRE_REDIS=1 (set in CI) it fails instead.
//
// A server may run under a fake wall clock (libfaketime), for tests of clock
// skew and clock steps: a replica whose clock differs from its master's, a
// master whose clock an NTP step moves an hour forward. Step moves it at once,
// and the server's TIME, key expiry and Lua scripts follow:
//
//	clock := redistest.NewFakeClock(t, 0) // real time, until stepped
//	s := clock.Start(t)                   // a standalone server on it
//	// ... write with a TTL ...
//	clock.Step(t, 2*time.Hour) // TIME jumps; keys with less than 2h to live expire
//
// Without libfaketime such a test skips, naming the Debian package libfaketime,
// or fails under BREAKERGEN_REQUIRE_REDIS=1.
package redistest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RequireEnv is the environment variable that turns a missing redis-server from a
// skip into a test failure when it is set to "1".
const RequireEnv = "BREAKERGEN_REQUIRE_REDIS"

// startTimeout bounds how long a server may take to answer PING.
const startTimeout = 10 * time.Second

// Binary returns the path of redis-server. When it is missing it skips the test,
// or fails it when RequireEnv is "1".
func Binary(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err == nil {
		return path
	}
	msg := "redis-server not found on PATH; install the Debian package redis-server (apt-get install redis-server)"
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s; %s=1 requires it", msg, RequireEnv)
		return ""
	}
	t.Skipf("%s to run this test", msg)
	return ""
}

var (
	versionOnce  sync.Once
	versionMajor int
)

// major returns the major version of the redis-server at path, or 0 when unknown.
func major(path string) int {
	versionOnce.Do(func() {
		out, err := exec.Command(path, "--version").Output()
		if err != nil {
			return
		}
		m := regexp.MustCompile(`v=(\d+)\.`).FindSubmatch(out)
		if m != nil {
			versionMajor, _ = strconv.Atoi(string(m[1]))
		}
	})
	return versionMajor
}

// Server is one redis-server process. Its methods are safe for concurrent use.
type Server struct {
	bin  string
	dir  string
	port int
	args []string
	kind kind
	// conf is the configuration file of a sentinel or a replicated member,
	// written at the first start only: the server rewrites it (CONFIG
	// REWRITE) to keep its role, and a restart reads what it wrote.
	conf string
	// clock is the fake wall clock the server runs on, or nil for the real one.
	clock *FakeClock

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// Start starts a standalone redis-server on a free loopback port and kills it when
// the test ends. Extra arguments are passed to redis-server as configuration,
// e.g. "--maxmemory", "10mb". DEBUG is enabled on servers that need it enabled.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	return start(t, standalone, args, "")
}

// kind is what a Server runs as.
type kind uint8

const (
	standalone kind = iota
	clusterNode
	sentinel
	// member is a master or replica of a Replicated set: a standalone server
	// started from a configuration file that the sentinels rewrite.
	member
)

func start(t testing.TB, k kind, args []string, conf string) *Server {
	t.Helper()
	return startOn(t, k, args, conf, nil)
}

// startOn starts a server on clock, or on the real clock when clock is nil.
func startOn(t testing.TB, k kind, args []string, conf string, clock *FakeClock) *Server {
	t.Helper()
	bin := Binary(t)
	s := &Server{bin: bin, dir: t.TempDir(), args: args, kind: k, conf: conf, clock: clock}
	t.Cleanup(s.stop)
	var last error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort(k == clusterNode)
		if err != nil {
			last = err
			continue
		}
		s.port = port
		if last = s.launch(); last == nil {
			if clock != nil {
				clock.add(s)
			}
			return s
		}
	}
	t.Fatalf("redistest: starting redis-server: %v", last)
	return nil
}

// Addr returns the server's address, 127.0.0.1:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Port returns the server's TCP port.
func (s *Server) Port() int { return s.port }

// Dir returns the server's working directory.
func (s *Server) Dir() string { return s.dir }

// Kill kills the server at once (SIGKILL) and waits for it to exit. Its data is
// lost. Killing a stopped server does nothing.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	s.stop()
}

// Restart starts a killed server again on the same port, with an empty data set,
// and waits until it answers. A sentinel or a member of a Replicated set reads
// the configuration it last rewrote: a replica comes back as a replica of the
// master the sentinels last gave it, a sentinel with what it knew.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.stop()
	if err := s.launch(); err != nil {
		t.Fatalf("redistest: restarting redis-server on port %d: %v", s.port, err)
	}
}

// Running reports whether the server process is alive.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

func (s *Server) launch() error {
	args := []string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--dir", s.dir,
		"--daemonize", "no",
		"--logfile", "redis.log",
	}
	if s.kind == sentinel || s.kind == member {
		// redis-server takes a file only as its first argument; the options
		// after it override the file's.
		conf, err := s.writeConf()
		if err != nil {
			return err
		}
		head := []string{conf}
		if s.kind == sentinel {
			head = append(head, "--sentinel")
		}
		args = append(head, args...)
	}
	if s.kind != sentinel {
		args = append(args, "--save", "", "--appendonly", "no")
		if major(s.bin) >= 7 {
			args = append(args, "--enable-debug-command", "yes")
		}
	}
	if s.kind == clusterNode {
		args = append(args,
			"--cluster-enabled", "yes",
			"--cluster-config-file", "nodes-"+strconv.Itoa(s.port)+".conf",
			"--cluster-node-timeout", "2000",
		)
	}
	args = append(args, s.args...)
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.dir
	if s.clock != nil {
		cmd.Env = s.clock.env()
	}
	setProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	if err := waitReady(s.Addr(), done); err != nil {
		s.stop()
		if s.clock != nil {
			// A redis-server that hangs at start under libfaketime is
			// most likely the jemalloc clash FakeClock works around.
			err = fmt.Errorf("under libfaketime (%s; see FakeClock on jemalloc): %w", s.clock.lib, err)
		}
		return fmt.Errorf("%w; log:\n%s", err, s.logTail())
	}
	if s.clock != nil {
		if err := s.clock.agrees(s, s.clock.Offset()); err != nil {
			s.stop()
			return err
		}
	}
	return nil
}

// writeConf writes the server's configuration file unless an earlier start
// wrote it, and returns its path. A server rewrites its file, so each has one
// of its own.
func (s *Server) writeConf() (string, error) {
	name := "redis.conf"
	if s.kind == sentinel {
		name = "sentinel.conf"
	}
	path := filepath.Join(s.dir, name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return path, nil
	}
	if err != nil {
		return "", err
	}
	_, err = f.WriteString(s.conf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return path, err
}

func (s *Server) stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd, s.done = nil, nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

func (s *Server) logTail() string {
	b, err := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	if err != nil {
		return err.Error()
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// freePort returns a loopback port nobody listens on. For a cluster node the port
// 10000 above it, the cluster bus, must be free as well.
func freePort(cluster bool) (int, error) {
	for i := 0; i < 50; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		if !cluster {
			l.Close()
			return port, nil
		}
		if port+10000 > 65535 {
			l.Close()
			continue
		}
		bus, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000)))
		l.Close()
		if err != nil {
			continue
		}
		bus.Close()
		return port, nil
	}
	return 0, fmt.Errorf("no free port pair for a cluster node")
}

// waitReady polls the server with PING until it answers PONG, it exits, or
// startTimeout passes.
func waitReady(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-exited:
			return fmt.Errorf("redis-server on %s exited during start", addr)
		default:
		}
		if ping(addr) == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %s did not answer within %v", addr, startTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ping sends one PING in RESP and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadBytes('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("+PONG")) {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(string(line)))
	}
	return nil
}

// Client returns a client for the server, with opts (may be nil) and the
// server's address, closed when the test ends.
func (s *Server) Client(t testing.TB, opts *redis.Options) *redis.Client {
	t.Helper()
	var o redis.Options
	if opts != nil {
		o = *opts
	}
	o.Addr = s.Addr()
	cl := redis.NewClient(&o)
	t.Cleanup(func() { _ = cl.Close() })
	return cl
}

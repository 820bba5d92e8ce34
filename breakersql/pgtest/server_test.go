package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// requireEnv turns a missing PostgreSQL into a failure when it is "1".
const requireEnv = "BREAKERGEN_REQUIRE_POSTGRES"

// server is a PostgreSQL server the tests started.
type server struct {
	dir  string // the temporary directory: data, log
	bin  string // the directory of initdb, pg_ctl and postgres
	port int
	cred *syscall.Credential // the postgres user's, when the tests run as root
}

// dsn returns the address of the server's postgres database as the trust
// authenticated user breakergen.
func (s *server) dsn() string {
	return fmt.Sprintf("postgres://breakergen@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

// findBin returns the directory of PostgreSQL's programs: the one of pg_ctl
// on PATH, else the newest of Debian's /usr/lib/postgresql/*/bin.
func findBin() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(real), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	if len(dirs) == 0 {
		return "", fmt.Errorf("no pg_ctl on PATH nor in /usr/lib/postgresql/*/bin (Debian: apt-get install postgresql)")
	}
	return dirs[len(dirs)-1], nil
}

// startServer makes a database cluster in a temporary directory and starts
// a server for it on a free loopback port.
func startServer() (*server, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	s := &server{bin: bin}
	if s.dir, err = os.MkdirTemp("", "breakergen-pg-"); err != nil {
		return nil, err
	}
	if err := s.dropRoot(); err != nil {
		s.remove()
		return nil, err
	}
	if err := s.run("initdb", "-D", s.data(), "-U", "breakergen", "--auth=trust", "-E", "UTF8", "--no-sync"); err != nil {
		s.remove()
		return nil, err
	}
	if s.port, err = freePort(); err != nil {
		s.remove()
		return nil, err
	}
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c max_connections=200", s.port)
	if err := s.run("pg_ctl", "-D", s.data(), "-l", filepath.Join(s.dir, "log"), "-o", opts, "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
		s.remove()
		return nil, fmt.Errorf("%w; server log:\n%s", err, log)
	}
	return s, nil
}

// dropRoot prepares to run the server as the postgres user when the tests
// run as root, which PostgreSQL refuses: the directory becomes that user's.
func (s *server) dropRoot() error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs the postgres user (Debian's postgresql package makes it): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	if err := os.Chmod(s.dir, 0o755); err != nil {
		return err
	}
	return os.Chown(s.dir, uid, gid)
}

func (s *server) data() string { return filepath.Join(s.dir, "data") }

// run runs one of PostgreSQL's programs, as the postgres user when needed.
func (s *server) run(name string, args ...string) error {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
		cmd.Env = append(cmd.Env, "HOME="+s.dir)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// stop stops the server at once and removes its directory.
func (s *server) stop() {
	_ = s.run("pg_ctl", "-D", s.data(), "-m", "immediate", "-w", "stop")
	s.remove()
}

func (s *server) remove() { _ = os.RemoveAll(s.dir) }

// freePort returns a loopback port nobody listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

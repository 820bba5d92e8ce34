package breakerctl

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
)

// Exit codes of Main.
const (
	ExitOK    = 0 // the command did what it was asked
	ExitError = 1 // it failed: Redis unreachable, circuit missing, ...
	ExitUsage = 2 // the command line, or the Redis URL, is wrong
)

const usageText = `usage: breakerctl [flags] COMMAND [NAME]

Commands:
  list              every circuit: state, lock, opened-at, failure rate, samples, next probe,
                    and VOTING: how many of the processes that reported within the last
                    window vote to open (the fleet's circuit opens with a quorum of them)
  status NAME       one circuit in detail
  lock-open NAME    skip every call of the circuit until unlock or reset
  lock-closed NAME  run every call of the circuit until unlock or reset
  unlock NAME       remove the operator's lock
  reset NAME        forget the circuit: state, window, reservation and lock

Mutations print what changed and ask no confirmation. A NAME that no circuit
under the prefix has is an error, except for lock-open and lock-closed with
-force, which lock it ahead of its first call (planned maintenance).

Flags (before or after the command):
`

// options are what the flags set.
type options struct {
	redisURL string
	prefix   string
	json     bool
	cluster  bool
	force    bool
	timeout  time.Duration
}

// errUsage reports a bad command line, whose error and usage were printed.
var errUsage = errors.New("bad command line")

// Main runs breakerctl with args (the command line without the program's
// name), reading REDIS_URL through getenv, and returns the exit code. It
// silences go-redis's logger, which would write to the process's standard
// error: every error breakerctl meets is its own one line.
func Main(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	opts, pos, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	if err != nil {
		return ExitUsage
	}
	redis.SetLogger(quiet{})
	if opts.redisURL == "" {
		opts.redisURL = getenv("REDIS_URL")
	}
	if opts.redisURL == "" {
		fmt.Fprintln(stderr, "breakerctl: no Redis: give -redis-url or set REDIS_URL")
		return ExitUsage
	}
	red := newRedactor(opts.redisURL)
	conn, err := connect(opts)
	if err != nil {
		fmt.Fprintln(stderr, red.clean("breakerctl: "+err.Error()))
		return ExitUsage
	}
	defer conn.close()
	ctx, cancel := context.WithTimeout(context.Background(), opts.timeout)
	defer cancel()
	cmd := &command{store: conn.store, json: opts.json, force: opts.force, out: stdout}
	if err := cmd.run(ctx, pos[0], pos[1:]); err != nil {
		fmt.Fprintln(stderr, red.clean("breakerctl: "+oneLine(err.Error())))
		return ExitError
	}
	return ExitOK
}

// parseArgs parses flags anywhere on the command line and checks the
// command and its arguments.
func parseArgs(args []string, stderr io.Writer) (options, []string, error) {
	var o options
	fs := flag.NewFlagSet("breakerctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.redisURL, "redis-url", "", "Redis `URL`, go-redis format: redis://[user:password@]host:port[/db], rediss:// for TLS (default $REDIS_URL)")
	fs.StringVar(&o.prefix, "prefix", redisstore.DefaultPrefix, "key `prefix` of the services' redisstore")
	fs.BoolVar(&o.json, "json", false, "print JSON instead of text")
	fs.BoolVar(&o.cluster, "cluster", false, "the URL is a Redis Cluster's (go-redis ParseClusterURL: addr=host:port for more seeds)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "give up after this `duration`")
	fs.BoolVar(&o.force, "force", false, "lock-open, lock-closed: lock a circuit that Redis holds no state for yet")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return o, nil, err
			}
			return o, nil, errUsage // the flag package printed it, and the usage
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos, args = append(pos, args[0]), args[1:]
		if len(args) > 0 && args[0] == "--" {
			pos, args = append(pos, args[1:]...), nil
		}
	}
	err := checkCommand(pos)
	switch {
	case err != nil:
	case o.timeout <= 0:
		err = fmt.Errorf("-timeout %v: want a positive duration", o.timeout)
	case o.prefix == "":
		err = errors.New("-prefix: must not be empty")
	case o.force && pos[0] != "lock-open" && pos[0] != "lock-closed":
		err = fmt.Errorf("-force applies to lock-open and lock-closed, not %s", pos[0])
	default:
		return o, pos, nil
	}
	fmt.Fprintln(stderr, "breakerctl:", err)
	fs.Usage()
	return o, nil, errUsage
}

// checkCommand checks the command and its number of arguments.
func checkCommand(pos []string) error {
	if len(pos) == 0 {
		return errors.New("no command")
	}
	want, ok := commands[pos[0]]
	switch {
	case !ok:
		return fmt.Errorf("unknown command %q", pos[0])
	case len(pos)-1 != want && want == 0:
		return fmt.Errorf("%s takes no argument", pos[0])
	case len(pos)-1 != want:
		return fmt.Errorf("%s takes one circuit NAME", pos[0])
	case want == 1 && pos[1] == "":
		return fmt.Errorf("%s: empty circuit name", pos[0])
	}
	return nil
}

// quiet is a go-redis logger that logs nothing.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// oneLine keeps an error message on one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Command breakergen writes circuit-breaking decorators for Go interfaces
// annotated with //breaker: directives. See the usage text (breakergen -h)
// and package github.com/breakergen/breakergen/gen.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/breakergen/breakergen/gen"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stderr))
}

// run parses the flags and the go generate environment, calls the generator
// and returns the exit status: 0 on success, 1 on any problem, 2 on bad flags.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	var cfg gen.Config
	fs := flag.NewFlagSet("breakergen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.RegisterFlags(fs)
	fs.Usage = func() { usage(fs) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "breakergen: unexpected arguments %q\n", fs.Args())
		usage(fs)
		return 2
	}
	cfg.File = getenv("GOFILE")
	cfg.Package = getenv("GOPACKAGE")
	if line := getenv("GOLINE"); line != "" {
		n, err := strconv.Atoi(line)
		if err != nil {
			fmt.Fprintf(stderr, "breakergen: GOLINE=%q is not a line number\n", line)
			return 1
		}
		cfg.Line = n
	}
	cfg.Notes = stderr
	if _, err := gen.Run(ctx, cfg); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// usage prints the help text: what the command does, examples and flags.
func usage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprint(w, `usage: breakergen [-type A,B] [-source importpath] [-output file] [-name T] [-tags tags] [-v]

breakergen writes, for each interface, a decorator XBreaker with a constructor
NewXBreaker(next X, b *runtime.Breaker, opts ...runtime.DecoratorOption) that
runs every method with a result to judge (a final error, a result with an
Err() error method, or a judge= function) through a circuit breaker.
runtime.WithInstance(name) in opts gives a decorator circuits of its own.

One line per package wraps every interface that carries a //breaker: directive,
in one load (put it where no declaration follows it directly: after a blank
line, or in doc.go):

  //go:generate go tool breakergen

A line directly above an interface (no blank line between) wraps that interface
only; one directly above any other declaration is an error, and so is an
annotated interface that no line wraps:

  //go:generate go run github.com/breakergen/breakergen/cmd/breakergen
  //breaker:circuit name=payments cooldown=30s window=1m rate=0.5 samples=5
  type Payments interface {
  	//breaker:circuit name=payments.charge cooldown=10s exclude=ErrDeclined,*LimitError fallback=chargeOffline
  	Charge(ctx context.Context, req ChargeRequest) (Receipt, error)
  	Refund(ctx context.Context, id string) error // uses the interface circuit "payments"
  	//breaker:circuit key=host maxkeys=100
  	Ping(ctx context.Context, host string) error // one circuit per host: "payments.Ping[<host>]"
  	//breaker:skip
  	Name() string
  }

Examples:
  breakergen                          wrap the interface directly below the //go:generate line ($GOFILE,
                                      $GOLINE), or every annotated interface when no declaration follows it
  breakergen -type Payments,Ledger    wrap named interfaces of the current package
  breakergen -source net/http -type RoundTripper
                                      wrap an interface of another package into this one
  breakergen -source net -type Conn -name NetConn
                                      name the decorator (NetConn, NewNetConn, netconn_breaker.go)
  breakergen -type Payments,Ledger -output breakers.go
                                      write several decorators into one file
  breakergen -tags integration        load the package with build tags
  go tool breakergen                  with "tool github.com/breakergen/breakergen/cmd/breakergen" in go.mod

Directive keys (//breaker:circuit key=value ...): name, cooldown, window, rate,
samples, exclude, success (error variables, constants or types: ErrX, pkg.ErrX,
redis.Nil, *NotFoundError, *"example.com/sdk/types".NoSuchKey), slow and
slowrate (slow calls trip the circuit), cooldownmax (backoff), ramp (ramped
recovery), probes (several probes), mode=adaptive and k (throttling), fallback and
judge (f, pkg.F, a function variable, a method value: local.Lookup), key (an
expression over the parameters, $1 for the first), maxkeys, skip (interface
level: methods left unprotected). A name qualified by a quoted import path needs
no import. A method circuit inherits its interface's options. //breaker:method
Get key=$2 sets the options of one method beside a -source line (or of an
embedded method in an interface's doc comment). Close() error and the Read and
Write methods of embedded io interfaces pass through unless a directive opts in.
//breaker:skip leaves a method unprotected. Problems are printed as
file:line:col: message, and exit status is 1.

Flags:
`)
	fs.PrintDefaults()
}

package adaptertest

import (
	"context"
	"testing"

	"github.com/breakergen/breakergen/runtime"
)

// Behavior tells a target's server how to answer one call.
type Behavior uint8

// The behaviours a Fixture's servers must offer.
const (
	// Succeed: the server answers the call successfully.
	Succeed Behavior = iota + 1
	// NotFound: the server answers the protocol's "not found" (HTTP 404, gRPC
	// NotFound, redis.Nil, a query with no row).
	NotFound
	// Fail: the server answers the protocol's failure, one the adapter judges a
	// failure of the dependency by default (HTTP 503, gRPC Unavailable, a
	// server error).
	Fail
	// Hang: the server holds the call until Release, or until the caller's
	// context ends; the call must then return promptly.
	Hang
	// Panic: the server's handler for the call panics or crashes mid-call;
	// the server goes on serving other calls.
	Panic
)

// String names the behaviour.
func (b Behavior) String() string {
	switch b {
	case Succeed:
		return "succeed"
	case NotFound:
		return "not-found"
	case Fail:
		return "fail"
	case Hang:
		return "hang"
	case Panic:
		return "panic"
	}
	return "unknown"
}

// NotFoundJudgement says how an adapter records the protocol's "not found".
type NotFoundJudgement uint8

const (
	// NotFoundNotRecorded: "not found" is returned untouched and not recorded
	// (gRPC NotFound, redis.Nil). The default.
	NotFoundNotRecorded NotFoundJudgement = iota
	// NotFoundSuccess: "not found" is recorded as a success, since the server
	// answered (an HTTP 404 response, an SQL query that found no row, which a
	// driver reports as an empty result).
	NotFoundSuccess
)

// Harness describes the adapter under test. Fill it in and give it to Run,
// which only reads it; its functions are called from the scenarios'
// goroutines, one scenario at a time.
type Harness struct {
	// Name names the adapter in failure messages.
	Name string
	// Setup wires the adapter to its servers through b and returns the
	// fixture of one scenario. It is called once per scenario with that
	// scenario's t (register clean-ups there) and a new Breaker whose clock
	// the suite moves. The fixture must serve at least two targets (hosts,
	// services, nodes, pools) whose calls the adapter puts behind different
	// circuits. Servers may be shared between scenarios as long as Hits counts
	// from the fixture's start.
	Setup func(t *testing.T, b *runtime.Breaker) Fixture
	// NotFound says how the adapter records the protocol's "not found".
	NotFound NotFoundJudgement
	// Skipped, when not nil, checks what only the adapter promises about the
	// error of a skipped call: the protocol's own "unavailable" (a gRPC status
	// with codes.Unavailable, an HTTP client's *url.Error), or what it must
	// not be (driver.ErrBadConn). The suite itself checks runtime.ErrOpen and
	// the retry-after.
	Skipped func(t *testing.T, err error)
}

// Fixture makes calls through the adapter under test and reports what reached
// the servers. Its methods are called from several goroutines at once.
type Fixture interface {
	// Call makes one call to target (0 or 1) whose server answers as b says,
	// and returns the error the caller of the client sees (nil for a success).
	// It reads and closes what a caller would (response bodies, result rows,
	// streams to their end).
	Call(ctx context.Context, target int, b Behavior) error
	// Circuit returns the name of the circuit that protects target.
	Circuit(target int) string
	// Hits returns how many calls reached the server of target since Setup.
	Hits(t testing.TB, target int) int
	// AwaitHeld blocks until n calls are held (Hang) at the server of target.
	AwaitHeld(t testing.TB, target, n int)
	// Release lets every call held at the server of target answer
	// successfully, and the calls made with Hang from now on wait again.
	Release(t testing.TB, target int)
	// Open returns how many resources the calls left open: request or
	// response bodies, streams, connections in use. It is called when no call
	// is in flight and must then be 0.
	Open(t testing.TB) int
}

// Defaults are the options of every circuit of the suite's breakers: three
// samples and a rate of one half within a minute open a circuit, which then
// cools down for a minute.
var Defaults = runtime.Options{
	CoolDown:         coolDown,
	EvaluationWindow: window,
	RateThreshold:    0.5,
	SampleThreshold:  3,
}

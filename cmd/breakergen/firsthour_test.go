package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// firstHourPayments is what the README's annotated Payments interface leaves
// to its reader: the package clause, the imports and the types its directives
// name. The fallback's receipt says that it answered.
const firstHourPayments = "package payments\n\nimport (\n\t\"context\"\n\t\"errors\"\n)\n\n" +
	"var ErrDeclined = errors.New(\"declined\")\n\ntype LimitError struct{}\n\n" +
	"func (*LimitError) Error() string { return \"over the limit\" }\n\n" +
	"type (\n\tChargeRequest struct{ Cents int }\n\tReceipt       struct{ ID string }\n)\n\n" +
	"func chargeOffline(context.Context, ChargeRequest) (Receipt, error) {\n\treturn Receipt{ID: \"offline\"}, nil\n}\n\n"

// firstHourMain injects the generated decorator as the README's Inject step
// does, with the Redis store as its Redis section builds it, in front of a
// gateway that goes down and comes back, and prints what a newcomer checks:
// the failures trip the circuit, a call while it is open is skipped (the
// fallback answers), after the cool-down one probe runs and closes it.
const firstHourMain = `// Command firsthour trips a circuit kept in Redis.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"

	"example.com/firsthour/payments"
)

var errDown = errors.New("gateway down")

// gateway is a fake payment provider: every call fails while it is down.
type gateway struct {
	down  atomic.Bool
	calls atomic.Int64
}

func (g *gateway) Charge(ctx context.Context, req payments.ChargeRequest) (payments.Receipt, error) {
	n := g.calls.Add(1)
	if g.down.Load() {
		return payments.Receipt{}, errDown
	}
	return payments.Receipt{ID: fmt.Sprintf("r-%d", n)}, nil
}

func (g *gateway) Refund(ctx context.Context, id string) error               { return nil }
func (g *gateway) Balance(ctx context.Context, account string) (int64, error) { return 0, nil }
func (g *gateway) Name() string                                              { return "fake" }
func (g *gateway) Close() error                                              { return nil }

func main() {
	addr := flag.String("redis", "127.0.0.1:6379", "the Redis server")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "firsthour:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	ctx := context.Background()
	client := redis.NewClient(&redis.Options{
		Addr:        addr,
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond,
		WriteTimeout: 200 * time.Millisecond, MaxRetries: -1, DialerRetries: 1,
	})
	defer client.Close()
	store, err := redisstore.New(client, redisstore.WithPrefix("firsthour"))
	if err != nil {
		return err
	}
	defer store.Shutdown(context.Background())

	var mu sync.Mutex
	events := map[runtime.EventType]int{}
	b := runtime.MustNew(runtime.WithStorage(store),
		// The directive says cooldown=10s; an operator's override shortens it.
		runtime.WithOverrides("payments.charge", runtime.Options{CoolDown: time.Second}),
		runtime.WithListener(runtime.ListenerFunc(func(e runtime.Event) {
			mu.Lock()
			defer mu.Unlock()
			events[e.Type]++
			switch e.Type {
			case runtime.EventSuccess, runtime.EventFailure, runtime.EventSkipped:
			default:
				fmt.Printf("event %s %s\n", e.Circuit, e.Type)
			}
		})))
	gw := &gateway{}
	var p payments.Payments = payments.NewPaymentsBreaker(gw, b)

	circuit := b.Circuit("payments.charge")
	status := func() string {
		s, err := circuit.Status(ctx)
		if err != nil {
			return err.Error()
		}
		return s.String()
	}
	charge := func(what string) {
		r, err := p.Charge(ctx, payments.ChargeRequest{Cents: 100})
		if err != nil {
			fmt.Printf("%s: error %v\n", what, err)
			return
		}
		fmt.Printf("%s: receipt %s\n", what, r.ID)
	}

	gw.down.Store(true)
	for i := 1; i <= 5; i++ { // samples=5 rate=0.5
		charge(fmt.Sprintf("charge %d", i))
	}
	fmt.Println("status:", status())
	charge("charge while open")
	fmt.Println("gateway calls:", gw.calls.Load())

	gw.down.Store(false)
	time.Sleep(time.Second) // the cool-down
	for i := 0; i < 100 && status() != "half-open"; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Println("status after the cool-down:", status())
	charge("probe")
	fmt.Println("status:", status())
	charge("charge after")
	fmt.Println("gateway calls:", gw.calls.Load())

	keys, err := client.Keys(ctx, "{firsthour:payments.charge}*").Result()
	if err != nil {
		return err
	}
	fmt.Println("redis keys of the circuit:", len(keys) > 0)
	mu.Lock()
	defer mu.Unlock()
	fmt.Printf("events: skipped=%d probe=%d storage_failure=%d\n",
		events[runtime.EventSkipped], events[runtime.EventProbe], events[runtime.EventStorageFailure])
	return nil
}
`

// firstHourWant is what firstHourMain prints, in this order (other lines may
// come between).
var firstHourWant = []string{
	"charge 1: error gateway down",
	"charge 4: error gateway down",
	"charge 5: error gateway down",
	"status: open",
	"charge while open: receipt offline",
	"gateway calls: 5",
	"status after the cool-down: half-open",
	"event payments.charge probe",
	"event payments.charge closed",
	"probe: receipt r-6",
	"status: closed",
	"charge after: receipt r-7",
	"gateway calls: 7",
	"redis keys of the circuit: true",
	"events: skipped=1 probe=1 storage_failure=0",
}

// firstHourEnv is the environment of the go commands the newcomer runs: the
// module proxy, module cache and checksum database of this environment, no
// workspace, and no GOFLAGS. -mod=mod in particular would let go build
// update go.mod and go.sum by itself, hiding a go mod tidy that the README
// must tell the newcomer to run.
func firstHourEnv() []string {
	return append(os.Environ(), "GOFLAGS=", "GOWORK=off")
}

// TestFirstHour follows the README's first hour in a new module, step by step,
// as a newcomer with a local checkout of this repository would: go mod init,
// the local-checkout recipe (install), the annotated Payments interface
// (annotate), go generate (generate), a program injecting the decorator with
// the Redis store (inject), and that program run against a real redis-server:
// failures trip the circuit, a call is skipped, one probe closes it. The
// recipe and the interface are the README's own text. A failure names the
// README step that failed.
func TestFirstHour(t *testing.T) {
	if testing.Short() {
		t.Skip("installs the command in a new module and runs the go command against the module proxy")
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	snippets := readmeSnippets(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	dir := t.TempDir()
	// The README's checkout is at ../breakergen, beside the new module.
	require.NoError(t, os.Symlink(root, filepath.Join(dir, "breakergen")))
	app := filepath.Join(dir, "firsthour")
	require.NoError(t, os.Mkdir(app, 0o755))

	// run runs a command of README step step in the new module.
	run := func(t *testing.T, step string, name string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir = app
		cmd.Env = firstHourEnv()
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "README step %q: %s %s failed:\n%s", step, name, strings.Join(args, " "), out)
		return string(out)
	}
	// says checks that the README still says what a step does.
	says := func(t *testing.T, step, text string) {
		t.Helper()
		require.Contains(t, string(readme), text, "README step %q no longer says this; update TestFirstHour with it", step)
	}

	steps := []struct {
		name string
		do   func(t *testing.T)
	}{
		{"new module", func(t *testing.T) {
			run(t, "new module", "go", "mod", "init", "example.com/firsthour")
		}},
		{"Using a fork or a local checkout", func(t *testing.T) {
			const step = "Using a fork or a local checkout"
			recipe := snippets["local-checkout.sh"]
			require.NotEmpty(t, recipe, "README step %q: no snippet local-checkout.sh", step)
			run(t, step, "sh", "-e", "-x", "-c", recipe)
			gomod, err := os.ReadFile(filepath.Join(app, "go.mod"))
			require.NoError(t, err)
			assert.Contains(t, string(gomod), "tool github.com/breakergen/breakergen/cmd/breakergen",
				"README step %q: the tool line", step)
			assert.Contains(t, string(gomod), "replace github.com/breakergen/breakergen => ../breakergen",
				"README step %q: the replace", step)
			assert.Contains(t, run(t, step, "go", "tool", "breakergen", "-h"), "usage: breakergen",
				"README step %q: go tool breakergen runs the checkout's command", step)
		}},
		{"Annotate", func(t *testing.T) {
			const step = "Annotate"
			doc, src := snippets["payments/doc.go"], snippets["payments/payments.go"]
			require.NotEmpty(t, doc, "README step %q: no snippet payments/doc.go", step)
			require.NotEmpty(t, src, "README step %q: no snippet payments/payments.go", step)
			writeFiles(t, app, map[string]string{
				"payments/doc.go":      doc,
				"payments/payments.go": firstHourPayments + src,
			})
		}},
		{"Generate", func(t *testing.T) {
			const step = "Generate"
			says(t, step, "**Generate.** `go generate ./...`")
			run(t, step, "go", "generate", "./...")
			out, err := os.ReadFile(filepath.Join(app, "payments", "payments_breaker.go"))
			require.NoError(t, err, "README step %q: payments_breaker.go beside the interface", step)
			for _, decl := range []string{"type PaymentsBreaker struct", "func NewPaymentsBreaker(next Payments, b *runtime.Breaker",
				"func WithPaymentsChargeFallback("} {
				assert.Contains(t, string(out), decl, "README step %q: the generated file", step)
			}
		}},
		{"Inject", func(t *testing.T) {
			const step = "Inject"
			says(t, step, "`go mod tidy` then adds go-redis")
			writeFiles(t, app, map[string]string{"main.go": firstHourMain})
			run(t, step, "go", "mod", "tidy")
			run(t, step, "go", "build", "./...")
			run(t, step, "go", "vet", "./...")
		}},
		{"Redis", func(t *testing.T) {
			const step = "Redis"
			server := redistest.Start(t)
			out := run(t, step, "go", "run", ".", "-redis", server.Addr())
			t.Logf("go run .:\n%s", out)
			rest := out
			for _, line := range firstHourWant {
				i := strings.Index(rest, line+"\n")
				if !assert.GreaterOrEqual(t, i, 0, "README step %q: the program's output lacks %q after the lines before it:\n%s", step, line, out) {
					return
				}
				rest = rest[i+len(line)+1:]
			}
			assert.Equal(t, 1, strings.Count(out, "event payments.charge opened\n"), "README step %q: one opening:\n%s", step, out)
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.do) {
			t.Fatalf("README step %q failed; the steps after it did not run", s.name)
		}
	}
}

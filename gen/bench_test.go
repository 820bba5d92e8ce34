package gen_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/breakergen/breakergen/gen"
)

// manyInterfaces returns the source of a package with n annotated
// interfaces, and their names.
func manyInterfaces(n int) (string, []string) {
	var b strings.Builder
	b.WriteString(`package many

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// ErrNotFound is excluded from every circuit, with io.EOF.
var ErrNotFound = errors.New("not found")

var _ = io.EOF

// Item is a value.
type Item struct {
	ID      string
	Updated time.Time
}
`)
	var names []string
	for i := range n {
		name := fmt.Sprintf("Service%02d", i)
		names = append(names, name)
		fmt.Fprintf(&b, `
// %[1]s is dependency number %[2]d.
//
//breaker:circuit name=many.%[2]d cooldown=30s window=1m rate=0.5 samples=5
type %[1]s interface {
	//breaker:circuit name=many.%[2]d.get exclude=ErrNotFound,io.EOF
	Get(ctx context.Context, id string) (Item, error)
	List(ctx context.Context, prefix string, limit int) ([]Item, error)
	Put(ctx context.Context, item Item) error
	Do(req *http.Request) (*http.Response, error)
	Watch(ctx context.Context, ids ...string) (<-chan Item, func(), error)
	//breaker:skip
	Name() string
}
`, name, i)
	}
	return b.String(), names
}

// BenchmarkGenerate measures one run of the library entry point (one package
// load, model, emission, formatting; nothing written) on a package with 1 and
// with 50 annotated interfaces, warm build cache.
func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int{1, 50} {
		b.Run(fmt.Sprintf("interfaces=%d", n), func(b *testing.B) {
			src, names := manyInterfaces(n)
			dir := filepath.Join(scratchModule(b, map[string]string{"many/many.go": src}), "many")
			cfg := gen.Config{Dir: dir, Types: names, Env: scratchEnv()}
			if _, err := gen.Generate(context.Background(), cfg); err != nil { // warm the build cache
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := gen.Generate(context.Background(), cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestGenerateFiftyInterfaces generates 50 decorators in one run (one file
// each), compiles them, and reports how long the run took with a warm cache.
func TestGenerateFiftyInterfaces(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	src, names := manyInterfaces(50)
	root := scratchModule(t, map[string]string{"many/many.go": src})
	dir := filepath.Join(root, "many")
	cfg := gen.Config{Dir: dir, Types: names, Env: scratchEnv()}
	if _, err := gen.Generate(context.Background(), cfg); err != nil { // warm the build cache
		t.Fatal(err)
	}
	start := time.Now()
	res, err := gen.Run(context.Background(), cfg)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 50 {
		t.Fatalf("%d files, want 50", len(res.Files))
	}
	t.Logf("one run generating 50 interfaces (one package load): %v", elapsed.Round(time.Millisecond))
	goCmd(t, root, "vet", "./...")
}

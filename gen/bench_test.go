package gen_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

// packageModeDoc is a file of the package with the one //go:generate line
// that wraps every annotated interface (hidden from this repository's go
// generate, see unhide).
const packageModeDoc = `// Package many has many dependencies.
package many

//go:generate-hidden go tool breakergen
`

// packageMode returns the Config go generate gives the package's one line.
func packageMode(dir string) gen.Config {
	return gen.Config{Dir: dir, File: "doc.go", Line: 4, Env: scratchEnv()}
}

// BenchmarkGenerate measures one run of the library entry point (one package
// load, model, emission, formatting; nothing written) on a package with 1 and
// with 50 annotated interfaces, wrapped by one //go:generate line, warm build
// cache.
func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int{1, 50} {
		b.Run(fmt.Sprintf("interfaces=%d", n), func(b *testing.B) {
			src, _ := manyInterfaces(n)
			dir := filepath.Join(scratchModule(b, map[string]string{"many/many.go": src, "many/doc.go": packageModeDoc}), "many")
			cfg := packageMode(dir)
			_, err := gen.Generate(context.Background(), cfg) // warm the build cache
			require.NoError(b, err)
			for b.Loop() {
				if _, err := gen.Generate(context.Background(), cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGenerateCmdable measures generating the decorator of go-redis's
// Cmdable (617 methods, every command type of the client) and reports the
// output's size.
func BenchmarkGenerateCmdable(b *testing.B) {
	cfg := gen.Config{Dir: filepath.Join("..", "testdata", "rediscmd"), Source: "github.com/redis/go-redis/v9", Types: []string{"Cmdable"}}
	var res *gen.Result
	for b.Loop() {
		var err error
		res, err = gen.Generate(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
	}
	require.Len(b, res.Files, 1)
	b.ReportMetric(float64(len(res.Files[0].Content)), "bytes")
	b.ReportMetric(float64(strings.Count(string(res.Files[0].Content), "\nfunc (d *CmdableBreaker) ")), "methods")
}

// TestGenerateCmdable generates the decorator of go-redis's Cmdable and
// checks that all but the two methods without a result to judge are
// protected, with one note for them; then compiles it.
func TestGenerateCmdable(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	dir := filepath.Join(scratchModule(t, map[string]string{"cmds/doc.go": "// Package cmds wraps go-redis.\npackage cmds\n\nimport _ \"github.com/redis/go-redis/v9\"\n"}), "cmds")
	cfg := gen.Config{Dir: dir, Source: "github.com/redis/go-redis/v9", Types: []string{"Cmdable"}, Env: scratchEnv()}
	res, err := gen.Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Len(t, res.Notes, 1, "one summary line, not one per method")
	assert.Contains(t, res.Notes[0].Msg, "redis.Cmdable: 2 of 617 methods pass through unprotected: Pipeline, TxPipeline")
	src := string(res.Files[0].Content)
	assert.Equal(t, 617, strings.Count(src, "\nfunc (d *CmdableBreaker) "))
	assert.Equal(t, 615, strings.Count(src, ".Allow(ctx)"), "every other method is protected")
	goCmd(t, filepath.Dir(dir), "vet", "./cmds")
}

// TestGenerateFiftyInterfaces generates 50 decorators in one run of the
// package's one //go:generate line (one file each), compiles them, and
// reports how long the run took with a warm cache.
func TestGenerateFiftyInterfaces(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	src, _ := manyInterfaces(50)
	root := scratchModule(t, map[string]string{"many/many.go": src, "many/doc.go": packageModeDoc})
	cfg := packageMode(filepath.Join(root, "many"))
	_, err := gen.Generate(context.Background(), cfg) // warm the build cache
	require.NoError(t, err)
	start := time.Now()
	res, err := gen.Run(context.Background(), cfg)
	elapsed := time.Since(start)
	require.NoError(t, err)
	assert.Len(t, res.Files, 50)
	t.Logf("one run generating 50 interfaces (one package load): %v", elapsed.Round(time.Millisecond))
	goCmd(t, root, "vet", "./...")
}

package gen_test

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"go/build"
	"go/format"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/gen"
)

var update = flag.Bool("update", false, "rewrite the golden outputs under testdata/")

// goldenCases are the case packages under testdata/ whose generated files are
// committed: each is regenerated and compared byte for byte.
var goldenCases = []string{
	"blankline", "buildtags", "cgo", "conns", "embedded", "fallbacks", "generic", "go-samename", "grpclike", "judge", "keys", "kinds",
	"multi", "names", "payments", "pkgmode", "policies", "rediscmd", "repo", "selfnamed", "signatures", "source", "sqlconn", "streams", "typederrs",
}

// generateLine is one //go:generate line that runs breakergen.
type generateLine struct {
	file string // base name
	line int
	args []string
}

// generateLines finds the //go:generate lines running breakergen in dir.
func generateLines(t testing.TB, dir string) []generateLine {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []generateLine
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		src, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		sc := bufio.NewScanner(bytes.NewReader(src))
		for n := 1; sc.Scan(); n++ {
			text, ok := strings.CutPrefix(sc.Text(), "//go:generate ")
			if !ok {
				continue
			}
			words := strings.Fields(text)
			i := slices.IndexFunc(words, func(w string) bool { return strings.HasSuffix(w, "breakergen") })
			if i < 0 {
				continue
			}
			out = append(out, generateLine{file: e.Name(), line: n, args: words[i+1:]})
		}
	}
	return out
}

// configFor returns the Config go generate would give breakergen for l.
func configFor(t testing.TB, dir string, l generateLine) gen.Config {
	t.Helper()
	cfg := gen.Config{Dir: dir, File: l.file, Line: l.line}
	fs := flag.NewFlagSet("breakergen", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	require.NoError(t, fs.Parse(l.args), "%s:%d", l.file, l.line)
	return cfg
}

// generateCase runs every //go:generate line of a case and returns the
// outputs by base name.
func generateCase(t testing.TB, dir string) map[string]gen.OutputFile {
	t.Helper()
	lines := generateLines(t, dir)
	require.NotEmpty(t, lines, "%s: no //go:generate line runs breakergen", dir)
	out := map[string]gen.OutputFile{}
	for _, l := range lines {
		res, err := gen.Generate(context.Background(), configFor(t, dir, l))
		require.NoError(t, err, "%s:%d", l.file, l.line)
		for _, f := range res.Files {
			name := filepath.Base(f.Path)
			require.NotContains(t, out, name, "%s: two runs write %s", dir, name)
			out[name] = f
		}
	}
	return out
}

// TestGolden regenerates every case and compares with the committed output;
// with -update it rewrites the outputs instead.
func TestGolden(t *testing.T) {
	for _, name := range goldenCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if name == "cgo" && !build.Default.CgoEnabled {
				t.Skip("cgo is disabled: the case's interface is in a file that imports \"C\"")
			}
			dir := filepath.Join("..", "testdata", name)
			got := generateCase(t, dir)
			for base, f := range got {
				if *update {
					if f.Changed {
						require.NoError(t, os.WriteFile(f.Path, f.Content, 0o644))
					}
					continue
				}
				want, err := os.ReadFile(f.Path)
				require.NoError(t, err, "%s (run go test ./gen -run TestGolden -update)", base)
				if !bytes.Equal(want, f.Content) {
					assert.Failf(t, "golden file differs", "%s differs from the generator's output (run go test ./gen -run TestGolden -update):\n%s",
						base, lineDiff(string(want), string(f.Content)))
				}
				assert.False(t, f.Changed, "%s: Changed is true for identical content", base)
				formatted, err := format.Source(f.Content)
				require.NoError(t, err)
				assert.Equal(t, string(formatted), string(f.Content), "%s is gofmt'ed", base)
			}
			// No stale generated file may linger in the case.
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			for _, e := range entries {
				src, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil || !bytes.HasPrefix(src, []byte(gen.Header)) {
					continue
				}
				assert.Contains(t, got, e.Name(), "%s is a generated file that no //go:generate line produces", e.Name())
			}
		})
	}
}

// lineDiff describes the first differing line of two texts.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl
		}
	}
	return "(no line differs)"
}

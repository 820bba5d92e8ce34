package runtime_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maxTopLevelNames bounds what package runtime exports (issue 18): each
// name is something a user calls; plumbing lives in breakerimpl, hooks and
// helpers in packages of their own (see CONTRIBUTING.md).
const maxTopLevelNames = 45

// TestTopLevelNames counts the exported constants, variables, functions and
// types of package runtime; methods and fields do not count.
func TestTopLevelNames(t *testing.T) {
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	fset := token.NewFileSet()
	var names []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		names = append(names, exported(f)...)
	}
	sort.Strings(names)
	assert.LessOrEqual(t, len(names), maxTopLevelNames, "runtime's top-level names: %v", names)
}

// exported returns the exported top-level names f declares.
func exported(f *ast.File) []string {
	var out []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.IsExported() {
				out = append(out, d.Name.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() {
						out = append(out, s.Name.Name)
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() {
							out = append(out, n.Name)
						}
					}
				}
			}
		}
	}
	return out
}

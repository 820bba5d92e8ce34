package gen

import (
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// knownOS and knownArch are the GOOS and GOARCH values a file name suffix
// may name (as go/build's lists).
var (
	knownOS   = strings.Fields("aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 solaris wasip1 windows zos")
	knownArch = strings.Fields("386 amd64 amd64p32 arm armbe arm64 arm64be loong64 mips mipsle mips64 mips64le mips64p32 mips64p32le ppc ppc64 ppc64le riscv riscv64 s390 s390x sparc sparc64 wasm")
)

// fileConstraint returns the build constraint under which the file at path is
// part of its package: its //go:build line, its GOOS/GOARCH name suffix and
// cgo when it imports "C". It returns nil when the file builds everywhere.
func fileConstraint(path string) (constraint.Expr, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.ImportsOnly|parser.ParseComments)
	if err != nil {
		return nil, err
	}
	var parts []constraint.Expr
	for _, cg := range f.Comments {
		if cg.Pos() > f.Package {
			break
		}
		for _, c := range cg.List {
			if constraint.IsGoBuild(c.Text) {
				x, err := constraint.Parse(c.Text)
				if err != nil {
					return nil, err
				}
				parts = append(parts, x)
			}
		}
	}
	parts = append(parts, nameConstraint(filepath.Base(path))...)
	if importsC(f) {
		parts = append(parts, &constraint.TagExpr{Tag: "cgo"})
	}
	return andAll(parts), nil
}

// importsC reports whether f imports "C".
func importsC(f *ast.File) bool {
	for _, imp := range f.Imports {
		if p, err := strconv.Unquote(imp.Path.Value); err == nil && p == "C" {
			return true
		}
	}
	return false
}

// nameConstraint returns the constraints implied by a _GOOS, _GOARCH or
// _GOOS_GOARCH suffix of a file name.
func nameConstraint(name string) []constraint.Expr {
	name = strings.TrimSuffix(name, ".go")
	name = strings.TrimSuffix(name, "_test")
	i := strings.Index(name, "_")
	if i < 0 {
		return nil
	}
	elems := strings.Split(name[i:], "_")
	n := len(elems)
	tag := func(s string) constraint.Expr { return &constraint.TagExpr{Tag: s} }
	if n >= 2 && slices.Contains(knownOS, elems[n-2]) && slices.Contains(knownArch, elems[n-1]) {
		return []constraint.Expr{tag(elems[n-2]), tag(elems[n-1])}
	}
	if n >= 1 && (slices.Contains(knownOS, elems[n-1]) || slices.Contains(knownArch, elems[n-1])) {
		return []constraint.Expr{tag(elems[n-1])}
	}
	return nil
}

// andAll joins constraints with &&, dropping repeats; nil for none.
func andAll(parts []constraint.Expr) constraint.Expr {
	var x constraint.Expr
	seen := map[string]bool{}
	for _, p := range parts {
		if p == nil || seen[p.String()] {
			continue
		}
		seen[p.String()] = true
		if x == nil {
			x = p
		} else {
			x = &constraint.AndExpr{X: x, Y: p}
		}
	}
	return x
}

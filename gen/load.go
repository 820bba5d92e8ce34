package gen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/gcexportdata"
	"golang.org/x/tools/go/packages"
)

// loadMode is everything the generator reads: syntax and type information of
// the target package, types of its dependencies from export data (no NeedDeps).
const loadMode = packages.NeedName | packages.NeedFiles | packages.NeedSyntax |
	packages.NeedTypes | packages.NeedTypesInfo | packages.NeedModule

// loaded is the result of the single package load of a run.
type loaded struct {
	fset *token.FileSet
	dir  string // absolute directory of the output package
	// modRoot is the root directory of the output package's module, or "".
	modRoot string
	pkg     *packages.Package // the output package
	files   []*ast.File       // its syntax, without the overlay file
	names   map[*ast.File]string
	source  *types.Package // the -source package, or nil
	// deps are the packages directives name by a quoted import path, by
	// path; depErrs say why one of them could not be loaded.
	deps    map[string]*types.Package
	depErrs map[string]string
	// errs are the errors of loading and type-checking the package. They are
	// not fatal by themselves (a package that uses a decorator whose file is
	// hidden or stale does not type-check); they are reported when they keep
	// the generator from doing its work.
	errs []packages.Error
}

// load loads the package in dir, and the -source package if any, with one
// call to packages.Load. Dependencies and the -source package come from
// export data. The generator's own earlier outputs are hidden from the build
// by a go command overlay, so a stale one never blocks loading.
func load(ctx context.Context, cfg *Config, dir string) (*loaded, error) {
	pcfg, paths, cleanup, err := packagesConfig(ctx, cfg, dir)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	patterns := []string{"."}
	if cfg.Source != "" {
		patterns = append(patterns, cfg.Source)
	}
	pkgs, err := packages.Load(pcfg, patterns...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrLoad, err)
	}
	pkg, source := sortLoaded(pkgs, dir, cfg.Source)
	if pkg == nil {
		if source != nil && notInGoMod(source) {
			return nil, sourceNotInGoMod(cfg, dir)
		}
		return nil, fmt.Errorf("%w: no package in %s", ErrLoad, dir)
	}
	l, err := newLoaded(pkg, dir)
	if err != nil {
		return nil, err
	}
	if cfg.Package != "" && pkg.Types.Name() != cfg.Package {
		return nil, fmt.Errorf("%w: $GOPACKAGE is %s but the package in %s is %s; breakergen does not wrap interfaces of test packages",
			ErrUsage, cfg.Package, dir, pkg.Types.Name())
	}
	if cfg.Source != "" {
		if err := l.loadSource(cfg, source); err != nil {
			return nil, err
		}
	}
	if err := l.loadDeps(pcfg, paths); err != nil {
		return nil, err
	}
	return l, nil
}

// sortLoaded tells the packages of a load apart: the output package (the one
// with files in dir) and the -source package.
func sortLoaded(pkgs []*packages.Package, dir, sourcePath string) (pkg, source *packages.Package) {
	for _, p := range pkgs {
		switch {
		case pkg == nil && hasFileIn(p, dir):
			pkg = p
		case sourcePath != "" && p.PkgPath == sourcePath && source == nil:
			source = p
		}
	}
	return pkg, source
}

// hasFileIn reports whether p has a file in dir.
func hasFileIn(p *packages.Package, dir string) bool {
	for _, files := range [][]string{p.GoFiles, p.CompiledGoFiles, p.OtherFiles, p.IgnoredFiles} {
		for _, f := range files {
			if filepath.Dir(f) == dir {
				return true
			}
		}
	}
	return false
}

// packagesConfig returns the go/packages configuration of a run in dir, and
// the function that removes the overlay hiding the generator's earlier
// outputs, to call once loading is done.
func packagesConfig(ctx context.Context, cfg *Config, dir string) (*packages.Config, []string, func(), error) {
	generated, paths, err := scanDir(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	mode := loadMode
	if cfg.Source != "" {
		mode |= packages.NeedExportFile
	}
	pcfg := &packages.Config{
		Context:   ctx,
		Mode:      mode,
		Dir:       dir,
		Env:       cfg.Env,
		ParseFile: parseFunc(dir),
	}
	if len(cfg.Tags) > 0 {
		pcfg.BuildFlags = append(pcfg.BuildFlags, "-tags="+strings.Join(cfg.Tags, ","))
	}
	if len(generated) == 0 {
		return pcfg, paths, func() {}, nil
	}
	// The overlay goes to the go command only (not packages.Config.Overlay,
	// which would make go/packages type-check every dependency from source).
	flag, cleanup, err := hideFiles(generated)
	if err != nil {
		return nil, nil, nil, err
	}
	pcfg.BuildFlags = append(pcfg.BuildFlags, flag)
	return pcfg, paths, cleanup, nil
}

// newLoaded keeps what the generator reads of the output package: its files
// in dir (not cgo's helpers), their names, its module root and its errors.
func newLoaded(pkg *packages.Package, dir string) (*loaded, error) {
	l := &loaded{fset: pkg.Fset, dir: dir, pkg: pkg, names: map[*ast.File]string{}}
	l.errs = pkg.Errors
	if pkg.Module != nil {
		l.modRoot = pkg.Module.Dir
	}
	for _, f := range pkg.Syntax {
		name := pkg.Fset.Position(f.Package).Filename
		if filepath.Dir(name) != dir {
			continue // cgo helper files
		}
		l.files = append(l.files, f)
		l.names[f] = name
	}
	if pkg.Types == nil || pkg.TypesInfo == nil || len(l.files) == 0 {
		return nil, l.fatal("no Go source files to load in " + dir)
	}
	return l, nil
}

// loadSource reads the types of the -source package from its export data.
func (l *loaded) loadSource(cfg *Config, source *packages.Package) error {
	if cfg.Source == l.pkg.PkgPath || source == nil {
		return fmt.Errorf("%w: -source %s is the package in %s itself; use -type alone", ErrUsage, cfg.Source, l.dir)
	}
	if source.ExportFile == "" {
		if notInGoMod(source) {
			return sourceNotInGoMod(cfg, l.dir)
		}
		l.errs = source.Errors
		return l.fatal("cannot load -source package " + cfg.Source)
	}
	var err error
	l.source, err = readExport(l.pkg.Fset, rootImports(l.pkg.Types), source.ExportFile, source.PkgPath)
	if err != nil {
		return fmt.Errorf("%w: -source package %s: %v", ErrLoad, cfg.Source, err)
	}
	return nil
}

// cgoHeader starts the Go files cgo writes.
var cgoHeader = []byte("// Code generated by cmd/cgo; DO NOT EDIT.")

// parseFunc returns the parser for packages.Config. Files of the output
// package are parsed whole. Other files, those of the -source package whose
// types come from its export data, are reduced to their package clause;
// cgo's translations are kept whole, as they may be the output package's.
func parseFunc(dir string) func(*token.FileSet, string, []byte) (*ast.File, error) {
	return func(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
		if filepath.Dir(filename) != dir && !bytes.Contains(src[:min(len(src), 1024)], cgoHeader) {
			return parser.ParseFile(fset, filename, src, parser.PackageClauseOnly)
		}
		return parser.ParseFile(fset, filename, src, parser.ParseComments|parser.SkipObjectResolution)
	}
}

// rootImports returns the packages roots import, directly or not, by path:
// the packages export data read for a run shares, so that types such as
// context.Context are identical across the packages of the run.
func rootImports(roots ...*types.Package) map[string]*types.Package {
	imports := map[string]*types.Package{}
	var walk func(p *types.Package)
	walk = func(p *types.Package) {
		if imports[p.Path()] != nil {
			return
		}
		imports[p.Path()] = p
		for _, imp := range p.Imports() {
			walk(imp)
		}
	}
	for _, root := range roots {
		for _, imp := range root.Imports() {
			walk(imp)
		}
	}
	return imports
}

// readExport reads the types of the package at path from its export data,
// sharing the package objects of imports.
func readExport(fset *token.FileSet, imports map[string]*types.Package, file, path string) (*types.Package, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := gcexportdata.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, err
	}
	return gcexportdata.Read(r, fset, imports, path)
}

// hideFiles writes a go command overlay that replaces each file with an
// empty file excluded by a build constraint, and returns the -overlay flag
// and a function removing the overlay.
func hideFiles(files map[string]string) (flag string, cleanup func(), err error) {
	tmp, err := os.MkdirTemp("", "breakergen-overlay-")
	if err != nil {
		return "", nil, fmt.Errorf("%w: %v", ErrLoad, err)
	}
	cleanup = func() { os.RemoveAll(tmp) }
	replace := map[string]string{}
	i := 0
	for path, pkgName := range files {
		i++
		blank := filepath.Join(tmp, fmt.Sprintf("hidden%d.go", i))
		if err := os.WriteFile(blank, []byte("//go:build ignore\n\npackage "+pkgName+"\n"), 0o644); err != nil {
			cleanup()
			return "", nil, fmt.Errorf("%w: %v", ErrLoad, err)
		}
		replace[path] = blank
	}
	data, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("%w: %v", ErrLoad, err)
	}
	overlay := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlay, data, 0o644); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("%w: %v", ErrLoad, err)
	}
	return "-overlay=" + overlay, cleanup, nil
}

// fatal returns an ErrLoad error saying msg, with the load errors that
// explain it.
func (l *loaded) fatal(msg string) error {
	var probs problems
	for _, e := range l.errs {
		probs.addPosition(errorPosition(e), ErrLoad, "%s", strings.TrimSpace(e.Msg))
	}
	if len(probs.list) == 0 {
		return fmt.Errorf("%w: %s", ErrLoad, msg)
	}
	probs.list = append(ErrorList{{Pos: token.Position{Filename: l.dir}, Msg: msg, Kind: ErrLoad}}, probs.list...)
	return probs.list
}

// firstError describes the first load error, or returns "".
func (l *loaded) firstError() string {
	for _, e := range l.errs {
		return fmt.Sprintf("%s: %s", e.Pos, strings.TrimSpace(e.Msg))
	}
	return ""
}

// errorPosition parses the "file:line:col" prefix of a packages.Error.
func errorPosition(e packages.Error) token.Position {
	var pos token.Position
	if e.Pos == "" || e.Pos == "-" {
		return pos
	}
	parts := strings.Split(e.Pos, ":")
	pos.Filename = parts[0]
	if len(parts) > 1 {
		fmt.Sscan(parts[1], &pos.Line)
	}
	if len(parts) > 2 {
		fmt.Sscan(parts[2], &pos.Column)
	}
	return pos
}

// findImport finds the package with the given path among the (transitive)
// imports of pkg.
func findImport(pkg *types.Package, path string) *types.Package {
	seen := map[*types.Package]bool{}
	var walk func(p *types.Package) *types.Package
	walk = func(p *types.Package) *types.Package {
		if seen[p] {
			return nil
		}
		seen[p] = true
		if p.Path() == path {
			return p
		}
		for _, imp := range p.Imports() {
			if found := walk(imp); found != nil {
				return found
			}
		}
		return nil
	}
	return walk(pkg)
}

// scanDir finds the generator's own files in dir (absolute path to the
// package name each declares) and the import paths the directives of the
// other files quote.
func scanDir(dir string) (map[string]string, []string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrLoad, err)
	}
	generated := map[string]string{}
	var paths []string
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(name, ".go") || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
			continue
		}
		path := filepath.Join(dir, name)
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrLoad, err)
		}
		if isGenerated(src) {
			generated[path] = packageClause(src)
			continue
		}
		for _, p := range quotedPaths(src) {
			if !slices.Contains(paths, p) {
				paths = append(paths, p)
			}
		}
	}
	slices.Sort(paths)
	return generated, paths, nil
}

// isGenerated reports whether src has the generator's Header among the line
// comments before its package clause.
func isGenerated(src []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case line == Header:
			return true
		case strings.TrimSpace(line) == "", strings.HasPrefix(line, "//"):
			continue
		default:
			return false
		}
	}
	return false
}

// packageClause returns the package name declared by src, or "ignored".
func packageClause(src []byte) string {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.PackageClauseOnly)
	if err != nil || f.Name == nil {
		return "ignored"
	}
	return f.Name.Name
}

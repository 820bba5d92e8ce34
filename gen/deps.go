package gen

import (
	"fmt"
	"go/token"
	"go/types"
	"path/filepath"
	"regexp"
	"strings"

	"golang.org/x/tools/go/packages"
)

// quotedPath matches a quoted import path qualifying a name in a directive:
// "example.com/sdk/types".NoSuchKey.
var quotedPath = regexp.MustCompile(`"([^"\s]+)"\.`)

// quotedPaths returns the import paths the //breaker: directives of a Go
// source quote, so that one load brings their packages too, though no file
// imports them.
func quotedPaths(src []byte) []string {
	var out []string
	for line := range strings.SplitSeq(string(src), "\n") {
		line = strings.TrimSpace(line)
		if !isDirective(line) {
			continue
		}
		for _, m := range quotedPath.FindAllStringSubmatch(line, -1) {
			out = append(out, m[1])
		}
	}
	return out
}

// loadDeps reads the types of the packages directives quote, from their
// export data, or remembers why it could not. A package the output or
// -source package imports is used as it is; the others take a second load,
// of export data only (a package of the first load is type-checked from its
// declarations, which would hide it from an output package importing it).
func (l *loaded) loadDeps(pcfg *packages.Config, paths []string) error {
	l.deps, l.depErrs = map[string]*types.Package{}, map[string]string{}
	roots := []*types.Package{l.pkg.Types}
	if l.source != nil {
		roots = append(roots, l.source)
	}
	imports := rootImports(roots...)
	for _, root := range roots {
		imports[root.Path()] = root
	}
	var missing []string
	for _, path := range paths {
		if p := imports[path]; p != nil && p.Complete() {
			l.deps[path] = p
		} else {
			missing = append(missing, path)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	cfg := *pcfg
	cfg.Mode = packages.NeedName | packages.NeedExportFile
	pkgs, err := packages.Load(&cfg, missing...)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrLoad, err)
	}
	for _, d := range pkgs {
		if d.ExportFile == "" {
			l.depErrs[d.PkgPath] = depError(d)
			continue
		}
		p, err := readExport(l.fset, imports, d.ExportFile, d.PkgPath)
		if err != nil {
			l.depErrs[d.PkgPath] = err.Error()
			continue
		}
		l.deps[d.PkgPath] = p
	}
	return nil
}

// depError says why a package a directive quotes could not be loaded.
func depError(p *packages.Package) string {
	if notInGoMod(p) {
		return fmt.Sprintf("%s is not in go.mod; run go get %s", p.PkgPath, p.PkgPath)
	}
	for _, e := range p.Errors {
		return strings.TrimSpace(e.Msg)
	}
	return "cannot load package " + p.PkgPath
}

// notInGoMod reports whether p failed to load because go.mod does not
// require the module providing it: no module of the build list provides it,
// or one does only as a dependency of a dependency, whose go.sum entry the
// main module lacks. go get adds the requirement either way.
func notInGoMod(p *packages.Package) bool {
	for _, e := range p.Errors {
		for _, msg := range []string{
			"no required module provides package",
			"cannot find module providing package",
			"missing go.sum entry for module providing package",
		} {
			if strings.Contains(e.Msg, msg) {
				return true
			}
		}
	}
	return false
}

// sourceNotInGoMod is the error of a -source package no module of the build
// list provides, at the //go:generate line when it is known.
func sourceNotInGoMod(cfg *Config, dir string) error {
	var pos token.Position
	if cfg.File != "" && cfg.Line > 0 {
		pos = token.Position{Filename: filepath.Join(dir, cfg.File), Line: cfg.Line, Column: 1}
	}
	return ErrorList{{Pos: pos, Kind: ErrLoad, Msg: fmt.Sprintf("-source %s: not in go.mod; run go get %s", cfg.Source, cfg.Source)}}
}

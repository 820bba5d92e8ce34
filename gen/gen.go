package gen

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
)

// Result is what one run produces. It is not modified after Generate returns
// it, except by the caller; reading it from several goroutines is safe.
type Result struct {
	// Files are the output files, in a fixed order.
	Files []OutputFile
	// Notes are remarks about the generated code, such as methods left
	// unprotected.
	Notes []Note
}

// run is the state of one run of the generator.
type run struct {
	cfg          *Config
	l            *loaded
	out          *types.Package // the package receiving the generated code
	probs        *problems
	res          *resolver
	notes        []Note
	circuits     map[string]*circuitDef
	methodFields map[token.Pos]*ast.Field
	methodFiles  map[*ast.Field]*ast.File
	// methodDirs are the //breaker:method directives of the targets, by
	// position, and methodDirUsed those that named a method.
	methodDirs    map[token.Pos]directive
	methodDirUsed map[token.Pos]bool
	// misfits gather the methods an interface's key= does not fit.
	misfits map[token.Pos]*misfit
	ctxType types.Type // context.Context, or nil when nothing imports context
	errType types.Type
}

// Generate loads the package, checks the directives of the interfaces to wrap
// and renders their decorators, without writing anything. Problems in the
// input come back as an ErrorList of "file:line:col: message" errors, with
// file names relative to cfg.WorkDir when inside it, else to the module root
// (see Config.WorkDir). Generate loads packages once per call and is safe to
// call from several goroutines on different directories.
func Generate(ctx context.Context, cfg Config) (*Result, error) {
	dir, err := absDir(cfg.Dir)
	if err != nil {
		return nil, err
	}
	var bases []string
	if cfg.WorkDir != "" {
		work, err := absDir(cfg.WorkDir)
		if err != nil {
			return nil, err
		}
		bases = append(bases, work)
	}
	if cfg.Source != "" && (strings.HasPrefix(cfg.Source, ".") || filepath.IsAbs(cfg.Source)) {
		return nil, fmt.Errorf("%w: -source wants an import path such as net/http, not %q", ErrUsage, cfg.Source)
	}
	l, err := load(ctx, &cfg, dir)
	if err != nil {
		return nil, relativize(err, append(bases, moduleRoot(dir), dir))
	}
	if l.modRoot != "" {
		bases = append(bases, l.modRoot)
	}
	bases = append(bases, dir)
	g := newRun(&cfg, l, bases)
	files, err := g.generate()
	if err != nil {
		return nil, relativize(err, bases)
	}
	res := &Result{Files: files}
	for _, n := range g.notes {
		n.Pos = relPosition(n.Pos, bases)
		res.Notes = append(res.Notes, n)
	}
	return res, nil
}

// absDir returns dir as an absolute path; "" is the current directory.
func absDir(dir string) (string, error) {
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrLoad, err)
		}
		return wd, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrLoad, err)
	}
	return abs, nil
}

// moduleRoot returns the directory of the go.mod file governing dir, or dir.
func moduleRoot(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// newRun prepares a run on a loaded package.
func newRun(cfg *Config, l *loaded, bases []string) *run {
	g := &run{
		cfg:      cfg,
		l:        l,
		out:      l.pkg.Types,
		probs:    &problems{fset: l.fset, bases: bases},
		circuits: map[string]*circuitDef{},
		errType:  types.Universe.Lookup("error").Type(),

		methodDirs:    map[token.Pos]directive{},
		methodDirUsed: map[token.Pos]bool{},
		misfits:       map[token.Pos]*misfit{},
	}
	g.res = &resolver{pkg: g.out, source: l.source, deps: l.deps, depErrs: l.depErrs, info: l.pkg.TypesInfo, probs: g.probs}
	for _, root := range []*types.Package{g.out, l.source} {
		if root == nil || g.ctxType != nil {
			continue
		}
		if p := findImport(root, "context"); p != nil {
			if obj, ok := p.Scope().Lookup("Context").(*types.TypeName); ok {
				g.ctxType = obj.Type()
			}
		}
	}
	return g
}

// generate models the targets and renders their files.
func (g *run) generate() ([]OutputFile, error) {
	g.methodDecls()
	g.checkAttachments()
	targets := g.findTargets()
	g.checkUnwrapped()
	if g.cfg.Name != "" && len(targets) > 1 {
		g.probs.addPosition(g.generateLinePos(), ErrUsage, "-name names one decorator, but this run wraps %d interfaces", len(targets))
	}
	var models []*ifaceModel
	for _, t := range targets {
		models = append(models, g.model(t))
	}
	g.checkMethodDirectives(models)
	g.reportMisfits()
	if err := g.probs.err(); err != nil {
		return nil, err
	}
	groups, err := g.groups(models)
	if err != nil {
		return nil, err
	}
	g.checkSiblings(groups)
	if err := g.probs.err(); err != nil {
		return nil, err
	}
	return g.render(groups)
}

// Run generates and writes the decorators cfg asks for: only files whose
// content changed are written, and nothing is written when there is any
// problem. Notes go to cfg.Notes as they are returned.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	res, err := Generate(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Notes != nil {
		for _, n := range res.Notes {
			fmt.Fprintln(cfg.Notes, n)
		}
	}
	if err := res.Write(); err != nil {
		return res, err
	}
	return res, nil
}

// Write writes the files of r whose content changed.
func (r *Result) Write() error {
	for _, f := range r.Files {
		if !f.Changed {
			continue
		}
		if err := writeFile(f.Path, f.Content); err != nil {
			return err
		}
	}
	return nil
}

// group is the decorators written to one file.
type group struct {
	path   string
	models []*ifaceModel
}

// groups assigns the models to output files: all to -output, else one file
// per interface. Two interfaces that would be written to one file are an
// error.
func (g *run) groups(models []*ifaceModel) ([]*group, error) {
	if g.cfg.Output != "" {
		path := g.cfg.Output
		if !filepath.IsAbs(path) {
			path = filepath.Join(g.l.dir, path)
		}
		path = filepath.Clean(path)
		if filepath.Dir(path) != g.l.dir || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil, fmt.Errorf("%w: -output %s must name a non-test .go file in the package directory %s", ErrUsage, g.cfg.Output, g.l.dir)
		}
		for _, m := range models {
			m.outFile = path
		}
		return []*group{{path: path, models: models}}, nil
	}
	var out []*group
	byPath := map[string]*group{}
	for _, m := range models {
		m.outFile = filepath.Join(g.l.dir, outputName(m.t.obj.Name(), g.cfg.Name))
		if other := byPath[m.outFile]; other != nil {
			g.probs.addf(m.t.pos, ErrConflict, "%s and %s would both be written to %s; use -output or -name",
				other.models[0].t.obj.Name(), m.t.obj.Name(), filepath.Base(m.outFile))
			continue
		}
		byPath[m.outFile] = &group{path: m.outFile, models: []*ifaceModel{m}}
		out = append(out, byPath[m.outFile])
	}
	return out, g.probs.err()
}

// relativize rewrites the file names of positioned errors relative to the
// first of bases that holds them.
func relativize(err error, bases []string) error {
	list, ok := err.(ErrorList)
	if !ok {
		return err
	}
	for _, e := range list {
		e.Pos = relPosition(e.Pos, bases)
	}
	return list
}

// relPosition returns pos with its file name relative to the first of bases
// that holds the file; unchanged when none does.
func relPosition(pos token.Position, bases []string) token.Position {
	if pos.Filename == "" || !filepath.IsAbs(pos.Filename) {
		return pos
	}
	for _, dir := range bases {
		if rel, err := filepath.Rel(dir, pos.Filename); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			pos.Filename = rel
			return pos
		}
	}
	return pos
}

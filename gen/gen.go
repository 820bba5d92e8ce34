package gen

import (
	"context"
	"fmt"
	"go/ast"
	"go/build/constraint"
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
	ctxType      types.Type // context.Context, or nil when nothing imports context
	errType      types.Type
}

// Generate loads the package, checks the directives of the interfaces to wrap
// and renders their decorators, without writing anything. Problems in the
// input come back as an ErrorList of "file:line:col: message" errors, with
// file names relative to cfg.Dir. Generate loads packages once per call and is
// safe to call from several goroutines on different directories.
func Generate(ctx context.Context, cfg Config) (*Result, error) {
	dir := cfg.Dir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrLoad, err)
		}
		dir = wd
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrLoad, err)
	}
	if cfg.Source != "" && (strings.HasPrefix(cfg.Source, ".") || filepath.IsAbs(cfg.Source)) {
		return nil, fmt.Errorf("%w: -source wants an import path such as net/http, not %q", ErrUsage, cfg.Source)
	}
	l, err := load(ctx, &cfg, dir)
	if err != nil {
		return nil, relativize(err, dir)
	}
	g := &run{
		cfg:      &cfg,
		l:        l,
		out:      l.pkg.Types,
		probs:    &problems{fset: l.fset, dir: dir},
		circuits: map[string]*circuitDef{},
		errType:  types.Universe.Lookup("error").Type(),
	}
	g.res = &resolver{pkg: g.out, source: l.source, info: l.pkg.TypesInfo, probs: g.probs}
	if p := findImport(g.out, "context"); p != nil {
		if obj, ok := p.Scope().Lookup("Context").(*types.TypeName); ok {
			g.ctxType = obj.Type()
		}
	}
	if g.ctxType == nil && l.source != nil {
		if p := findImport(l.source, "context"); p != nil {
			if obj, ok := p.Scope().Lookup("Context").(*types.TypeName); ok {
				g.ctxType = obj.Type()
			}
		}
	}
	g.methodDecls()
	g.checkAttachments()
	targets := g.findTargets()
	var models []*ifaceModel
	for _, t := range targets {
		models = append(models, g.model(t))
	}
	if err := g.probs.err(); err != nil {
		return nil, relativize(err, dir)
	}
	files, err := g.outputs(models)
	if err != nil {
		return nil, relativize(err, dir)
	}
	res := &Result{Files: files}
	for _, n := range g.notes {
		n.Pos = relPosition(n.Pos, dir)
		res.Notes = append(res.Notes, n)
	}
	return res, nil
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

// outputs groups the models into files and renders them.
func (g *run) outputs(models []*ifaceModel) ([]OutputFile, error) {
	type group struct {
		path   string
		models []*ifaceModel
	}
	var groups []*group
	if g.cfg.Output != "" {
		path := g.cfg.Output
		if !filepath.IsAbs(path) {
			path = filepath.Join(g.l.dir, path)
		}
		path = filepath.Clean(path)
		if filepath.Dir(path) != g.l.dir || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil, fmt.Errorf("%w: -output %s must name a non-test .go file in the package directory %s", ErrUsage, g.cfg.Output, g.l.dir)
		}
		groups = append(groups, &group{path: path, models: models})
	} else {
		byPath := map[string]*group{}
		for _, m := range models {
			path := filepath.Join(g.l.dir, strings.ToLower(m.t.obj.Name())+"_breaker.go")
			if other := byPath[path]; other != nil {
				g.probs.addf(m.t.pos, ErrConflict, "%s and %s would both be written to %s; use -output",
					other.models[0].t.obj.Name(), m.t.obj.Name(), filepath.Base(path))
				continue
			}
			byPath[path] = &group{path: path, models: []*ifaceModel{m}}
			groups = append(groups, byPath[path])
		}
	}
	if err := g.probs.err(); err != nil {
		return nil, err
	}
	var out []OutputFile
	for _, gr := range groups {
		var parts []constraint.Expr
		for _, m := range gr.models {
			if m.t.file == nil {
				continue
			}
			x, err := fileConstraint(g.l.names[m.t.file])
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrLoad, err)
			}
			parts = append(parts, x)
		}
		expr := ""
		if x := andAll(parts); x != nil {
			expr = x.String()
		}
		content, err := g.render(gr.models, expr)
		if err != nil {
			return nil, err
		}
		changed, err := checkOutput(gr.path, content)
		if err != nil {
			return nil, err
		}
		out = append(out, OutputFile{Path: gr.path, Content: content, Changed: changed})
	}
	return out, nil
}

// relativize rewrites the file names of positioned errors relative to dir.
func relativize(err error, dir string) error {
	list, ok := err.(ErrorList)
	if !ok {
		return err
	}
	for _, e := range list {
		e.Pos = relPosition(e.Pos, dir)
	}
	return list
}

// relPosition returns pos with its file name relative to dir when the file
// is inside dir.
func relPosition(pos token.Position, dir string) token.Position {
	if pos.Filename == "" || !filepath.IsAbs(pos.Filename) {
		return pos
	}
	if rel, err := filepath.Rel(dir, pos.Filename); err == nil && !strings.HasPrefix(rel, "..") {
		pos.Filename = rel
	}
	return pos
}

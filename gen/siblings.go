package gen

import (
	"flag"
	"go/ast"
	"go/token"
	"go/types"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
)

// plan is what one run, or one //go:generate line of the package, writes:
// output files (absolute paths) and the identifiers it declares, and the
// interfaces of the package it wraps.
type plan struct {
	line   token.Position // of the //go:generate line
	files  []string
	names  []string
	ifaces []string
}

// checkSiblings reports the files and identifiers this run would write that
// another //go:generate line of the package writes too: each run would
// replace the other's file, or the package would declare a name twice. It
// only knows which line is its own when it runs from go generate.
func (g *run) checkSiblings(groups []*group) {
	here := g.generateLinePos()
	if !here.IsValid() {
		return
	}
	var mine plan
	for _, gr := range groups {
		mine.files = append(mine.files, gr.path)
		for _, m := range gr.models {
			mine.names = append(mine.names, m.typeName, m.ctorName)
		}
	}
	for _, other := range g.siblings() {
		if other.line.Filename == here.Filename && other.line.Line == here.Line {
			continue
		}
		var shared []string
		for _, f := range mine.files {
			if slices.Contains(other.files, f) {
				shared = append(shared, "write "+filepath.Base(f))
			}
		}
		var names []string
		for _, n := range mine.names {
			if slices.Contains(other.names, n) {
				names = append(names, n)
			}
		}
		if len(names) > 0 {
			shared = append(shared, "declare "+joinWords(names))
		}
		if len(shared) > 0 {
			g.probs.addPosition(here, ErrConflict, "this //go:generate line and the one at %s both %s; give one of them -name (or -output)",
				relPosition(other.line, g.probs.bases), strings.Join(shared, " and "))
		}
	}
}

// checkUnwrapped reports the annotated interfaces of the package that no
// //go:generate line of the package wraps: left behind silently, they would
// run unprotected. It only knows the package's lines when it runs from go
// generate.
func (g *run) checkUnwrapped() {
	if here := g.generateLinePos(); !here.IsValid() {
		return
	}
	plans := g.siblings()
	wrapped := map[string]bool{}
	var lines []string
	for _, p := range plans {
		for _, name := range p.ifaces {
			wrapped[name] = true
		}
		what := "wraps " + joinWords(p.ifaces)
		if len(p.ifaces) == 0 {
			what = "wraps no interface of the package"
		}
		lines = append(lines, "the line at "+relPosition(p.line, g.probs.bases).String()+" "+what)
	}
	g.embeddedBy(wrapped)
	for _, f := range g.l.files {
		for _, spec := range annotatedSpecs(f) {
			if !wrapped[spec.Name.Name] {
				g.probs.addf(spec.Name.Pos(), ErrTarget, "interface %s has //breaker: directives but no //go:generate line wraps it (%s); %s",
					spec.Name.Name, strings.Join(lines, "; "), placementRule)
			}
		}
	}
}

// embeddedBy adds to wrapped the interfaces of the package that a wrapped
// interface embeds, directly or not: their method directives apply to the
// methods the wrapped one gets from them.
func (g *run) embeddedBy(wrapped map[string]bool) {
	var walk func(iface *types.Interface)
	walk = func(iface *types.Interface) {
		for i := range iface.NumEmbeddeds() {
			named, ok := types.Unalias(iface.EmbeddedType(i)).(*types.Named)
			if !ok || named.Obj().Pkg() != g.out || wrapped[named.Obj().Name()] {
				continue
			}
			wrapped[named.Obj().Name()] = true
			if inner, ok := named.Underlying().(*types.Interface); ok {
				walk(inner)
			}
		}
	}
	for name := range maps.Clone(wrapped) {
		if obj, ok := g.out.Scope().Lookup(name).(*types.TypeName); ok {
			if iface, ok := obj.Type().Underlying().(*types.Interface); ok {
				walk(iface)
			}
		}
	}
}

// siblings returns the plans of the //go:generate lines of the package that
// run breakergen, worked out from their flags and the package's syntax.
func (g *run) siblings() []plan {
	var out []plan
	for _, f := range g.l.files {
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				args, ok := generateArgs(c.Text)
				if !ok {
					continue
				}
				if p, ok := g.siblingPlan(f, c, args); ok {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// generateArgs returns the arguments of a //go:generate line that runs
// breakergen, and whether it is one.
func generateArgs(text string) ([]string, bool) {
	rest, ok := strings.CutPrefix(text, "//go:generate ")
	if !ok {
		return nil, false
	}
	words := strings.Fields(rest)
	i := slices.IndexFunc(words, func(w string) bool { return w == "breakergen" || strings.HasSuffix(w, "/breakergen") })
	if i < 0 {
		return nil, false
	}
	return words[i+1:], true
}

// siblingPlan works out what the //go:generate line c of file f writes.
func (g *run) siblingPlan(f *ast.File, c *ast.Comment, args []string) (plan, bool) {
	var cfg Config
	fs := flag.NewFlagSet("breakergen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.RegisterFlags(fs)
	if fs.Parse(args) != nil {
		return plan{}, false
	}
	p := plan{line: g.l.fset.Position(c.Slash)}
	p.line.Column = 1
	names := dedupe(cfg.Types)
	if len(names) == 0 && cfg.Source == "" {
		names = nil
		if b := declBelow(g.l.fset, f, p.line.Line); b.spec != nil || b.other != "" {
			if b.spec != nil && isInterfaceSpec(b.spec) {
				names = append(names, b.spec.Name.Name)
			}
		} else {
			for _, file := range g.l.files {
				for _, spec := range annotatedSpecs(file) {
					names = append(names, spec.Name.Name)
				}
			}
		}
	}
	if cfg.Source == "" {
		p.ifaces = names
	}
	for _, name := range names {
		typeName, ctorName := decoratorNames(name, cfg.Name)
		p.names = append(p.names, typeName, ctorName)
		file := cfg.Output
		if file == "" {
			file = outputName(name, cfg.Name)
		}
		if !filepath.IsAbs(file) {
			file = filepath.Join(g.l.dir, file)
		}
		if path := filepath.Clean(file); !slices.Contains(p.files, path) {
			p.files = append(p.files, path)
		}
	}
	return p, true
}

// isInterfaceSpec reports whether spec declares an interface type literal.
func isInterfaceSpec(spec *ast.TypeSpec) bool {
	_, ok := spec.Type.(*ast.InterfaceType)
	return ok
}

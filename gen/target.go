package gen

import (
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"
)

// target is one interface to wrap.
type target struct {
	obj   *types.TypeName
	iface *types.Interface
	// tparams are the interface's type parameters, nil unless generic.
	tparams *types.TypeParamList
	// spec and file are its declaration, nil for a -source interface.
	spec *ast.TypeSpec
	file *ast.File
	// doc holds its interface-level directives: the declaration's doc, or for
	// -source the comment group of the //go:generate line.
	doc     *ast.CommentGroup
	docFile *ast.File
	pos     token.Pos
}

// typeDecl is a type declaration found in the syntax, with its doc comment.
type typeDecl struct {
	spec *ast.TypeSpec
	doc  *ast.CommentGroup
	file *ast.File
}

// typeDecls indexes the package's type declarations by their object.
func (g *run) typeDecls() map[*types.TypeName]typeDecl {
	out := map[*types.TypeName]typeDecl{}
	for _, f := range g.l.files {
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				ts := s.(*ast.TypeSpec)
				obj, _ := g.l.pkg.TypesInfo.Defs[ts.Name].(*types.TypeName)
				if obj == nil {
					continue
				}
				doc := ts.Doc
				if !gd.Lparen.IsValid() {
					doc = gd.Doc
				}
				out[obj] = typeDecl{spec: ts, doc: doc, file: f}
			}
		}
	}
	return out
}

// findTargets resolves the interfaces to wrap from the configuration.
func (g *run) findTargets() []*target {
	switch {
	case g.cfg.Source != "":
		return g.sourceTargets()
	case len(g.cfg.Types) > 0:
		return g.namedTargets()
	default:
		return g.lineTarget()
	}
}

// generateLinePos returns the position of the //go:generate line, if known.
func (g *run) generateLinePos() token.Position {
	if g.cfg.File == "" || g.cfg.Line <= 0 {
		return token.Position{}
	}
	return token.Position{Filename: filepath.Join(g.l.dir, g.cfg.File), Line: g.cfg.Line, Column: 1}
}

// namedTargets looks up -type names in the output package.
func (g *run) namedTargets() []*target {
	decls := g.typeDecls()
	var out []*target
	for _, name := range dedupe(g.cfg.Types) {
		obj, _ := g.l.pkg.Types.Scope().Lookup(name).(*types.TypeName)
		if obj == nil {
			g.probs.addPosition(g.generateLinePos(), ErrTarget, "no type %s in package %s", name, g.l.pkg.Types.Name())
			continue
		}
		d, ok := decls[obj]
		if !ok {
			g.probs.addf(obj.Pos(), ErrTarget, "type %s is not declared in the package's source files", name)
			continue
		}
		if t := g.newTarget(obj, d.spec.Name.Pos()); t != nil {
			t.spec, t.file, t.doc, t.docFile = d.spec, d.file, d.doc, d.file
			out = append(out, t)
		}
	}
	return out
}

// sourceTargets looks up -type names in the -source package.
func (g *run) sourceTargets() []*target {
	if len(g.cfg.Types) == 0 {
		g.probs.addPosition(g.generateLinePos(), ErrUsage, "-source needs -type to name the interfaces to wrap")
		return nil
	}
	doc, docFile := g.generateComment()
	var out []*target
	for _, name := range dedupe(g.cfg.Types) {
		if !token.IsExported(name) {
			g.probs.addPosition(g.generateLinePos(), ErrUnnameable, "%s.%s is unexported; package %s cannot name it",
				g.l.source.Path(), name, g.l.pkg.Types.Name())
			continue
		}
		obj, _ := g.l.source.Scope().Lookup(name).(*types.TypeName)
		if obj == nil {
			g.probs.addPosition(g.generateLinePos(), ErrTarget, "no type %s in package %s", name, g.l.source.Path())
			continue
		}
		if t := g.newTarget(obj, obj.Pos()); t != nil {
			t.doc, t.docFile = doc, docFile
			out = append(out, t)
		}
	}
	return out
}

// generateComment returns the comment group holding the //go:generate line
// that runs the generator, and its file, if File and Line are known.
func (g *run) generateComment() (*ast.CommentGroup, *ast.File) {
	f := g.fileNamed(g.cfg.File)
	if f == nil || g.cfg.Line <= 0 {
		return nil, nil
	}
	for _, cg := range f.Comments {
		start := g.l.fset.Position(cg.Pos()).Line
		end := g.l.fset.Position(cg.End()).Line
		if start <= g.cfg.Line && g.cfg.Line <= end {
			return cg, f
		}
	}
	return nil, nil
}

// fileNamed returns the loaded file with base name name, or nil.
func (g *run) fileNamed(name string) *ast.File {
	if name == "" {
		return nil
	}
	for _, f := range g.l.files {
		if filepath.Base(g.l.names[f]) == name {
			return f
		}
	}
	return nil
}

// lineTarget finds the interface a //go:generate line sits directly above
// (no blank line between); when the line is directly above no declaration,
// every annotated interface of the package (package mode). A line directly
// above another declaration is an error that explains placement.
func (g *run) lineTarget() []*target {
	if g.cfg.File == "" || g.cfg.Line <= 0 {
		g.probs.addPosition(token.Position{}, ErrUsage,
			"no target: name interfaces with -type, or run from a //go:generate line ($GOFILE and $GOLINE unset)")
		return nil
	}
	here := g.generateLinePos()
	f := g.fileNamed(g.cfg.File)
	if f == nil {
		g.probs.addPosition(here, ErrTarget, "%s is not part of package %s with the current build tags (see -tags)", g.cfg.File, g.l.pkg.Types.Name())
		return nil
	}
	below := declBelow(g.l.fset, f, g.cfg.Line)
	switch {
	case below.other != "":
		g.probs.addPosition(here, ErrTarget, "this //go:generate line sits directly above %s, which is not an interface; %s",
			below.other, placementRule)
		return nil
	case below.spec == nil:
		return g.annotatedTargets()
	}
	obj, _ := g.l.pkg.TypesInfo.Defs[below.spec.Name].(*types.TypeName)
	if obj == nil {
		g.probs.addPosition(here, ErrTarget, "cannot find the type %s declared below the //go:generate line", below.spec.Name.Name)
		return nil
	}
	if _, ok := obj.Type().Underlying().(*types.Interface); !ok {
		g.probs.addPosition(here, ErrTarget, "this //go:generate line sits directly above type %s, which is not an interface; %s",
			obj.Name(), placementRule)
		return nil
	}
	t := g.newTarget(obj, below.spec.Name.Pos())
	if t == nil {
		return nil
	}
	d := g.typeDecls()[obj]
	t.spec, t.file, t.doc, t.docFile = below.spec, f, d.doc, f
	return []*target{t}
}

// placementRule is how a //go:generate line's place decides what it wraps,
// for messages.
const placementRule = "a //go:generate line wraps the interface it sits directly above (no blank line between); " +
	"anywhere else (after a blank line, in doc.go) it wraps every interface of the package that has a //breaker: directive"

// below is what a //go:generate line sits directly above: a type
// declaration (spec), another declaration (other describes it), or nothing.
type below struct {
	spec  *ast.TypeSpec
	other string
}

// declBelow returns what the //go:generate line at line of f sits directly
// above: the declaration whose doc comment holds the line, if any. The doc
// comment of a declaration ends on the line right above it, so a blank line
// between the two makes the line sit above nothing.
func declBelow(fset *token.FileSet, f *ast.File, line int) below {
	var cg *ast.CommentGroup
	for _, c := range f.Comments {
		if fset.Position(c.Pos()).Line <= line && line <= fset.Position(c.End()).Line {
			cg = c
		}
	}
	if cg == nil {
		return below{}
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if d.Doc == cg {
				return below{other: "func " + d.Name.Name}
			}
		case *ast.GenDecl:
			if b, ok := genDeclBelow(d, cg); ok {
				return b
			}
		}
	}
	return below{}
}

// genDeclBelow returns what a comment group sits directly above in a general
// declaration: the declaration itself, or a type of a group.
func genDeclBelow(d *ast.GenDecl, cg *ast.CommentGroup) (below, bool) {
	if d.Doc == cg {
		switch {
		case d.Tok == token.TYPE && !d.Lparen.IsValid():
			return below{spec: d.Specs[0].(*ast.TypeSpec)}, true
		case d.Lparen.IsValid():
			return below{other: "a grouped " + d.Tok.String() + " declaration"}, true
		}
		name := ""
		switch s := d.Specs[0].(type) {
		case *ast.ValueSpec:
			name = " " + s.Names[0].Name
		case *ast.ImportSpec:
			name = " " + s.Path.Value
		}
		return below{other: d.Tok.String() + name}, true
	}
	if d.Tok != token.TYPE {
		return below{}, false
	}
	for _, s := range d.Specs {
		if ts := s.(*ast.TypeSpec); ts.Doc == cg {
			return below{spec: ts}, true
		}
	}
	return below{}, false
}

// annotatedTargets returns every interface of the package that carries a
// //breaker: directive, in source order: the targets of a //go:generate line
// that is not above a type declaration.
func (g *run) annotatedTargets() []*target {
	decls := g.typeDecls()
	var out []*target
	for _, f := range g.l.files {
		for _, spec := range annotatedSpecs(f) {
			obj, _ := g.l.pkg.TypesInfo.Defs[spec.Name].(*types.TypeName)
			if obj == nil {
				continue
			}
			if t := g.newTarget(obj, spec.Name.Pos()); t != nil {
				d := decls[obj]
				t.spec, t.file, t.doc, t.docFile = spec, f, d.doc, f
				out = append(out, t)
			}
		}
	}
	if len(out) == 0 && len(g.probs.list) == 0 {
		g.probs.addPosition(g.generateLinePos(), ErrTarget,
			"no interface of package %s carries a //breaker: directive: annotate one, put the //go:generate line directly above it, or name interfaces with -type",
			g.l.pkg.Types.Name())
	}
	return out
}

// annotatedSpecs returns the interface type declarations of f that carry a
// //breaker: directive in their doc comment or on a method.
func annotatedSpecs(f *ast.File) []*ast.TypeSpec {
	var out []*ast.TypeSpec
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, s := range gd.Specs {
			ts := s.(*ast.TypeSpec)
			it, ok := ts.Type.(*ast.InterfaceType)
			if !ok {
				continue
			}
			doc := ts.Doc
			if !gd.Lparen.IsValid() {
				doc = gd.Doc
			}
			found := hasDirective(doc)
			for _, field := range it.Methods.List {
				found = found || hasDirective(field.Doc) || hasDirective(field.Comment)
			}
			if found {
				out = append(out, ts)
			}
		}
	}
	return out
}

// newTarget checks that obj is a wrappable interface.
func (g *run) newTarget(obj *types.TypeName, pos token.Pos) *target {
	t := &target{obj: obj, pos: pos}
	typ := obj.Type()
	switch tt := typ.(type) {
	case *types.Named:
		t.tparams = tt.TypeParams()
	case *types.Alias:
		if tt.TypeParams().Len() > 0 {
			g.probs.addf(pos, ErrTarget, "%s is a generic alias; wrap the aliased interface instead", obj.Name())
			return nil
		}
	}
	iface, ok := typ.Underlying().(*types.Interface)
	if !ok {
		g.probs.addf(pos, ErrTarget, "%s is not an interface type", obj.Name())
		return nil
	}
	if !iface.IsMethodSet() {
		g.probs.addf(pos, ErrTarget, "%s is a constraint interface (it has type terms); only method sets can be wrapped", obj.Name())
		return nil
	}
	if iface.NumMethods() == 0 {
		g.probs.addf(pos, ErrNoMethods, "interface %s has no methods; there is nothing to protect", obj.Name())
		return nil
	}
	t.iface = iface
	return t
}

// dedupe returns names without repeats, in their first order.
func dedupe(names []string) []string {
	var out []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

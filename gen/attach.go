package gen

import (
	"go/ast"
	"go/token"
	"strings"
)

// methodDecls indexes the interface methods declared in the package's syntax
// by the position of their name, with the file declaring them.
func (g *run) methodDecls() {
	g.methodFields = map[token.Pos]*ast.Field{}
	g.methodFiles = map[*ast.Field]*ast.File{}
	for _, f := range g.l.files {
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				it, ok := s.(*ast.TypeSpec).Type.(*ast.InterfaceType)
				if !ok || it.Methods == nil {
					continue
				}
				for _, field := range it.Methods.List {
					if len(field.Names) == 1 {
						g.methodFields[field.Names[0].Pos()] = field
						g.methodFiles[field] = f
					}
				}
			}
		}
	}
}

// checkAttachments reports every directive that annotates nothing the
// generator reads: directives must sit in the doc comment of an interface
// type declaration, of an interface method, or beside a //go:generate line
// that wraps a -source interface.
func (g *run) checkAttachments() {
	attached := map[*ast.CommentGroup]bool{}
	for _, f := range g.l.files {
		for _, cg := range f.Comments {
			if isSourceGenerate(cg) {
				attached[cg] = true
			}
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			if gd.Lparen.IsValid() && hasDirective(gd.Doc) {
				g.probs.addf(firstDirective(gd.Doc), ErrDirective, "directive on a grouped type declaration; put it above a type inside the group")
				attached[gd.Doc] = true
			}
			for _, s := range gd.Specs {
				ts := s.(*ast.TypeSpec)
				doc := ts.Doc
				if !gd.Lparen.IsValid() {
					doc = gd.Doc
				}
				it, isIface := ts.Type.(*ast.InterfaceType)
				if !isIface {
					if hasDirective(doc) {
						g.probs.addf(firstDirective(doc), ErrDirective, "directive on type %s, which is not an interface", ts.Name.Name)
						attached[doc] = true
					}
					continue
				}
				if doc != nil {
					attached[doc] = true
				}
				for _, field := range it.Methods.List {
					for _, cg := range []*ast.CommentGroup{field.Doc, field.Comment} {
						if cg == nil {
							continue
						}
						attached[cg] = true
						if len(field.Names) == 0 && hasDirective(cg) {
							g.probs.addf(firstDirective(cg), ErrDirective, "directive on an embedded type; annotate the methods where they are declared")
						}
					}
				}
			}
		}
		for _, cg := range f.Comments {
			if !attached[cg] && hasDirective(cg) {
				g.probs.addf(firstDirective(cg), ErrDirective, "directive annotates nothing: put it in the doc comment of an interface type or of an interface method")
			}
		}
	}
}

// firstDirective returns the position of the first directive of cg.
func firstDirective(cg *ast.CommentGroup) token.Pos {
	for _, c := range cg.List {
		if isDirective(c.Text) {
			return c.Slash
		}
	}
	return cg.Pos()
}

// isSourceGenerate reports whether cg holds a //go:generate line that runs
// breakergen with -source.
func isSourceGenerate(cg *ast.CommentGroup) bool {
	for _, c := range cg.List {
		if strings.HasPrefix(c.Text, "//go:generate ") && strings.Contains(c.Text, "breakergen") &&
			strings.Contains(c.Text, "-source") {
			return true
		}
	}
	return false
}

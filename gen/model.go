package gen

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// circuitDef is one circuit of the run, shared by every method that names it.
type circuitDef struct {
	name     string
	opts     circuitOpts
	optsSite token.Pos // where the options were given; invalid when none were
}

// ifaceModel is everything needed to emit the decorator of one interface.
type ifaceModel struct {
	t          *target
	typeName   string // of the decorator
	ctorName   string
	methods    []*methodModel
	circuits   []*circuitDef // in order of first use
	outFile    string        // absolute path
	constraint string        // //go:build expression of the declaring file, or ""
}

// methodModel is one method of a decorator.
type methodModel struct {
	fn        *types.Func
	sig       *types.Signature
	protected bool
	reason    string // why an unprotected method passes through
	circuit   *circuitDef
	fallback  *types.Func
	ctx       int // index of the context.Context parameter, or -1
	// carrier is the index of the first parameter with a Context() context.Context
	// method (an *http.Request), used when there is no context parameter; or -1.
	carrier int
}

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

// register records that a circuit is used, with the options one directive
// gives it (if any); two directives that give one circuit different options
// are an error.
func (g *run) register(name string, opts circuitOpts, pos token.Pos) *circuitDef {
	c := g.circuits[name]
	if c == nil {
		c = &circuitDef{name: name}
		g.circuits[name] = c
	}
	if opts.set == 0 {
		return c
	}
	if !c.optsSite.IsValid() {
		c.opts, c.optsSite = opts, pos
		return c
	}
	if !c.opts.equal(opts) && pos != c.optsSite {
		g.probs.addf(pos, ErrConflict, "circuit %q gets options %q here but %q at %s",
			name, opts, c.opts, g.probs.where(c.optsSite))
	}
	return c
}

// model builds the decorator model of one target.
func (g *run) model(t *target) *ifaceModel {
	m := &ifaceModel{t: t}
	name := t.obj.Name()
	if t.obj.Exported() {
		m.typeName, m.ctorName = name+"Breaker", "New"+name+"Breaker"
	} else {
		m.typeName, m.ctorName = name+"Breaker", "new"+upperFirst(name)+"Breaker"
	}
	for _, generated := range []string{m.typeName, m.ctorName} {
		if obj := g.out.Scope().Lookup(generated); obj != nil {
			g.probs.addf(obj.Pos(), ErrConflict, "%s is already declared; breakergen declares it for %s", generated, name)
		}
	}

	iann := g.res.annotate(parseDirectives(g.probs, t.doc), t.docFile, false)
	dfltName := iann.name
	if dfltName == "" {
		dfltName = t.obj.Pkg().Name() + "." + name
	}
	// The default circuit's options are registered even when no method uses
	// it, so that a conflicting directive elsewhere is reported.
	dflt := g.register(dfltName, iann.opts, iann.optsPos)
	used := map[*circuitDef]bool{}
	use := func(c *circuitDef) {
		if !used[c] {
			used[c] = true
			m.circuits = append(m.circuits, c)
		}
	}

	if t.tparams != nil {
		for i := range t.tparams.Len() {
			tp := t.tparams.At(i)
			if msg := g.unnameable(tp.Constraint()); msg != "" {
				g.probs.addf(t.pos, unnameableKind(msg), "type parameter %s of %s: %s", tp.Obj().Name(), name, msg)
			}
		}
	}

	for i := range t.iface.NumMethods() {
		fn := t.iface.Method(i)
		sig := fn.Type().(*types.Signature)
		pos := fn.Pos()
		if !pos.IsValid() {
			pos = t.pos
		}
		mm := &methodModel{fn: fn, sig: sig, ctx: -1, carrier: -1}
		m.methods = append(m.methods, mm)

		if !fn.Exported() && fn.Pkg() != g.out {
			g.probs.addf(t.pos, ErrUnnameable, "method %s of %s is unexported in package %s; no type in package %s can implement %s",
				fn.Name(), name, fn.Pkg().Path(), g.out.Name(), name)
			continue
		}
		if msg := g.unnameable(sig); msg != "" {
			g.probs.addf(pos, unnameableKind(msg), "method %s: %s", fn.Name(), msg)
			continue
		}

		var mann annotation
		if field := g.methodFields[fn.Pos()]; field != nil && fn.Pkg() == g.out {
			mann = g.res.annotate(parseDirectives(g.probs, field.Doc, field.Comment), g.methodFiles[field], true)
		}
		results := sig.Results()
		finalErr := results.Len() > 0 && types.Identical(results.At(results.Len()-1).Type(), g.errType)
		switch {
		case mann.skip:
			mm.reason = "//breaker:skip"
			continue
		case !finalErr:
			if mann.circuit {
				g.probs.addf(mann.pos, ErrDirective, "method %s has a //breaker:circuit directive but no final error result to judge", fn.Name())
				continue
			}
			mm.reason = "it has no final error result"
			g.note(pos, "method %s.%s has no final error result; it passes through unprotected", name, fn.Name())
			continue
		}
		mm.protected = true
		for j := range sig.Params().Len() {
			if g.ctxType != nil && types.Identical(sig.Params().At(j).Type(), g.ctxType) {
				mm.ctx = j
				break
			}
		}
		for j := range sig.Params().Len() {
			if mm.ctx < 0 && g.carriesContext(sig.Params().At(j).Type()) {
				mm.carrier = j
				break
			}
		}
		if mann.ownCircuit() {
			cname := mann.name
			if cname == "" {
				cname = dfltName + "." + fn.Name()
			}
			site := mann.optsPos
			if !site.IsValid() {
				site = mann.namePos
			}
			mm.circuit = g.register(cname, mann.opts, site)
		} else {
			mm.circuit = dflt
		}
		use(mm.circuit)
		if mann.fallback != "" {
			mm.fallback = g.fallback(t, mm, mann.fallback, mann.fallbackPos)
		}
	}
	return m
}

// fallback resolves a fallback function and checks that it has exactly the
// method's signature (instantiated with the interface's type parameters).
func (g *run) fallback(t *target, mm *methodModel, name string, pos token.Pos) *types.Func {
	obj := g.out.Scope().Lookup(name)
	fn, ok := obj.(*types.Func)
	if !ok {
		if obj == nil {
			g.probs.addf(pos, ErrFallback, "fallback %s: no function %s in package %s", name, name, g.out.Name())
		} else {
			g.probs.addf(pos, ErrFallback, "fallback %s is a %s, not a function", name, objectKind(obj))
		}
		return nil
	}
	want := types.NewSignatureType(nil, nil, nil, mm.sig.Params(), mm.sig.Results(), mm.sig.Variadic())
	have := fn.Type().(*types.Signature)
	n := 0
	if t.tparams != nil {
		n = t.tparams.Len()
	}
	switch {
	case have.TypeParams().Len() == n:
	case n == 0:
		g.probs.addf(pos, ErrFallback, "fallback %s is generic but %s is not", name, t.obj.Name())
		return nil
	default:
		g.probs.addf(pos, ErrFallback, "fallback %s has %d type parameters, want %d (those of %s)",
			name, have.TypeParams().Len(), n, t.obj.Name())
		return nil
	}
	if n > 0 {
		targs := make([]types.Type, n)
		for i := range n {
			targs[i] = t.tparams.At(i)
		}
		inst, err := types.Instantiate(nil, have, targs, true)
		if err != nil {
			g.probs.addf(pos, ErrFallback, "fallback %s cannot be instantiated with the type parameters of %s: %v", name, t.obj.Name(), err)
			return nil
		}
		have = inst.(*types.Signature)
	}
	if !types.Identical(have, want) {
		q := types.RelativeTo(g.out)
		g.probs.addf(pos, ErrFallback, "fallback %s has type %s, want %s (the signature of %s.%s)",
			name, types.TypeString(have, q), types.TypeString(want, q), t.obj.Name(), mm.fn.Name())
		return nil
	}
	return fn
}

// note records a note for the user.
func (g *run) note(pos token.Pos, format string, args ...any) {
	g.notes = append(g.notes, Note{Pos: g.l.fset.Position(pos), Msg: fmt.Sprintf(format, args...)})
}

// Note is a remark about the generated code that is not an error, such as a
// method left unprotected. Its String method gives "file:line:col: note: msg".
// A Note is a plain value, safe for concurrent use.
type Note struct {
	// Pos is where the note applies.
	Pos token.Position
	// Msg is the remark.
	Msg string
}

// String returns "file:line:col: note: msg".
func (n Note) String() string { return fmt.Sprintf("%s: note: %s", n.Pos, n.Msg) }

// carriesContext reports whether t has a method Context() context.Context, as
// *http.Request does, so a call's context can be taken from that parameter.
func (g *run) carriesContext(t types.Type) bool {
	if g.ctxType == nil {
		return false
	}
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "Context")
	fn, ok := obj.(*types.Func)
	if !ok || !fn.Exported() {
		return false
	}
	sig := fn.Signature()
	return sig.Params().Len() == 0 && sig.Results().Len() == 1 &&
		types.Identical(sig.Results().At(0).Type(), g.ctxType)
}

// nillable reports whether a value of type t can be nil.
func nillable(t types.Type) bool {
	switch t.Underlying().(type) {
	case *types.Pointer, *types.Interface, *types.Map, *types.Slice, *types.Chan, *types.Signature:
		return true
	}
	return false
}

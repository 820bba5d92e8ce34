package gen

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// method models one method of the interface in scope: whether it is
// protected, through which circuit, how its outcome is judged and what it
// returns while the circuit is open.
func (g *run) method(s *ifaceScope, fn *types.Func) *methodModel {
	t := s.t
	sig := fn.Type().(*types.Signature)
	pos := fn.Pos()
	if !pos.IsValid() {
		pos = t.pos
	}
	mm := &methodModel{fn: fn, sig: sig, ctx: -1, carrier: -1, body: -1}
	if !fn.Exported() && fn.Pkg() != g.out {
		g.probs.addf(t.pos, ErrUnnameable, "method %s of %s is unexported in package %s; no type in package %s can implement %s",
			fn.Name(), t.obj.Name(), fn.Pkg().Path(), g.out.Name(), t.obj.Name())
		return mm
	}
	if msg := g.unnameable(sig); msg != "" {
		g.probs.addf(pos, unnameableKind(msg), "method %s: %s", fn.Name(), msg)
		return mm
	}
	mann, file := g.methodAnnotation(s, fn)
	if g.passesThrough(s, mm, &mann) {
		return mm
	}
	judge := mann.judge
	if judge.name == "" {
		judge = s.ann.judge
	}
	if !g.judging(t, mm, judge) {
		if mann.circuit {
			g.probs.addf(mann.pos, ErrDirective, "method %s has a //breaker:circuit directive but no result to judge: no final error result, no result with an Err() error method and no judge=", fn.Name())
			return mm
		}
		mm.reason = reasonNoResult
		return mm
	}
	mm.protected = true
	g.contexts(mm)
	mm.body = requestBody(fn, sig)
	mm.circuit = g.methodCircuit(s, mm, &mann, file)
	if mann.fallback.name != "" {
		mm.fallback = g.fallback(t, mm, mann.fallback)
	}
	g.openPath(t, mm)
	return mm
}

// methodAnnotation interprets the directives of a method: those of its
// declaration in the package, or the //breaker:method lines of its interface
// that name it, not both. It returns the file the directives are in.
func (g *run) methodAnnotation(s *ifaceScope, fn *types.Func) (annotation, *ast.File) {
	var own []directive
	var file *ast.File
	if field := g.methodFields[fn.Pos()]; field != nil && fn.Pkg() == g.out {
		file = g.methodFiles[field]
		own = parseDirectives(g.probs, field.Doc, field.Comment)
	}
	named := s.byMethod[fn.Name()]
	switch {
	case len(named) == 0:
		return g.res.annotate(own, file, true, s.ann.opts), file
	case len(own) > 0:
		g.probs.addf(named[0].methodPos, ErrDirective, "method %s has directives at %s too; give them in one place",
			fn.Name(), g.probs.where(own[0].pos))
	}
	return g.res.annotate(named, s.t.docFile, true, s.ann.opts), s.t.docFile
}

// noteMethodDirectives remembers the //breaker:method directives of a
// target, and those that name one of its methods, so that one naming no
// method of any target of the run is reported.
func (g *run) noteMethodDirectives(t *target, byMethod map[string][]directive) {
	for name, dirs := range byMethod {
		obj, _, _ := types.LookupFieldOrMethod(t.obj.Type(), false, t.obj.Pkg(), name)
		_, isMethod := obj.(*types.Func)
		for _, d := range dirs {
			g.methodDirs[d.pos] = d
			g.methodDirUsed[d.pos] = g.methodDirUsed[d.pos] || isMethod
		}
	}
}

// checkMethodDirectives reports the //breaker:method directives that name
// no method of the interfaces they annotate.
func (g *run) checkMethodDirectives(models []*ifaceModel) {
	var names []string
	for _, m := range models {
		names = append(names, g.ifaceName(m.t))
	}
	for pos, d := range g.methodDirs {
		if !g.methodDirUsed[pos] {
			g.probs.addf(d.methodPos, ErrValue, "//breaker:method %s: %s has no method %s", d.method, joinWords(names), d.method)
		}
	}
}

// passesThrough decides the methods left unprotected whatever their results:
// those the interface's skip= lists, those marked //breaker:skip, and without
// a directive of their own Close and the stream I/O of embedded io
// interfaces.
func (g *run) passesThrough(s *ifaceScope, mm *methodModel, mann *annotation) bool {
	name := mm.fn.Name()
	switch {
	case slices.Contains(s.ann.skips, name):
		if mann.present {
			g.probs.addf(mann.pos, ErrDirective, "method %s is listed in skip= at %s but has a directive", name, g.probs.where(s.ann.skipsPos))
		}
		mm.reason, mm.asked = reasonSkipList, true
	case mann.skip:
		mm.reason, mm.asked = reasonSkip, true
	case isCleanup(mm.fn, mm.sig) && !mann.circuit:
		mm.reason = reasonCleanup
	case isStreamIO(mm.fn, s.t) && !mann.circuit:
		mm.reason = reasonStream
	default:
		return false
	}
	return true
}

// isCleanup reports whether fn is Close() error: protecting it would keep a
// connection or stream open during an outage.
func isCleanup(fn *types.Func, sig *types.Signature) bool {
	if fn.Name() != closeMethodName || sig.Params().Len() != 0 || sig.Results().Len() != 1 {
		return false
	}
	return types.Identical(sig.Results().At(0).Type(), types.Universe.Lookup("error").Type())
}

// isStreamIO reports whether fn is a Read/Write-family method (Read, Write,
// ReadAt, WriteTo, ReadFrom, ReadByte, UnreadRune, WriteString, ...) of an
// interface of package io that t embeds, directly or not. Each call moves a
// part of a stream whose end is io.EOF, so protecting it would count a
// stream's traffic, not the dependency's health: the call that opens the
// stream is the one to protect. An interface of package io itself, wrapped
// with -source, is protected as asked.
func isStreamIO(fn *types.Func, t *target) bool {
	if fn.Pkg() == nil || fn.Pkg().Path() != "io" || t.obj.Pkg().Path() == "io" {
		return false
	}
	name := fn.Name()
	return strings.HasPrefix(name, "Read") || strings.HasPrefix(name, "Write") || strings.HasPrefix(name, "Unread")
}

// judging decides how mm's outcome is judged: by a judge= function, else its
// final error result, else its final result's Err() error. It reports false
// when there is nothing to judge.
func (g *run) judging(t *target, mm *methodModel, judge funcRef) bool {
	if judge.name != "" {
		mm.judge = judgeFunc
		mm.judgeFn = g.judgeFunc(t, mm, judge)
		return true
	}
	results := mm.sig.Results()
	if results.Len() == 0 {
		return false
	}
	last := results.At(results.Len() - 1).Type()
	switch {
	case types.Identical(last, g.errType):
		mm.judge = judgeError
	case hasMethod(last, "Err", nil, g.errType):
		mm.judge = judgeErrMethod
	default:
		return false
	}
	return true
}

// hasMethod reports whether the method set of t (of *t when addressable)
// has an exported method name with the given parameter and result types.
func hasMethod(t types.Type, name string, param, result types.Type) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, false, nil, name)
	fn, ok := obj.(*types.Func)
	if !ok {
		return false
	}
	sig := fn.Signature()
	oneOrNone := func(tup *types.Tuple, want types.Type) bool {
		if want == nil {
			return tup.Len() == 0
		}
		return tup.Len() == 1 && types.Identical(tup.At(0).Type(), want)
	}
	return !sig.Variadic() && oneOrNone(sig.Params(), param) && oneOrNone(sig.Results(), result)
}

// contexts finds the parameter giving the call's context: the first
// context.Context, else the first parameter with a Context() method.
func (g *run) contexts(mm *methodModel) {
	params := mm.sig.Params()
	for j := range params.Len() {
		if g.ctxType != nil && types.Identical(params.At(j).Type(), g.ctxType) {
			mm.ctx = j
			return
		}
	}
	for j := range params.Len() {
		if g.carriesContext(params.At(j).Type()) {
			mm.carrier = j
			return
		}
	}
}

// requestBody returns the index of the *net/http.Request parameter of a
// RoundTrip method, whose body the method must close when it refuses the
// call (the http.RoundTripper contract), or -1.
func requestBody(fn *types.Func, sig *types.Signature) int {
	if fn.Name() != "RoundTrip" {
		return -1
	}
	for i := range sig.Params().Len() {
		ptr, ok := sig.Params().At(i).Type().(*types.Pointer)
		if !ok {
			continue
		}
		if named, ok := ptr.Elem().(*types.Named); ok && named.Obj().Pkg() != nil &&
			named.Obj().Pkg().Path() == "net/http" && named.Obj().Name() == "Request" {
			return i
		}
	}
	return -1
}

// methodCircuit returns the circuit of a protected method: the interface's,
// or its own when its directive names one, sets options or keys it. A key,
// the method's or inherited from the interface, makes it a keyed family.
func (g *run) methodCircuit(s *ifaceScope, mm *methodModel, mann *annotation, file *ast.File) *circuitDef {
	keyText, keyPos, keyFile := mann.key, mann.keyPos, file
	inherited := keyText == ""
	if inherited {
		keyText, keyPos, keyFile = s.ann.key, s.ann.keyPos, s.t.docFile
	}
	maxKeys, maxSite := mann.maxKeys, mann.maxPos
	if !maxSite.IsValid() {
		maxKeys, maxSite = s.ann.maxKeys, s.ann.maxPos
	}
	var keys *keySpec
	if keyText != "" {
		mm.key = g.checkKey(s.t, mm, keyText, keyPos, keyFile, inherited)
		if mm.key != nil {
			keys = &keySpec{kind: mm.key.kind, maxKeys: maxKeys, maxSite: maxSite}
		}
	}
	c := s.dflt
	site := mm.fn.Pos()
	if mann.ownCircuit() {
		name := mann.name
		if name == "" {
			name = s.dflt.name + "." + mm.fn.Name()
		}
		site = firstValid(mann.optsPos, mann.namePos, mann.keyPos, mann.maxPos)
		c = g.register(name, mann.opts.over(s.ann.opts), site, mann.opts.set != 0)
		if mann.name == "" && s.dflt.generic {
			c.generic, c.typeArgsAt, c.typeParams = true, s.dflt.typeArgsAt, s.dflt.typeParams
		}
	}
	if keyText == "" || keys != nil {
		u := circuitUse{keys: keys, pos: firstValid(keyPos, site, s.t.pos), method: mm.fn.Name()}
		if inherited && keys != nil {
			u.misfit = func(reason string) { g.misfit(keyPos, keyText, s.t, mm.fn.Name(), reason) }
		}
		g.useCircuit(c, u)
	}
	return c
}

// firstValid returns the first valid position.
func firstValid(ps ...token.Pos) token.Pos {
	for _, p := range ps {
		if p.IsValid() {
			return p
		}
	}
	return token.NoPos
}

package gen

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
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
	var mann annotation
	var file *ast.File
	if field := g.methodFields[fn.Pos()]; field != nil && fn.Pkg() == g.out {
		file = g.methodFiles[field]
		mann = g.res.annotate(parseDirectives(g.probs, field.Doc, field.Comment), file, true)
	}
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

// passesThrough decides the methods left unprotected whatever their results:
// those the interface's skip= lists, those marked //breaker:skip and Close
// without a directive of its own.
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
	if keyText == "" {
		keyText, keyPos, keyFile = s.ann.key, s.ann.keyPos, s.t.docFile
	}
	maxKeys, maxSite := mann.maxKeys, mann.maxPos
	if !maxSite.IsValid() {
		maxKeys, maxSite = s.ann.maxKeys, s.ann.maxPos
	}
	var keys *keySpec
	if keyText != "" {
		mm.key = g.checkKey(s.t, mm, keyText, keyPos, keyFile)
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
	}
	if keyText == "" || keys != nil {
		g.useCircuit(c, keys, firstValid(keyPos, site, s.t.pos))
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

// openPath decides what mm returns while its circuit is open: the fallback's
// results; zero results and the open-circuit error when the final result is
// an error; else a final result made (new(T) or a zero T) to carry the error
// through its SetErr(error) method. A method that can do none of these is an
// error: it needs a fallback.
func (g *run) openPath(t *target, mm *methodModel) {
	if mm.fallback != nil {
		mm.open = openFallback
		return
	}
	results := mm.sig.Results()
	last := results.At(results.Len() - 1).Type()
	if types.Identical(last, g.errType) {
		mm.open = openError
		return
	}
	if ptr, ok := last.(*types.Pointer); ok {
		if _, named := types.Unalias(ptr.Elem()).(*types.Named); named && hasMethod(last, "SetErr", g.errType, nil) {
			mm.open, mm.newResult = openSetErr, true
			return
		}
	} else if _, isIface := last.Underlying().(*types.Interface); !isIface && hasMethod(types.NewPointer(last), "SetErr", g.errType, nil) {
		mm.open = openSetErr
		return
	}
	pos := mm.fn.Pos()
	if !pos.IsValid() || mm.fn.Pkg() != g.out {
		pos = t.pos
	}
	g.probs.addf(pos, ErrJudge, "method %s: while its circuit is open it cannot return the open-circuit error: its last result %s is not error and has no SetErr(error) method that a new value could carry it with; give the method a fallback=, or leave it unprotected with skip=",
		mm.fn.Name(), types.TypeString(last, types.RelativeTo(g.out)))
}

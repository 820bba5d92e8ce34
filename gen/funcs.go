package gen

import (
	"go/types"
)

// function resolves a function a directive names (f in the output package, or
// pkg.F through the imports) for a method of t, instantiated with t's type
// parameters when t is generic. kind is ErrFallback or ErrJudge.
func (g *run) function(t *target, ref funcRef, key string, kind error) (*types.Func, *types.Signature) {
	probs := g.probs
	obj, ok := g.res.lookup(ref.name, ref.pos, ref.file, kind)
	if !ok {
		return nil, nil
	}
	fn, isFunc := obj.(*types.Func)
	if !isFunc {
		probs.addf(ref.pos, kind, "%s %s is a %s, not a function", key, ref.name, objectKind(obj))
		return nil, nil
	}
	have := fn.Type().(*types.Signature)
	n := 0
	if t.tparams != nil {
		n = t.tparams.Len()
	}
	switch {
	case have.TypeParams().Len() == 0 && n > 0, have.TypeParams().Len() == n:
	case n == 0:
		probs.addf(ref.pos, kind, "%s %s is generic but %s is not", key, ref.name, t.obj.Name())
		return nil, nil
	default:
		probs.addf(ref.pos, kind, "%s %s has %d type parameters, want %d (those of %s)",
			key, ref.name, have.TypeParams().Len(), n, t.obj.Name())
		return nil, nil
	}
	if have.TypeParams().Len() > 0 {
		targs := make([]types.Type, n)
		for i := range n {
			targs[i] = t.tparams.At(i)
		}
		inst, err := types.Instantiate(nil, have, targs, true)
		if err != nil {
			probs.addf(ref.pos, kind, "%s %s cannot be instantiated with the type parameters of %s: %v", key, ref.name, t.obj.Name(), err)
			return nil, nil
		}
		have = inst.(*types.Signature)
	}
	return fn, have
}

// fallback resolves a fallback function and checks that it has exactly the
// method's signature (instantiated with the interface's type parameters).
func (g *run) fallback(t *target, mm *methodModel, ref funcRef) *types.Func {
	fn, have := g.function(t, ref, keyFallback, ErrFallback)
	if fn == nil {
		return nil
	}
	want := types.NewSignatureType(nil, nil, nil, mm.sig.Params(), mm.sig.Results(), mm.sig.Variadic())
	if !types.Identical(have, want) {
		q := types.RelativeTo(g.out)
		g.probs.addf(ref.pos, ErrFallback, "fallback %s has type %s, want %s (the signature of %s.%s)",
			ref.name, types.TypeString(have, q), types.TypeString(want, q), t.obj.Name(), mm.fn.Name())
		return nil
	}
	return fn
}

// judgeFunc resolves a judge function and checks that it takes the method's
// results (each assignable to its parameter) and returns one error.
func (g *run) judgeFunc(t *target, mm *methodModel, ref funcRef) *types.Func {
	fn, have := g.function(t, ref, keyJudge, ErrJudge)
	if fn == nil {
		return nil
	}
	results := mm.sig.Results()
	ok := !have.Variadic() && have.Params().Len() == results.Len() && results.Len() > 0 &&
		have.Results().Len() == 1 && types.Identical(have.Results().At(0).Type(), g.errType)
	for i := 0; ok && i < results.Len(); i++ {
		ok = types.AssignableTo(results.At(i).Type(), have.Params().At(i).Type())
	}
	if !ok {
		q := types.RelativeTo(g.out)
		want := types.NewSignatureType(nil, nil, nil, results, types.NewTuple(types.NewParam(0, nil, "", g.errType)), false)
		g.probs.addf(ref.pos, ErrJudge, "judge %s has type %s, want %s (the results of %s.%s, returning the error to record)",
			ref.name, types.TypeString(have, q), types.TypeString(want, q), t.obj.Name(), mm.fn.Name())
		return nil
	}
	return fn
}

// carriesContext reports whether t has a method Context() context.Context, as
// *http.Request does, so a call's context can be taken from that parameter.
func (g *run) carriesContext(t types.Type) bool {
	if g.ctxType == nil {
		return false
	}
	return hasMethod(t, "Context", nil, g.ctxType)
}

// nillable reports whether a value of type t can be nil.
func nillable(t types.Type) bool {
	switch t.Underlying().(type) {
	case *types.Pointer, *types.Interface, *types.Map, *types.Slice, *types.Chan, *types.Signature:
		return true
	}
	return false
}

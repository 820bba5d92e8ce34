package gen

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// funcValue is a function a directive names, resolved: a package-level
// function (instantiated with targs when generic), a package-level variable
// of a function type, or a method (or function-typed field) of a
// package-level variable, such as local.Lookup.
type funcValue struct {
	obj   types.Object // *types.Func or *types.Var, at package level
	sel   types.Object // the method or field of obj's value, or nil
	sig   *types.Signature
	targs []types.Type // of a generic function
	text  string       // as the directive writes it
}

// name is the value's name as docs show it: F, V or V.M.
func (f *funcValue) name() string {
	if f.sel != nil {
		return f.obj.Name() + "." + f.sel.Name()
	}
	return f.obj.Name()
}

// function resolves a function value a directive names (see funcValue) for
// a method of t: a generic function is instantiated with t's type
// parameters when it has as many, else (a judge) with the types inferred
// from the method's results. kind is ErrFallback or ErrJudge.
func (g *run) function(t *target, mm *methodModel, ref funcRef, key string, kind error) *funcValue {
	obj, sel, ok := g.res.value(ref.name, ref.pos, ref.file, kind)
	if !ok {
		return nil
	}
	fv := &funcValue{obj: obj, text: ref.name}
	switch obj := obj.(type) {
	case *types.Func:
		if sel != "" {
			g.probs.addf(ref.pos, kind, "%s %s: %s is a function, not a variable with methods", key, ref.name, obj.Name())
			return nil
		}
		fv.sig = obj.Type().(*types.Signature)
		return g.instantiate(t, mm, fv, ref, key, kind)
	case *types.Var:
		if sel != "" {
			return g.selectValue(fv, sel, ref, key, kind)
		}
		sig, isFunc := obj.Type().Underlying().(*types.Signature)
		if !isFunc {
			g.probs.addf(ref.pos, kind, "%s %s is a variable of type %s, not a function", key, ref.name,
				types.TypeString(obj.Type(), types.RelativeTo(g.out)))
			return nil
		}
		fv.sig = sig
		return fv
	}
	g.probs.addf(ref.pos, kind, "%s %s is a %s, not a function", key, ref.name, objectKind(obj))
	return nil
}

// selectValue resolves the method or function-typed field sel of the
// package-level variable of fv: a method value, such as local.Lookup.
func (g *run) selectValue(fv *funcValue, sel string, ref funcRef, key string, kind error) *funcValue {
	v := fv.obj.(*types.Var)
	found, _, _ := types.LookupFieldOrMethod(v.Type(), true, v.Pkg(), sel)
	switch found := found.(type) {
	case *types.Func:
		sig := found.Type().(*types.Signature)
		fv.sig = types.NewSignatureType(nil, nil, nil, sig.Params(), sig.Results(), sig.Variadic())
	case *types.Var:
		sig, isFunc := found.Type().Underlying().(*types.Signature)
		if !isFunc {
			g.probs.addf(ref.pos, kind, "%s %s is a field of type %s, not a function", key, ref.name,
				types.TypeString(found.Type(), types.RelativeTo(g.out)))
			return nil
		}
		fv.sig = sig
	default:
		g.probs.addf(ref.pos, kind, "%s %s: %s has no method or field %s", key, ref.name, v.Name(), sel)
		return nil
	}
	if v.Pkg() != g.out && !token.IsExported(sel) {
		g.probs.addf(ref.pos, kind, "%s %s: %s is unexported in package %s", key, ref.name, sel, v.Pkg().Path())
		return nil
	}
	fv.sel = found
	return fv
}

// instantiate instantiates a generic function with t's type parameters when
// it has as many, or, for a judge, with the types its call on mm's results
// infers; it returns fv unchanged when the function is not generic.
func (g *run) instantiate(t *target, mm *methodModel, fv *funcValue, ref funcRef, key string, kind error) *funcValue {
	have := fv.sig.TypeParams().Len()
	n := 0
	if t.tparams != nil {
		n = t.tparams.Len()
	}
	switch {
	case have == 0:
		return fv
	case have == n:
		targs := make([]types.Type, n)
		for i := range n {
			targs[i] = t.tparams.At(i)
		}
		inst, err := types.Instantiate(nil, fv.sig, targs, true)
		if err != nil {
			g.probs.addf(ref.pos, kind, "%s %s cannot be instantiated with the type parameters of %s: %v", key, ref.name, t.obj.Name(), err)
			return nil
		}
		fv.sig, fv.targs = inst.(*types.Signature), targs
		return fv
	case key == keyJudge:
		return g.inferJudge(t, mm, fv, ref)
	case n == 0:
		g.probs.addf(ref.pos, kind, "%s %s is generic but %s is not; a generic fallback has the type parameters of its interface", key, ref.name, t.obj.Name())
	default:
		g.probs.addf(ref.pos, kind, "%s %s has %d type parameters, want %d (those of %s)", key, ref.name, have, n, t.obj.Name())
	}
	return nil
}

// inferJudge instantiates a generic judge for one method with the type
// arguments a call on the method's results infers, as the compiler would:
// a judge of (T, error) serves every method of a gRPC client, whatever its
// reply type.
func (g *run) inferJudge(t *target, mm *methodModel, fv *funcValue, ref funcRef) *funcValue {
	fn := fv.obj.(*types.Func)
	pkg := types.NewPackage(g.out.Path(), g.out.Name())
	scope := types.NewScope(pkg.Scope(), ref.pos, ref.pos+token.Pos(len(ref.name))+1, "judge")
	scope.Insert(fn)
	if t.tparams != nil {
		for i := range t.tparams.Len() {
			scope.Insert(t.tparams.At(i).Obj())
		}
	}
	call := &ast.CallExpr{Fun: ast.NewIdent(fn.Name())}
	results := mm.sig.Results()
	for i := range results.Len() {
		name := "_breakergen_result" + strconv.Itoa(i)
		scope.Insert(types.NewVar(token.NoPos, pkg, name, results.At(i).Type()))
		call.Args = append(call.Args, ast.NewIdent(name))
	}
	info := &types.Info{Instances: map[*ast.Ident]types.Instance{}}
	if err := types.CheckExpr(token.NewFileSet(), pkg, ref.pos, call, info); err != nil {
		msg := err.Error()
		if te, ok := err.(types.Error); ok {
			msg = te.Msg
		}
		msg = strings.ReplaceAll(msg, " (declared at -)", "")
		g.probs.addf(ref.pos, ErrJudge, "judge %s cannot judge the results of %s.%s, %s: %s", ref.name, t.obj.Name(), mm.fn.Name(),
			types.TypeString(results, types.RelativeTo(g.out)), msg)
		return nil
	}
	inst := info.Instances[call.Fun.(*ast.Ident)]
	fv.sig = inst.Type.(*types.Signature)
	for i := range inst.TypeArgs.Len() {
		fv.targs = append(fv.targs, inst.TypeArgs.At(i))
	}
	return fv
}

// fallback resolves a fallback and checks that it has exactly the method's
// signature (instantiated with the interface's type parameters).
func (g *run) fallback(t *target, mm *methodModel, ref funcRef) *funcValue {
	fv := g.function(t, mm, ref, keyFallback, ErrFallback)
	if fv == nil {
		return nil
	}
	want := mm.plainSig()
	if !types.Identical(fv.sig, want) {
		q := types.RelativeTo(g.out)
		g.probs.addf(ref.pos, ErrFallback, "fallback %s has type %s, want %s (the signature of %s.%s)",
			ref.name, types.TypeString(fv.sig, q), types.TypeString(want, q), t.obj.Name(), mm.fn.Name())
		return nil
	}
	return fv
}

// plainSig returns mm's signature without its receiver.
func (mm *methodModel) plainSig() *types.Signature {
	return types.NewSignatureType(nil, nil, nil, mm.sig.Params(), mm.sig.Results(), mm.sig.Variadic())
}

// judgeFunc resolves a judge and checks that it takes the method's results
// (each assignable to its parameter) and returns one error.
func (g *run) judgeFunc(t *target, mm *methodModel, ref funcRef) *funcValue {
	fv := g.function(t, mm, ref, keyJudge, ErrJudge)
	if fv == nil {
		return nil
	}
	have, results := fv.sig, mm.sig.Results()
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
	return fv
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

package gen

import (
	"fmt"
	"go/types"
	"slices"
	"strconv"

	"github.com/dave/jennifer/jen"
)

// methodNames are the identifiers of one generated method: parameters and
// locals, chosen so that none shadows another or an import.
type methodNames struct {
	recv    string
	params  []string   // one per parameter
	args    []jen.Code // the call's arguments, ... on a variadic one
	a, err  string
	ctx     string   // the context local, or the context parameter
	ctxNew  bool     // ctx is a local the method declares
	circ    string   // the local holding a keyed method's circuit, or ""
	results []string // the call's results, but a final error (err)
}

// names chooses the identifiers of mm's method.
func (e *emitter) names(d *decl, mm *methodModel) *methodNames {
	n := newNamer(e.reserved)
	for _, tp := range d.tps {
		n.taken[tp] = true
	}
	mn := &methodNames{recv: n.name("d")}
	results := mm.sig.Results()
	if mm.protected {
		mn.a, mn.err = n.name("a"), n.name("err")
		if mm.ctx < 0 {
			mn.ctx, mn.ctxNew = n.name("ctx"), true
		}
		if mm.key != nil {
			mn.circ = n.name("c")
		}
		count := results.Len()
		if mm.lastIsError(e.g.errType) {
			count--
		}
		for i := range count {
			mn.results = append(mn.results, n.name("r"+strconv.Itoa(i)))
		}
	}
	params := mm.sig.Params()
	for i := range params.Len() {
		want := params.At(i).Name()
		if want == "" || want == "_" {
			want = "p" + strconv.Itoa(i)
			if i == mm.ctx {
				want = "ctx"
			}
		}
		mn.params = append(mn.params, n.name(want))
		arg := jen.Id(mn.params[i])
		if mm.sig.Variadic() && i == params.Len()-1 {
			arg = arg.Op("...")
		}
		mn.args = append(mn.args, arg)
	}
	if mm.ctx >= 0 {
		mn.ctx = mn.params[mm.ctx]
	}
	return mn
}

// lastIsError reports whether mm's final result is an error.
func (mm *methodModel) lastIsError(errType types.Type) bool {
	r := mm.sig.Results()
	return r.Len() > 0 && types.Identical(r.At(r.Len()-1).Type(), errType)
}

// method emits one decorator method.
func (e *emitter) method(f *jen.File, d *decl, mm *methodModel) {
	mn := e.names(d, mm)
	sig := mm.sig
	paramDecls := make([]jen.Code, sig.Params().Len())
	for i := range paramDecls {
		paramDecls[i] = jen.Id(mn.params[i]).Add(e.w.param(sig, i))
	}
	name := mm.fn.Name()
	head := jen.Func().Params(jen.Id(mn.recv).Op("*").Add(d.self())).Id(name).Params(paramDecls...).Add(e.w.results(sig.Results()))
	call := jen.Id(mn.recv).Dot(d.nextField).Dot(name).Call(mn.args...)
	if !mm.protected {
		f.Add(doc("%s calls the wrapped %s unprotected (%s).", name, name, mm.reason))
		var body jen.Code = call
		if sig.Results().Len() > 0 {
			body = jen.Return(call)
		}
		f.Add(head.Block(body))
		return
	}
	var body []jen.Code
	body = append(body, e.contextSetup(mm, mn)...)
	circ := jen.Id(mn.recv).Dot(d.circuitField[mm.circuit])
	if mm.key != nil {
		body = append(body, jen.Id(mn.circ).Op(":=").Add(circ).Dot(e.keyMethod(mm.key)).Call(e.keyExpr(mm.key, mn.params)))
		circ = jen.Id(mn.circ)
	}
	body = append(body,
		jen.List(jen.Id(mn.a), jen.Id(mn.err)).Op(":=").Add(circ.Clone()).Dot("Allow").Call(jen.Id(mn.ctx)),
		jen.If(jen.Id(mn.err).Op("!=").Nil()).Block(e.openBranch(d, mm, mn, circ)...),
		jen.Defer().Id(mn.a).Dot("RecordPanic").Call(),
	)
	body = append(body, e.callAndJudge(d, mm, mn, call)...)
	f.Add(doc("%s", e.methodDoc(mm)))
	f.Add(head.Block(body...))
}

// contextSetup declares the ctx local of a method without a context
// parameter: the Context() of a carrier parameter, else context.Background().
func (e *emitter) contextSetup(mm *methodModel, mn *methodNames) []jen.Code {
	if !mn.ctxNew {
		return nil
	}
	params := mm.sig.Params()
	switch {
	case mm.carrier >= 0 && nillable(params.At(mm.carrier).Type()):
		carrier := mn.params[mm.carrier]
		return []jen.Code{
			jen.Id(mn.ctx).Op(":=").Add(e.w.qual(contextPath, "Background")).Call(),
			jen.If(jen.Id(carrier).Op("!=").Nil()).Block(jen.Id(mn.ctx).Op("=").Id(carrier).Dot("Context").Call()),
		}
	case mm.carrier >= 0:
		return []jen.Code{jen.Id(mn.ctx).Op(":=").Id(mn.params[mm.carrier]).Dot("Context").Call()}
	}
	return []jen.Code{jen.Id(mn.ctx).Op(":=").Add(e.w.qual(contextPath, "Background")).Call()}
}

// openBranch returns what a method does when its circuit refuses the call.
func (e *emitter) openBranch(d *decl, mm *methodModel, mn *methodNames, circ *jen.Statement) []jen.Code {
	if mm.open == openFallback {
		fb := e.w.qual(mm.fallback.Pkg().Path(), mm.fallback.Name())
		if mm.fallback.Type().(*types.Signature).TypeParams().Len() > 0 {
			fb.Types(ids(d.tps)...)
		}
		return []jen.Code{e.w.qual(implPath, "CountFallback").Call(circ.Clone()), jen.Return(fb.Call(mn.args...))}
	}
	var out []jen.Code
	if mm.body >= 0 {
		req := mn.params[mm.body]
		out = append(out, jen.If(jen.Id(req).Op("!=").Nil().Op("&&").Id(req).Dot("Body").Op("!=").Nil()).Block(
			jen.Id(req).Dot("Body").Dot("Close").Call(),
		))
	}
	results := mm.sig.Results()
	var rets []jen.Code
	for i, rn := range mn.results {
		if mm.open == openSetErr && i == len(mn.results)-1 {
			break
		}
		out = append(out, jen.Var().Id(rn).Add(e.w.typ(results.At(i).Type())))
		rets = append(rets, jen.Id(rn))
	}
	if mm.open == openError {
		return append(out, jen.Return(append(rets, jen.Id(mn.err))...))
	}
	last := mn.results[len(mn.results)-1]
	lastType := results.At(results.Len() - 1).Type()
	if mm.newResult {
		out = append(out, jen.Id(last).Op(":=").New(e.w.typ(lastType.(*types.Pointer).Elem())))
	} else {
		out = append(out, jen.Var().Id(last).Add(e.w.typ(lastType)))
	}
	return append(out,
		jen.Id(last).Dot("SetErr").Call(jen.Id(mn.err)),
		jen.Return(append(rets, jen.Id(last))...),
	)
}

// callAndJudge calls the wrapped method, records its judged outcome and
// returns its results untouched.
func (e *emitter) callAndJudge(d *decl, mm *methodModel, mn *methodNames, call *jen.Statement) []jen.Code {
	rets := ids(mn.results)
	withErr := mm.lastIsError(e.g.errType)
	if withErr {
		rets = append(rets, jen.Id(mn.err))
	}
	var assign jen.Code
	switch {
	case withErr && len(mn.results) == 0:
		assign = jen.Id(mn.err).Op("=").Add(call)
	default:
		assign = jen.List(slices.Clone(rets)...).Op(":=").Add(call)
	}
	var verdict jen.Code
	switch mm.judge {
	case judgeError:
		verdict = jen.Id(mn.err)
	case judgeErrMethod:
		verdict = jen.Id(mn.results[len(mn.results)-1]).Dot("Err").Call()
	case judgeFunc:
		fn := e.w.qual(mm.judgeFn.Pkg().Path(), mm.judgeFn.Name())
		if mm.judgeFn.Type().(*types.Signature).TypeParams().Len() > 0 {
			fn.Types(ids(d.tps)...)
		}
		verdict = fn.Call(slices.Clone(rets)...)
	}
	return []jen.Code{
		assign,
		jen.Id(mn.a).Dot("Done").Call(jen.Id(mn.ctx), verdict),
		jen.Return(rets...),
	}
}

// methodDoc is the doc comment of a protected method.
func (e *emitter) methodDoc(mm *methodModel) string {
	name := mm.fn.Name()
	text := fmt.Sprintf("%s calls the wrapped %s through circuit %s.", name, name, circuitLabel(mm.circuit))
	if mm.key != nil {
		text = fmt.Sprintf("%s calls the wrapped %s through the circuit of family %q\nfor its key, %s.", name, name, mm.circuit.name, mm.key.text)
	}
	switch mm.judge {
	case judgeErrMethod:
		text += "\nIts outcome is the Err() of its result."
	case judgeFunc:
		text += fmt.Sprintf("\nIts outcome is what %s says of its results.", mm.judgeFn.Name())
	}
	switch mm.open {
	case openFallback:
		text += fmt.Sprintf("\nWhile the circuit is open it returns %s(...) instead.", mm.fallback.Name())
	case openSetErr:
		text += "\nWhile the circuit is open its result carries the open-circuit error (SetErr)."
	}
	if mm.body >= 0 && mm.open != openFallback {
		text += "\nA refused request's body is closed, as http.RoundTripper requires."
	}
	return text
}

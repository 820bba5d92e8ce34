package gen

import (
	"fmt"
	"go/types"
	"slices"
	"strconv"
	"strings"

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

// openBranch returns what a method does when its circuit refuses the call:
// call the fallback an option gave, else the directive's, else return the
// open-circuit error.
func (e *emitter) openBranch(d *decl, mm *methodModel, mn *methodNames, circ *jen.Statement) []jen.Code {
	count := e.w.qual(implPath, "CountFallback").Call(circ.Clone())
	given := jen.Id(mn.recv).Dot(d.fallbackField[mm])
	out := []jen.Code{jen.If(given.Clone().Op("!=").Nil()).Block(count, jen.Return(given.Clone().Call(mn.args...)))}
	if mm.open == openFallback {
		return append(out, count.Clone(), jen.Return(e.funcValue(mm.fallback).Call(mn.args...)))
	}
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
	return append(append(out, e.newResult(mm, mn, last)),
		jen.Id(last).Dot("SetErr").Call(jen.Id(mn.err)),
		jen.Return(append(rets, jen.Id(last))...),
	)
}

// newResult declares the final result a refused call returns, to carry the
// open-circuit error: made by the result type's NewT(ctx, args...) when it
// has one (go-redis commands, so that the command's String names it), else
// new(T), else a zero T.
func (e *emitter) newResult(mm *methodModel, mn *methodNames, last string) jen.Code {
	results := mm.sig.Results()
	lastType := results.At(results.Len() - 1).Type()
	switch {
	case mm.cmdCtor != nil:
		return jen.Id(last).Op(":=").Add(e.w.qual(mm.cmdCtor.Pkg().Path(), mm.cmdCtor.Name())).Call(
			jen.Id(mn.ctx), jen.Lit(strings.ToLower(mm.fn.Name())))
	case mm.newResult:
		return jen.Id(last).Op(":=").New(e.w.typ(lastType.(*types.Pointer).Elem()))
	}
	return jen.Var().Id(last).Add(e.w.typ(lastType))
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
		verdict = e.funcValue(mm.judgeFn).Call(slices.Clone(rets)...)
	}
	if mm.body >= 0 {
		// A RoundTrip's bare io.EOF is a server that hung up: a failure,
		// where the runtime takes io.EOF for the end of a stream.
		verdict = e.w.qual(implPath, "RoundTripOutcome").Call(verdict)
	}
	return []jen.Code{
		assign,
		jen.Id(mn.a).Dot("Done").Call(jen.Id(mn.ctx), verdict),
		jen.Return(rets...),
	}
}

// funcValue renders a function value: F or F[T], V, or V.M, qualified.
func (e *emitter) funcValue(fv *funcValue) *jen.Statement {
	s := e.w.qual(fv.obj.Pkg().Path(), fv.obj.Name())
	if len(fv.targs) > 0 {
		targs := make([]jen.Code, len(fv.targs))
		for i, t := range fv.targs {
			targs[i] = e.w.typ(t)
		}
		s.Types(targs...)
	}
	if fv.sel != nil {
		s.Dot(fv.sel.Name())
	}
	return s
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
		text += fmt.Sprintf("\nIts outcome is what %s says of its results.", mm.judgeFn.name())
	}
	switch mm.open {
	case openFallback:
		text += fmt.Sprintf("\nWhile the circuit is open it returns %s(...) instead.", mm.fallback.name())
	case openSetErr:
		text += "\nWhile the circuit is open its result carries the open-circuit error (SetErr)."
	}
	if mm.body >= 0 && mm.open != openFallback {
		text += "\nA refused request's body is closed, as http.RoundTripper requires."
	}
	return text
}

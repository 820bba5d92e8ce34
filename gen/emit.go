package gen

import (
	"bytes"
	"fmt"
	"go/types"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dave/jennifer/jen"
	"golang.org/x/tools/imports"
)

// Import paths the generated code uses.
const (
	runtimePath = "github.com/breakergen/breakergen/runtime"
	contextPath = "context"
	timePath    = "time"
)

// emitter renders one output file.
type emitter struct {
	g        *run
	w        *typeWriter
	reserved map[string]bool // names no generated local or parameter may take
}

// render returns the formatted source of the file holding models.
func (g *run) render(models []*ifaceModel, constraint string) ([]byte, error) {
	// First pass: find the packages the file refers to, so that import names
	// are known before any local name is chosen.
	probe := &emitter{g: g, w: &typeWriter{out: g.out, used: map[string]bool{}}, reserved: map[string]bool{}}
	probe.file(models)
	if probe.w.err != nil {
		return nil, probe.w.err
	}
	var pkgs []*types.Package
	for path := range probe.w.used {
		pkgs = append(pkgs, g.pkgByPath(path))
	}
	top := scopeNames(g.out.Scope())
	for _, m := range models {
		top[m.typeName], top[m.ctorName] = true, true
		for _, tp := range tparamNames(m) {
			top[tp] = true // an import must not be shadowed inside generic code
		}
	}
	names := importNames(pkgs, top)

	e := &emitter{g: g, w: &typeWriter{out: g.out, used: map[string]bool{}}, reserved: map[string]bool{}}
	for name := range universeNames {
		e.reserved[name] = true
	}
	for name := range top {
		e.reserved[name] = true
	}
	for _, name := range names {
		e.reserved[name] = true
	}
	f := e.file(models)
	for _, p := range pkgs {
		name := names[p.Path()]
		switch {
		case p.Path() == "C":
		case name == p.Name() && name == lastElem(p.Path()):
			f.ImportName(p.Path(), name)
		default:
			f.ImportAlias(p.Path(), name)
		}
	}
	header := Header
	if constraint != "" {
		header += "\n\n//go:build " + constraint
	}
	f.HeaderComment(header)
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return nil, fmt.Errorf("breakergen: internal error: generated code does not format: %w", err)
	}
	// Group the imports as goimports does (standard library first); nothing is
	// added or removed.
	src, err := imports.Process("breaker.go", buf.Bytes(), &imports.Options{FormatOnly: true, Comments: true, TabIndent: true, TabWidth: 8})
	if err != nil {
		return nil, fmt.Errorf("breakergen: internal error: generated code does not format: %w", err)
	}
	return src, nil
}

// pkgByPath returns a package the generated code refers to.
func (g *run) pkgByPath(path string) *types.Package {
	switch path {
	case "C":
		return types.NewPackage("C", "C")
	case runtimePath:
		return types.NewPackage(runtimePath, "runtime")
	}
	if p := findImport(g.out, path); p != nil {
		return p
	}
	if g.l.source != nil {
		if p := findImport(g.l.source, path); p != nil {
			return p
		}
	}
	return types.NewPackage(path, lastElem(path))
}

// file builds the jennifer file of models.
func (e *emitter) file(models []*ifaceModel) *jen.File {
	f := jen.NewFilePathName(e.g.out.Path(), e.g.out.Name())
	for i, m := range models {
		if i > 0 {
			f.Line()
		}
		e.decorator(f, m)
	}
	return f
}

// tparamNames returns the type parameter names of m's interface.
func tparamNames(m *ifaceModel) []string {
	var out []string
	if m.t.tparams != nil {
		for i := range m.t.tparams.Len() {
			out = append(out, m.t.tparams.At(i).Obj().Name())
		}
	}
	return out
}

// ids renders identifiers.
func ids(names []string) []jen.Code {
	out := make([]jen.Code, len(names))
	for i, n := range names {
		out[i] = jen.Id(n)
	}
	return out
}

// decorator emits the struct, constructor, check and methods of one interface.
func (e *emitter) decorator(f *jen.File, m *ifaceModel) {
	tps := tparamNames(m)
	// Type parameter declarations, with constraints.
	var tdecl []jen.Code
	for i, name := range tps {
		tdecl = append(tdecl, jen.Id(name).Add(e.w.typ(m.t.tparams.At(i).Constraint())))
	}
	self := func() *jen.Statement { // XBreaker or XBreaker[K, V]
		s := jen.Id(m.typeName)
		if len(tps) > 0 {
			s.Types(ids(tps)...)
		}
		return s
	}
	ifaceType := func() *jen.Statement { // X or X[K, V], qualified for -source
		s := e.w.qual(m.t.obj.Pkg().Path(), m.t.obj.Name())
		if len(tps) > 0 {
			s.Types(ids(tps)...)
		}
		return s
	}
	ifaceName := m.t.obj.Name()
	if m.t.obj.Pkg() != e.g.out {
		ifaceName = m.t.obj.Pkg().Name() + "." + ifaceName
	}

	// Field names: never the name of a method of the decorator.
	avoid := map[string]bool{}
	for _, mm := range m.methods {
		avoid[mm.fn.Name()] = true
	}
	fields := newNamer(avoid)
	nextField := fields.name("next")
	circuitField := map[*circuitDef]string{}
	for _, c := range m.circuits {
		circuitField[c] = fields.name(fieldName(c.name))
	}

	// The struct.
	f.Add(doc("%s decorates %s: its methods run through circuit breakers.\nBuild it with %s. It is safe for concurrent use when the wrapped value is.", m.typeName, ifaceName, m.ctorName))
	structFields := []jen.Code{jen.Id(nextField).Add(ifaceType())}
	for _, c := range m.circuits {
		structFields = append(structFields, jen.Id(circuitField[c]).Op("*").Add(e.w.qual(runtimePath, "Circuit")).Comment(strconv.Quote(c.name)))
	}
	f.Type().Id(m.typeName).Types(tdecl...).Struct(structFields...)
	f.Line()

	// The constructor: circuits are resolved here, once.
	cn := newNamer(e.reserved)
	for _, tp := range tps {
		cn.taken[tp] = true
	}
	nextParam, bParam := cn.name("next"), cn.name("b")
	circuitList := make([]string, len(m.circuits))
	for i, c := range m.circuits {
		circuitList[i] = strconv.Quote(c.name)
	}
	if len(m.circuits) == 0 {
		f.Add(doc("%s returns a decorator of next. No method of %s is protected,\nso b is not used.", m.ctorName, ifaceName))
	} else {
		noun := "circuit"
		if len(circuitList) > 1 {
			noun = "circuits"
		}
		f.Add(doc("%s returns a decorator of next whose protected methods run through\n"+
			"the %s %s of b, resolved once here. Options given by\n"+
			"runtime.WithOverrides on b win over the ones written in the directives.",
			m.ctorName, noun, joinWords(circuitList)))
	}
	values := []jen.Code{jen.Id(nextField).Op(":").Id(nextParam)}
	for _, c := range m.circuits {
		args := []jen.Code{jen.Lit(c.name)}
		if c.opts.set != 0 {
			args = append(args, e.options(c.opts))
		}
		values = append(values, jen.Id(circuitField[c]).Op(":").Id(bParam).Dot("Circuit").Call(args...))
	}
	f.Func().Id(m.ctorName).Types(tdecl...).Params(
		jen.Id(nextParam).Add(ifaceType()),
		jen.Id(bParam).Op("*").Add(e.w.qual(runtimePath, "Breaker")),
	).Op("*").Add(self()).Block(
		jen.Return(jen.Op("&").Add(self()).Custom(multiLine, values...)),
	)
	f.Line()

	// The compile-time check.
	check := jen.Var().Id("_").Add(ifaceType()).Op("=").Parens(jen.Op("*").Add(self())).Parens(jen.Nil())
	if len(tps) == 0 {
		f.Add(check)
	} else {
		f.Func().Id("_").Types(tdecl...).Params().Block(check)
	}

	for _, mm := range m.methods {
		f.Line()
		e.method(f, m, mm, self, nextField, circuitField[mm.circuit], tps)
	}
}

// options renders a runtime.Options literal with the fields a directive set.
func (e *emitter) options(o circuitOpts) jen.Code {
	var fields []jen.Code
	add := func(name string, v jen.Code) { fields = append(fields, jen.Id(name).Op(":").Add(v)) }
	if o.set&bitCoolDown != 0 {
		add("CoolDown", e.duration(o.coolDown))
	}
	if o.set&bitWindow != 0 {
		add("EvaluationWindow", e.duration(o.window))
	}
	if o.set&bitRate != 0 {
		add("RateThreshold", jen.Op(strconv.FormatFloat(o.rate, 'g', -1, 64)))
	}
	if o.set&bitSamples != 0 {
		add("SampleThreshold", jen.Lit(o.samples))
	}
	vars := func(vs []*types.Var) jen.Code {
		items := make([]jen.Code, len(vs))
		for i, v := range vs {
			items[i] = e.w.qual(v.Pkg().Path(), v.Name())
		}
		return jen.Index().Error().Values(items...)
	}
	if o.set&bitExclude != 0 {
		add("Exclude", vars(o.exclude))
	}
	if o.set&bitSuccess != 0 {
		add("Success", vars(o.success))
	}
	if len(fields) > 1 {
		return e.w.qual(runtimePath, "Options").Custom(multiLine, fields...)
	}
	return e.w.qual(runtimePath, "Options").Values(fields...)
}

// duration renders d as a multiple of the largest time unit dividing it.
func (e *emitter) duration(d time.Duration) jen.Code {
	units := []struct {
		name string
		d    time.Duration
	}{
		{"Hour", time.Hour}, {"Minute", time.Minute}, {"Second", time.Second},
		{"Millisecond", time.Millisecond}, {"Microsecond", time.Microsecond},
	}
	for _, u := range units {
		if d%u.d == 0 {
			if d == u.d {
				return e.w.qual(timePath, u.name)
			}
			return jen.Op(strconv.FormatInt(int64(d/u.d), 10)).Op("*").Add(e.w.qual(timePath, u.name))
		}
	}
	return e.w.qual(timePath, "Duration").Call(jen.Op(strconv.FormatInt(int64(d), 10)))
}

// method emits one decorator method.
func (e *emitter) method(f *jen.File, m *ifaceModel, mm *methodModel, self func() *jen.Statement, nextField, circuitField string, tps []string) {
	n := newNamer(e.reserved)
	for _, tp := range tps {
		n.taken[tp] = true
	}
	recv := n.name("d")
	var aName, errName, ctxLocal string
	var resultNames []string
	sig := mm.sig
	results := sig.Results()
	if mm.protected {
		aName, errName = n.name("a"), n.name("err")
		if mm.ctx < 0 {
			ctxLocal = n.name("ctx")
		}
		for i := range results.Len() - 1 {
			resultNames = append(resultNames, n.name("r"+strconv.Itoa(i)))
		}
	}
	params := sig.Params()
	paramNames := make([]string, params.Len())
	for i := range params.Len() {
		want := params.At(i).Name()
		if want == "" || want == "_" {
			want = "p" + strconv.Itoa(i)
			if i == mm.ctx {
				want = "ctx"
			}
		}
		paramNames[i] = n.name(want)
	}

	// Signature.
	paramDecls := make([]jen.Code, params.Len())
	args := make([]jen.Code, params.Len())
	for i := range params.Len() {
		paramDecls[i] = jen.Id(paramNames[i]).Add(e.w.param(sig, i))
		args[i] = jen.Id(paramNames[i])
		if sig.Variadic() && i == params.Len()-1 {
			args[i] = jen.Id(paramNames[i]).Op("...")
		}
	}
	name := mm.fn.Name()
	call := jen.Id(recv).Dot(nextField).Dot(name).Call(args...)

	if !mm.protected {
		f.Add(doc("%s calls the wrapped %s unprotected (%s).", name, name, mm.reason))
		var body jen.Code = call
		if results.Len() > 0 {
			body = jen.Return(call)
		}
		f.Func().Params(jen.Id(recv).Op("*").Add(self())).Id(name).Params(paramDecls...).Add(e.w.results(results)).Block(body)
		return
	}

	ctx := ctxLocal
	if mm.ctx >= 0 {
		ctx = paramNames[mm.ctx]
	}
	text := fmt.Sprintf("%s calls the wrapped %s through circuit %q.", name, name, mm.circuit.name)
	var body []jen.Code
	switch {
	case ctxLocal != "" && mm.carrier >= 0 && nillable(params.At(mm.carrier).Type()):
		carrier := paramNames[mm.carrier]
		body = append(body,
			jen.Id(ctxLocal).Op(":=").Add(e.w.qual(contextPath, "Background")).Call(),
			jen.If(jen.Id(carrier).Op("!=").Nil()).Block(jen.Id(ctxLocal).Op("=").Id(carrier).Dot("Context").Call()),
		)
	case ctxLocal != "" && mm.carrier >= 0:
		body = append(body, jen.Id(ctxLocal).Op(":=").Id(paramNames[mm.carrier]).Dot("Context").Call())
	case ctxLocal != "":
		body = append(body, jen.Id(ctxLocal).Op(":=").Add(e.w.qual(contextPath, "Background")).Call())
	}
	body = append(body, jen.List(jen.Id(aName), jen.Id(errName)).Op(":=").Id(recv).Dot(circuitField).Dot("Allow").Call(jen.Id(ctx)))
	var open []jen.Code
	if mm.fallback != nil {
		text += fmt.Sprintf("\nWhile the circuit is open it returns %s(...) instead.", mm.fallback.Name())
		fb := e.w.qual(e.g.out.Path(), mm.fallback.Name())
		if len(tps) > 0 {
			fb.Types(ids(tps)...)
		}
		open = append(open, jen.Return(fb.Call(args...)))
	} else {
		var rets []jen.Code
		for i, rn := range resultNames {
			open = append(open, jen.Var().Id(rn).Add(e.w.typ(results.At(i).Type())))
			rets = append(rets, jen.Id(rn))
		}
		open = append(open, jen.Return(append(rets, jen.Id(errName))...))
	}
	body = append(body,
		jen.If(jen.Id(errName).Op("!=").Nil()).Block(open...),
		jen.Defer().Id(aName).Dot("RecordPanic").Call(),
	)
	rets := ids(resultNames)
	if len(resultNames) == 0 {
		body = append(body, jen.Id(errName).Op("=").Add(call))
	} else {
		body = append(body, jen.List(append(slices.Clone(rets), jen.Id(errName))...).Op(":=").Add(call))
	}
	body = append(body,
		jen.Id(aName).Dot("Done").Call(jen.Id(ctx), jen.Id(errName)),
		jen.Return(append(rets, jen.Id(errName))...),
	)
	f.Add(doc("%s", text))
	f.Func().Params(jen.Id(recv).Op("*").Add(self())).Id(name).Params(paramDecls...).Add(e.w.results(results)).Block(body...)
}

// joinWords joins words as "a", "a and b" or "a, b and c".
func joinWords(words []string) string {
	switch len(words) {
	case 0:
		return "(none)"
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// multiLine renders a composite literal with one element per line.
var multiLine = jen.Options{Open: "{", Close: "}", Separator: ",", Multi: true}

// doc renders a doc comment of one or more lines as // comments.
func doc(format string, args ...any) *jen.Statement {
	lines := strings.Split(fmt.Sprintf(format, args...), "\n")
	for i, l := range lines {
		lines[i] = "// " + l
	}
	return jen.Comment(strings.Join(lines, "\n"))
}

package gen

import (
	"slices"
	"strconv"
	"time"

	"github.com/dave/jennifer/jen"

	"github.com/breakergen/breakergen/runtime/storage"
)

// constructor emits NewXBreaker: circuits are resolved here, once.
func (e *emitter) constructor(f *jen.File, d *decl) {
	m := d.m
	cn := newNamer(e.reserved)
	for _, tp := range d.tps {
		cn.taken[tp] = true
	}
	nextParam, bParam, optsParam, dec := cn.name("next"), cn.name("b"), cn.name("opts"), cn.name("d")
	f.Add(e.constructorDoc(m))
	body := []jen.Code{jen.Id(dec).Op(":=").Add(e.w.qual(implPath, "Decorate")).Call(
		jen.Id(bParam), jen.Lit(e.g.out.Path()+"."+m.typeName), jen.Id(optsParam).Op("..."))}
	targs := ""
	if slices.ContainsFunc(m.circuits, func(c *circuitDef) bool { return c.generic }) {
		targs = cn.name("targs")
		body = append(body, jen.Id(targs).Op(":=").Add(e.typeArgs(d)))
	}
	values := []jen.Code{jen.Id(d.nextField).Op(":").Id(nextParam)}
	for _, c := range m.circuits {
		values = append(values, jen.Id(d.circuitField[c]).Op(":").Add(e.resolveCircuit(c, dec, targs)))
	}
	for _, mm := range m.methods {
		if mm.protected {
			lookup := e.w.qual(implPath, "Fallback").Types(jen.Func().Add(e.w.signature(mm.sig))).Call(jen.Id(dec), jen.Lit(e.fallbackKey(m, mm)))
			values = append(values, jen.Id(d.fallbackField[mm]).Op(":").Add(lookup))
		}
	}
	body = append(body, jen.Return(jen.Op("&").Add(d.self()).Custom(multiLine, values...)))
	f.Func().Id(m.ctorName).Types(d.tdecl...).Params(
		jen.Id(nextParam).Add(e.ifaceType(d)),
		jen.Id(bParam).Op("*").Add(e.w.qual(runtimePath, "Breaker")),
		jen.Id(optsParam).Op("...").Add(e.w.qual(runtimePath, "DecoratorOption")),
	).Op("*").Add(d.self()).Block(body...)
}

// constructorDoc is the doc comment of NewXBreaker.
func (e *emitter) constructorDoc(m *ifaceModel) jen.Code {
	labels := make([]string, len(m.circuits))
	for i, c := range m.circuits {
		labels[i] = circuitLabel(c)
	}
	noun := "circuit"
	if len(labels) > 1 {
		noun = "circuits"
	}
	return doc("%s returns a decorator of next whose protected methods run through\n"+
		"the %s %s of b, resolved once here.\n"+
		"runtime.WithInstance(name) in opts gives this decorator circuits of its own,\n"+
		"named \"<circuit>@name\"; the With...Fallback options give methods fallbacks.\n"+
		"Options given by runtime.WithOverrides on b win over the ones written in the\n"+
		"directives. It panics when a circuit is registered on b with other options.",
		m.ctorName, noun, joinWords(labels))
}

// typeArgs renders the type arguments of a generic decorator as its circuit
// names show them: "[" + breakerimpl.TypeName[K]() + "," + ... + "]".
func (e *emitter) typeArgs(d *decl) jen.Code {
	s := jen.Lit("[")
	for i, tp := range d.tps {
		if i > 0 {
			s.Op("+").Lit(",")
		}
		s.Op("+").Add(e.w.qual(implPath, "TypeName").Types(jen.Id(tp)).Call())
	}
	return s.Op("+").Lit("]")
}

// circuitNameCode renders the name of c, with the decorator's type arguments
// (the local targs) in it when c is named after a generic interface.
func circuitNameCode(c *circuitDef, targs string) jen.Code {
	if !c.generic {
		return jen.Lit(c.name)
	}
	s := jen.Lit(c.name[:c.typeArgsAt]).Op("+").Id(targs)
	if rest := c.name[c.typeArgsAt:]; rest != "" {
		s.Op("+").Lit(rest)
	}
	return s
}

// resolveCircuit renders the call resolving c through the Decoration dec.
func (e *emitter) resolveCircuit(c *circuitDef, dec, targs string) jen.Code {
	if c.use != useKeyed {
		args := []jen.Code{circuitNameCode(c, targs)}
		if c.opts.set != 0 {
			args = append(args, e.options(c.opts))
		}
		return jen.Id(dec).Dot("Circuit").Call(args...)
	}
	var max jen.Code = e.w.qual(implPath, "DefaultMaxKeys")
	if c.keys.maxSite.IsValid() {
		max = jen.Lit(c.keys.maxKeys)
	}
	args := []jen.Code{circuitNameCode(c, targs), max}
	if c.opts.set != 0 {
		args = append(args, e.options(c.opts))
	}
	return jen.Id(dec).Dot("Keyed").Call(args...)
}

// fallbackKey is the key of mm's fallback option: the decorator's import
// path and name, and the method's.
func (e *emitter) fallbackKey(m *ifaceModel, mm *methodModel) string {
	return e.g.out.Path() + "." + m.typeName + "." + mm.fn.Name()
}

// fallbackOption emits the option that gives mm a fallback function value at
// construction: WithXMethodFallback(f).
func (e *emitter) fallbackOption(f *jen.File, d *decl, mm *methodModel) {
	name := mm.fn.Name()
	f.Add(doc("%s returns an option of %s giving %s a fallback:\n"+
		"while its circuit is open, %s returns what fallback returns instead of\n"+
		"the open-circuit error (or the directive's fallback=). fallback must not be nil.",
		mm.fallbackOption, d.m.ctorName, name, name))
	param := newNamer(e.reserved).name("fallback")
	f.Func().Id(mm.fallbackOption).Types(d.tdecl...).Params(
		jen.Id(param).Func().Add(e.w.signature(mm.sig)),
	).Add(e.w.qual(runtimePath, "DecoratorOption")).Block(
		jen.Return(e.w.qual(implPath, "WithFallback").Call(jen.Lit(e.fallbackKey(d.m, mm)), jen.Id(param))),
	)
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
	if o.set&bitExclude != 0 {
		add("Exclude", e.errorList(o.exclude))
	}
	if o.set&bitSuccess != 0 {
		add("Success", e.errorList(o.success))
	}
	fields = append(fields, e.policyFields(o)...)
	if len(fields) > 1 {
		return e.w.qual(runtimePath, "Options").Custom(multiLine, fields...)
	}
	return e.w.qual(runtimePath, "Options").Values(fields...)
}

// errorList renders the errors of exclude= or success=: variables and
// constants as they are, types as runtime.ErrorAs[T]().
func (e *emitter) errorList(refs []errorRef) jen.Code {
	items := make([]jen.Code, len(refs))
	for i, r := range refs {
		if r.isType() {
			items[i] = e.w.qual(runtimePath, "ErrorAs").Types(e.w.typ(r.typ())).Call()
		} else {
			items[i] = e.w.qual(r.obj.Pkg().Path(), r.obj.Name())
		}
	}
	return jen.Index().Error().Values(items...)
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

// policyFields renders the fields of the policies beyond Faulty's that a
// directive set.
func (e *emitter) policyFields(o circuitOpts) []jen.Code {
	var fields []jen.Code
	add := func(name string, v jen.Code) { fields = append(fields, jen.Id(name).Op(":").Add(v)) }
	float := func(f float64) jen.Code { return jen.Op(strconv.FormatFloat(f, 'g', -1, 64)) }
	if o.set&bitSlow != 0 {
		add("SlowCall", e.duration(o.slow))
	}
	if o.set&bitSlowRate != 0 {
		add("SlowRate", float(o.slowRate))
	}
	if o.set&bitCoolDownMax != 0 {
		add("CoolDownMax", e.duration(o.coolDownMax))
	}
	if o.set&bitRamp != 0 {
		add("Ramp", e.duration(o.ramp))
	}
	if o.set&bitProbes != 0 {
		add("HalfOpenProbes", jen.Lit(o.probes))
	}
	if o.set&bitMode != 0 && o.mode == storage.ModeAdaptive {
		// mode=classic is the zero value, which a field left out says.
		add("Mode", e.w.qual(runtimePath, "ModeAdaptive"))
	}
	if o.set&bitK != 0 {
		add("K", float(o.k))
	}
	return fields
}

package gen

import (
	"bytes"
	"fmt"
	"go/build/constraint"
	"go/types"
	"strconv"
	"strings"
	"time"

	"github.com/dave/jennifer/jen"
)

// Import paths the generated code uses.
const (
	runtimePath = "github.com/breakergen/breakergen/runtime"
	implPath    = "github.com/breakergen/breakergen/runtime/breakerimpl"
	contextPath = "context"
	timePath    = "time"
)

// emitter renders one output file.
type emitter struct {
	g        *run
	w        *typeWriter
	reserved map[string]bool // names no generated local or parameter may take
}

// render renders the file of each group and tells whether it changed.
func (g *run) render(groups []*group) ([]OutputFile, error) {
	var out []OutputFile
	for _, gr := range groups {
		var parts []constraint.Expr
		for _, m := range gr.models {
			if m.t.file == nil {
				continue
			}
			x, err := fileConstraint(g.l.names[m.t.file])
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrLoad, err)
			}
			parts = append(parts, x)
		}
		expr := ""
		if x := andAll(parts); x != nil {
			expr = x.String()
		}
		content, err := g.renderFile(gr.models, expr)
		if err != nil {
			return nil, err
		}
		changed, err := checkOutput(gr.path, content)
		if err != nil {
			return nil, err
		}
		out = append(out, OutputFile{Path: gr.path, Content: content, Changed: changed})
	}
	return out, nil
}

// renderFile returns the formatted source of the file holding models.
func (g *run) renderFile(models []*ifaceModel, buildExpr string) ([]byte, error) {
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
	for _, set := range []map[string]bool{universeNames, top} {
		for name := range set {
			e.reserved[name] = true
		}
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
	if buildExpr != "" {
		header += "\n\n//go:build " + buildExpr
	}
	f.HeaderComment(header)
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil { // gofmt's formatting, once
		return nil, fmt.Errorf("breakergen: internal error: generated code does not format: %w", err)
	}
	return groupImports(buf.Bytes()), nil
}

// pkgByPath returns a package the generated code refers to.
func (g *run) pkgByPath(path string) *types.Package {
	switch path {
	case "C":
		return types.NewPackage("C", "C")
	case runtimePath:
		return types.NewPackage(runtimePath, "runtime")
	case implPath:
		return types.NewPackage(implPath, "breakerimpl")
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

// decl is what the parts of one decorator share: its type parameters and
// the names of the interface and of the struct's fields.
type decl struct {
	m            *ifaceModel
	tps          []string   // type parameter names
	tdecl        []jen.Code // type parameter declarations, with constraints
	ifaceName    string     // as doc comments show it
	nextField    string
	circuitField map[*circuitDef]string
}

// self renders the decorator type, XBreaker or XBreaker[K, V].
func (d *decl) self() *jen.Statement {
	s := jen.Id(d.m.typeName)
	if len(d.tps) > 0 {
		s.Types(ids(d.tps)...)
	}
	return s
}

// ifaceType renders the interface type, X or X[K, V], qualified for -source.
func (e *emitter) ifaceType(d *decl) *jen.Statement {
	s := e.w.qual(d.m.t.obj.Pkg().Path(), d.m.t.obj.Name())
	if len(d.tps) > 0 {
		s.Types(ids(d.tps)...)
	}
	return s
}

// newDecl names the parts of m's decorator.
func (e *emitter) newDecl(m *ifaceModel) *decl {
	d := &decl{m: m, tps: tparamNames(m), ifaceName: e.g.ifaceName(m.t), circuitField: map[*circuitDef]string{}}
	for i, name := range d.tps {
		d.tdecl = append(d.tdecl, jen.Id(name).Add(e.w.typ(m.t.tparams.At(i).Constraint())))
	}
	// Field names: never the name of a method of the decorator.
	avoid := map[string]bool{}
	for _, mm := range m.methods {
		avoid[mm.fn.Name()] = true
	}
	fields := newNamer(avoid)
	d.nextField = fields.name("next")
	for _, c := range m.circuits {
		d.circuitField[c] = fields.name(fieldName(c.name))
	}
	return d
}

// circuitLabel is how docs show a circuit: "name", or "name[<key>]" for a
// keyed family.
func circuitLabel(c *circuitDef) string {
	if c.use == useKeyed {
		return strconv.Quote(c.name + "[<key>]")
	}
	return strconv.Quote(c.name)
}

// decorator emits the struct, constructor, check and methods of one interface.
func (e *emitter) decorator(f *jen.File, m *ifaceModel) {
	d := e.newDecl(m)
	f.Add(doc("%s decorates %s: its methods run through circuit breakers.\nBuild it with %s. It is safe for concurrent use when the wrapped value is.", m.typeName, d.ifaceName, m.ctorName))
	fields := []jen.Code{jen.Id(d.nextField).Add(e.ifaceType(d))}
	for _, c := range m.circuits {
		typ := e.w.qual(runtimePath, "Circuit")
		if c.use == useKeyed {
			typ = e.w.qual(implPath, "Keyed")
		}
		fields = append(fields, jen.Id(d.circuitField[c]).Op("*").Add(typ).Comment(circuitLabel(c)))
	}
	f.Type().Id(m.typeName).Types(d.tdecl...).Struct(fields...)
	f.Line()
	e.constructor(f, d)
	f.Line()
	check := jen.Var().Id("_").Add(e.ifaceType(d)).Op("=").Parens(jen.Op("*").Add(d.self())).Parens(jen.Nil())
	if len(d.tps) == 0 {
		f.Add(check)
	} else {
		f.Func().Id("_").Types(d.tdecl...).Params().Block(check)
	}
	for _, mm := range m.methods {
		f.Line()
		e.method(f, d, mm)
	}
}

// constructor emits NewXBreaker: circuits are resolved here, once.
func (e *emitter) constructor(f *jen.File, d *decl) {
	m := d.m
	cn := newNamer(e.reserved)
	for _, tp := range d.tps {
		cn.taken[tp] = true
	}
	nextParam, bParam, optsParam, dec := cn.name("next"), cn.name("b"), cn.name("opts"), cn.name("d")
	labels := make([]string, len(m.circuits))
	for i, c := range m.circuits {
		labels[i] = circuitLabel(c)
	}
	noun := "circuit"
	if len(labels) > 1 {
		noun = "circuits"
	}
	f.Add(doc("%s returns a decorator of next whose protected methods run through\n"+
		"the %s %s of b, resolved once here.\n"+
		"runtime.WithInstance(name) in opts gives this decorator circuits of its own,\n"+
		"named \"<circuit>@name\". Options given by runtime.WithOverrides on b win over\n"+
		"the ones written in the directives.",
		m.ctorName, noun, joinWords(labels)))
	values := []jen.Code{jen.Id(d.nextField).Op(":").Id(nextParam)}
	for _, c := range m.circuits {
		var call *jen.Statement
		if c.use == useKeyed {
			var max jen.Code = e.w.qual(implPath, "DefaultMaxKeys")
			if c.keys.maxSite.IsValid() {
				max = jen.Lit(c.keys.maxKeys)
			}
			args := []jen.Code{jen.Lit(c.name), max}
			if c.opts.set != 0 {
				args = append(args, e.options(c.opts))
			}
			call = jen.Id(dec).Dot("Keyed").Call(args...)
		} else {
			args := []jen.Code{jen.Lit(c.name)}
			if c.opts.set != 0 {
				args = append(args, e.options(c.opts))
			}
			call = jen.Id(dec).Dot("Circuit").Call(args...)
		}
		values = append(values, jen.Id(d.circuitField[c]).Op(":").Add(call))
	}
	f.Func().Id(m.ctorName).Types(d.tdecl...).Params(
		jen.Id(nextParam).Add(e.ifaceType(d)),
		jen.Id(bParam).Op("*").Add(e.w.qual(runtimePath, "Breaker")),
		jen.Id(optsParam).Op("...").Add(e.w.qual(runtimePath, "DecoratorOption")),
	).Op("*").Add(d.self()).Block(
		jen.Id(dec).Op(":=").Add(e.w.qual(implPath, "Decorate")).Call(jen.Id(bParam), jen.Id(optsParam).Op("...")),
		jen.Return(jen.Op("&").Add(d.self()).Custom(multiLine, values...)),
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

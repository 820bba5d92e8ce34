package gen

import (
	"bytes"
	"fmt"
	"go/build/constraint"
	"go/types"
	"strconv"
	"strings"

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
	if p := g.l.deps[path]; p != nil {
		return p
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
	// fallbackField holds, per protected method, the field of the fallback
	// its generated option gave.
	fallbackField map[*methodModel]string
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
	d := &decl{m: m, tps: tparamNames(m), ifaceName: e.g.ifaceName(m.t), circuitField: map[*circuitDef]string{}, fallbackField: map[*methodModel]string{}}
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
	for _, mm := range m.methods {
		if mm.protected {
			d.fallbackField[mm] = fields.name(lowerFirst(mm.fn.Name()) + "Fallback")
		}
	}
	return d
}

// circuitLabel is how docs show a circuit: "name", or "name[<key>]" for a
// keyed family.
func circuitLabel(c *circuitDef) string {
	name := c.name
	if c.generic {
		name = name[:c.typeArgsAt] + c.typeParams + name[c.typeArgsAt:]
	}
	if c.use == useKeyed {
		return strconv.Quote(name + "[<key>]")
	}
	return strconv.Quote(name)
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
	fallbacks := []jen.Code{jen.Line().Comment("Fallbacks given by the With...Fallback options, nil when none was.")}
	for _, mm := range m.methods {
		if mm.protected {
			fallbacks = append(fallbacks, jen.Id(d.fallbackField[mm]).Func().Add(e.w.signature(mm.sig)))
		}
	}
	if len(fallbacks) > 1 {
		fields = append(fields, fallbacks...)
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
	for _, mm := range m.methods {
		if mm.protected {
			f.Line()
			e.fallbackOption(f, d, mm)
		}
	}
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

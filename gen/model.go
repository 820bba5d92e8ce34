package gen

import (
	"fmt"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// circuitDef is one circuit of the run, or one keyed family of circuits,
// shared by every method that names it.
type circuitDef struct {
	name     string
	opts     circuitOpts
	optsSite token.Pos // where the options were given; invalid when none were
	explicit bool      // the options come from a directive that set some itself
	use      keyUse    // unkeyed or keyed, once a method uses it
	keys     keySpec   // of a keyed family
	useSite  token.Pos // of the first use that decided use
	// useMethod is the method of that use.
	useMethod string
	// generic is set for the default circuit of a generic interface, and the
	// circuits named after it: the decorator's type arguments go into the
	// name at typeArgsAt ("repo.Repository[model.Order].Get"), as
	// typeParams ("[T]") in docs.
	generic    bool
	typeArgsAt int
	typeParams string
}

// keyUse says whether methods use a circuit as one circuit or as a family.
type keyUse uint8

const (
	useUnknown keyUse = iota
	useUnkeyed
	useKeyed
)

// keySpec is what a keyed family's methods agree on.
type keySpec struct {
	kind    keyKind
	maxKeys int // 0: breakerimpl.DefaultMaxKeys
	maxSite token.Pos
}

// ifaceModel is everything needed to emit the decorator of one interface.
type ifaceModel struct {
	t        *target
	typeName string // of the decorator
	ctorName string
	methods  []*methodModel
	circuits []*circuitDef // in order of first use
	outFile  string        // absolute path
}

// judgeKind says how a protected method's outcome is judged.
type judgeKind uint8

const (
	judgeError     judgeKind = iota // its final error result
	judgeErrMethod                  // the Err() error of its final result
	judgeFunc                       // a judge= function of its results
)

// openKind says what a protected method returns while its circuit is open.
type openKind uint8

const (
	openError    openKind = iota // zero results and the open-circuit error
	openFallback                 // the fallback's results
	openSetErr                   // zero results and a final result made to carry the error
)

// methodModel is one method of a decorator.
type methodModel struct {
	fn        *types.Func
	sig       *types.Signature
	protected bool
	reason    string // why an unprotected method passes through
	asked     bool   // the user asked for the pass-through (skip)
	circuit   *circuitDef
	judge     judgeKind
	judgeFn   *funcValue // for judgeFunc
	open      openKind
	fallback  *funcValue // for openFallback
	newResult bool       // for openSetErr: the final result is a pointer made with new
	key       *keyModel  // nil unless the circuit is a keyed family
	ctx       int        // index of the context.Context parameter, or -1
	// fallbackOption is the name of the decorator option giving the method
	// a fallback at construction, WithXMethodFallback.
	fallbackOption string
	// cmdCtor makes the final result of a refused call, for openSetErr with
	// newResult when the result type has one: NewT(ctx, args ...any).
	cmdCtor *types.Func
	// carrier is the index of the first parameter with a Context() context.Context
	// method (an *http.Request), used when there is no context parameter; or -1.
	carrier int
	// body is the index of the *http.Request parameter of a RoundTrip whose
	// body must be closed when the call is refused, or -1.
	body int
}

// Reasons a method passes through unprotected.
const (
	reasonSkip      = "//breaker:skip"
	reasonSkipList  = "skip= of the interface"
	reasonNoResult  = "no final error result, no Err() error result and no judge="
	reasonCleanup   = "cleanup: it must close even while the circuit is open; a directive on it opts in"
	reasonStream    = "stream I/O of an embedded io interface: protect the call that opens the stream; a //breaker:method line opts it in"
	closeMethodName = "Close"
)

// decoratorNames returns the decorator's type and constructor names for an
// interface, or for the name given with -name.
func decoratorNames(iface, custom string) (typeName, ctorName string) {
	base := custom
	if base == "" {
		base = iface + "Breaker"
	}
	if token.IsExported(base) {
		return base, "New" + base
	}
	return base, "new" + upperFirst(base)
}

// fallbackOptionName names the option giving mm a fallback at construction:
// With<decorator without "Breaker"><Method>Fallback, exported when the
// decorator is. A name the package declares already is a conflict.
func (g *run) fallbackOptionName(m *ifaceModel, mm *methodModel) string {
	base := strings.TrimSuffix(m.typeName, "Breaker")
	if base == "" {
		base = m.typeName
	}
	name := "With" + upperFirst(base) + mm.fn.Name() + "Fallback"
	if !token.IsExported(m.typeName) {
		name = "with" + upperFirst(base) + mm.fn.Name() + "Fallback"
	}
	if obj := g.out.Scope().Lookup(name); obj != nil {
		g.probs.addf(obj.Pos(), ErrConflict, "%s is already declared; breakergen declares it for %s.%s", name, m.t.obj.Name(), mm.fn.Name())
	}
	return name
}

// outputName returns the default output file name of an interface's
// decorator, or of the decorator named by -name: <name>_breaker.go in lower
// case.
func outputName(iface, custom string) string {
	base := iface
	if custom != "" {
		base = custom
		if trimmed := strings.TrimSuffix(custom, "Breaker"); trimmed != "" {
			base = trimmed
		}
	}
	return strings.ToLower(base) + "_breaker.go"
}

// model builds the decorator model of one target.
func (g *run) model(t *target) *ifaceModel {
	m := &ifaceModel{t: t}
	name := t.obj.Name()
	m.typeName, m.ctorName = decoratorNames(name, g.cfg.Name)
	for _, generated := range []string{m.typeName, m.ctorName} {
		if obj := g.out.Scope().Lookup(generated); obj != nil {
			g.probs.addf(obj.Pos(), ErrConflict, "%s is already declared; breakergen declares it for %s", generated, name)
		}
	}
	before := len(g.probs.list)
	own, byMethod := splitMethodDirectives(parseDirectives(g.probs, t.doc))
	g.noteMethodDirectives(t, byMethod)
	iann := g.res.annotate(own, t.docFile, false, circuitOpts{})
	dfltName := iann.name
	if dfltName == "" {
		dfltName = t.obj.Pkg().Name() + "." + name
	}
	// The default circuit's options are registered even when no method uses
	// it, so that a conflicting directive elsewhere is reported.
	dflt := g.register(dfltName, iann.opts, iann.optsPos, iann.opts.set != 0)
	if iann.name == "" && t.tparams != nil {
		dflt.generic, dflt.typeArgsAt, dflt.typeParams = true, len(dfltName), "["+strings.Join(tparamNames(&ifaceModel{t: t}), ",")+"]"
	}
	g.checkTypeParams(t)
	scope := &ifaceScope{t: t, ann: &iann, dflt: dflt, byMethod: byMethod}
	for i := range t.iface.NumMethods() {
		mm := g.method(scope, t.iface.Method(i))
		if mm.protected {
			mm.fallbackOption = g.fallbackOptionName(m, mm)
		}
		m.methods = append(m.methods, mm)
		if mm.protected && !slices.Contains(m.circuits, mm.circuit) {
			m.circuits = append(m.circuits, mm.circuit)
		}
	}
	g.checkSkipList(t, &iann)
	if len(m.circuits) == 0 && len(g.probs.list) == before {
		g.probs.addPosition(g.notePos(t, t.pos), ErrNothingToProtect, "%s: no method can be protected (%s); an empty decorator would only hide it",
			g.ifaceName(t), unprotectedSummary(m.methods))
	}
	g.passNotes(m)
	return m
}

// ifaceScope is what the methods of one interface share while modelled.
type ifaceScope struct {
	t    *target
	ann  *annotation // the interface's directives
	dflt *circuitDef // the interface's circuit
	// byMethod are the //breaker:method directives of the interface, by the
	// method they name.
	byMethod map[string][]directive
}

// checkTypeParams reports constraints of a generic interface that the output
// package cannot name.
func (g *run) checkTypeParams(t *target) {
	if t.tparams == nil {
		return
	}
	for i := range t.tparams.Len() {
		tp := t.tparams.At(i)
		if msg := g.unnameable(tp.Constraint()); msg != "" {
			g.probs.addf(t.pos, unnameableKind(msg), "type parameter %s of %s: %s", tp.Obj().Name(), t.obj.Name(), msg)
		}
	}
}

// checkSkipList reports names in an interface's skip= that are not methods
// of it.
func (g *run) checkSkipList(t *target, a *annotation) {
	for _, name := range a.skips {
		obj, _, _ := types.LookupFieldOrMethod(t.obj.Type(), false, t.obj.Pkg(), name)
		if _, ok := obj.(*types.Func); !ok {
			g.probs.addf(a.skipsPos, ErrValue, "skip: %s is not a method of %s", name, t.obj.Name())
		}
	}
}

// ifaceName is the interface's name as messages show it, qualified when it
// comes from another package.
func (g *run) ifaceName(t *target) string {
	if t.obj.Pkg() != g.out {
		return t.obj.Pkg().Name() + "." + t.obj.Name()
	}
	return t.obj.Name()
}

// register records that a circuit is used, with the options one directive
// gives it, explicit when the directive set options itself rather than
// inheriting its interface's. Explicit options of one circuit must agree; an
// inherited set joins explicit ones silently, and inherited sets must agree
// among themselves.
func (g *run) register(name string, opts circuitOpts, pos token.Pos, explicit bool) *circuitDef {
	c := g.circuits[name]
	if c == nil {
		c = &circuitDef{name: name, opts: opts, optsSite: pos, explicit: explicit}
		g.circuits[name] = c
		return c
	}
	switch {
	case explicit && !c.explicit:
		c.opts, c.optsSite, c.explicit = opts, pos, true
	case explicit == c.explicit && !c.opts.equal(opts) && pos != c.optsSite:
		g.probs.addf(pos, ErrConflict, "circuit %q gets options %q here but %q at %s",
			name, opts, c.opts, g.probs.where(c.optsSite))
	}
	return c
}

// circuitUse is how one method uses a circuit: as one circuit (keys nil) or
// as a keyed family. misfit, when set, gathers a conflict of an inherited
// key instead of reporting it.
type circuitUse struct {
	keys   *keySpec
	pos    token.Pos
	method string
	misfit func(reason string)
}

// useCircuit records how a method uses c. All methods of one circuit must
// agree.
func (g *run) useCircuit(c *circuitDef, u circuitUse) {
	want := useUnkeyed
	if u.keys != nil {
		want = useKeyed
	}
	keys := u.keys
	switch {
	case c.use == useUnknown:
		c.use, c.useSite, c.useMethod = want, u.pos, u.method
		if keys != nil {
			c.keys = *keys
		}
	case c.use != want:
		g.probs.addf(u.pos, ErrConflict, "circuit %q is %s here but %s at %s", c.name, useWord(want), useWord(c.use), g.probs.where(c.useSite))
	case keys != nil && keys.kind != c.keys.kind && u.misfit != nil:
		u.misfit(fmt.Sprintf("it gives %s, where %s gives %s, for one family", keys.kind, c.useMethod, c.keys.kind))
	case keys != nil && keys.kind != c.keys.kind:
		g.probs.addf(u.pos, ErrConflict, "circuit %q is keyed by %s here but by %s at %s", c.name, keys.kind, c.keys.kind, g.probs.where(c.useSite))
	case keys != nil && keys.maxSite.IsValid() && c.keys.maxSite.IsValid() && keys.maxKeys != c.keys.maxKeys:
		g.probs.addf(keys.maxSite, ErrConflict, "circuit %q gets maxkeys=%d here but maxkeys=%d at %s", c.name, keys.maxKeys, c.keys.maxKeys, g.probs.where(c.keys.maxSite))
	case keys != nil && keys.maxSite.IsValid():
		c.keys.maxKeys, c.keys.maxSite = keys.maxKeys, keys.maxSite
	}
}

// useWord describes a keyUse in a message.
func useWord(u keyUse) string {
	if u == useKeyed {
		return "keyed (key=)"
	}
	return "not keyed"
}

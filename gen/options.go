package gen

import (
	"go/ast"
	"go/token"
	"go/types"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// optionBits records which option keys a directive gave.
type optionBits uint8

const (
	bitCoolDown optionBits = 1 << iota
	bitWindow
	bitRate
	bitSamples
	bitExclude
	bitSuccess
)

// circuitOpts are the runtime.Options a directive gives a circuit.
type circuitOpts struct {
	set      optionBits
	coolDown time.Duration
	window   time.Duration
	rate     float64
	samples  int
	exclude  []*types.Var
	success  []*types.Var
}

// equal reports whether o and p give the same options.
func (o circuitOpts) equal(p circuitOpts) bool {
	return o.set == p.set && o.coolDown == p.coolDown && o.window == p.window &&
		o.rate == p.rate && o.samples == p.samples &&
		slices.Equal(o.exclude, p.exclude) && slices.Equal(o.success, p.success)
}

// String renders o as directive words, for messages.
func (o circuitOpts) String() string {
	var words []string
	if o.set&bitCoolDown != 0 {
		words = append(words, keyCoolDown+"="+shortDuration(o.coolDown))
	}
	if o.set&bitWindow != 0 {
		words = append(words, keyWindow+"="+shortDuration(o.window))
	}
	if o.set&bitRate != 0 {
		words = append(words, keyRate+"="+strconv.FormatFloat(o.rate, 'g', -1, 64))
	}
	if o.set&bitSamples != 0 {
		words = append(words, keySamples+"="+strconv.Itoa(o.samples))
	}
	vars := func(key string, vs []*types.Var) {
		names := make([]string, len(vs))
		for i, v := range vs {
			names[i] = v.Pkg().Name() + "." + v.Name()
		}
		words = append(words, key+"="+strings.Join(names, ","))
	}
	if o.set&bitExclude != 0 {
		vars(keyExclude, o.exclude)
	}
	if o.set&bitSuccess != 0 {
		vars(keySuccess, o.success)
	}
	if len(words) == 0 {
		return "no options"
	}
	return strings.Join(words, " ")
}

// annotation is what the directives on one interface or method say.
type annotation struct {
	present     bool // at least one directive
	pos         token.Pos
	skip        bool
	skipPos     token.Pos
	circuit     bool // at least one //breaker:circuit
	name        string
	namePos     token.Pos
	opts        circuitOpts
	optsPos     token.Pos // of the first option key
	fallback    string
	fallbackPos token.Pos
}

// ownCircuit reports whether the annotation asks for a circuit of its own.
func (a *annotation) ownCircuit() bool { return a.name != "" || a.opts.set != 0 }

// resolver resolves names written in directives, in the scope of one file.
type resolver struct {
	pkg    *types.Package
	source *types.Package // the -source package, or nil
	info   *types.Info
	probs  *problems
}

// annotate interprets the directives of one declaration. file is the file
// holding them, used to resolve package names; method tells whether the
// declaration is an interface method.
func (r *resolver) annotate(dirs []directive, file *ast.File, method bool) annotation {
	var a annotation
	seen := map[string]token.Pos{}
	for _, d := range dirs {
		if !a.present {
			a.present = true
			a.pos = d.pos
		}
		switch d.verb {
		case verbSkip:
			if !method {
				r.probs.addf(d.verbPos, ErrDirective, "//breaker:skip applies to interface methods, not to an interface")
				continue
			}
			a.skip = true
			a.skipPos = d.verbPos
			continue
		case verbCircuit:
			a.circuit = true
		}
		for _, arg := range d.args {
			if prev, dup := seen[arg.key]; dup {
				r.probs.addf(arg.keyPos, ErrDirective, "key %s given twice (first at %s)", arg.key, r.probs.where(prev))
				continue
			}
			seen[arg.key] = arg.keyPos
			r.arg(&a, arg, file, method)
		}
	}
	if a.skip && a.circuit {
		r.probs.addf(a.skipPos, ErrDirective, "//breaker:skip and //breaker:circuit on the same method")
	}
	return a
}

// arg interprets one key=value of a //breaker:circuit directive into a.
func (r *resolver) arg(a *annotation, arg directiveArg, file *ast.File, method bool) {
	isOption := true
	switch arg.key {
	case keyName:
		isOption = false
		if !validCircuitName(arg.value) {
			r.probs.addf(arg.valuePos, ErrValue, "name %q: want letters, digits and . _ - : / only", arg.value)
			return
		}
		a.name, a.namePos = arg.value, arg.keyPos
	case keyCoolDown, keyWindow:
		d, err := time.ParseDuration(arg.value)
		if err != nil {
			r.probs.addf(arg.valuePos, ErrValue, "%s: %q is not a duration (examples: 30s, 1m, 1h30m)", arg.key, arg.value)
			return
		}
		if d <= 0 {
			r.probs.addf(arg.valuePos, ErrValue, "%s: %s is not positive", arg.key, arg.value)
			return
		}
		if arg.key == keyCoolDown {
			a.opts.coolDown, a.opts.set = d, a.opts.set|bitCoolDown
		} else {
			a.opts.window, a.opts.set = d, a.opts.set|bitWindow
		}
	case keyRate:
		f, err := strconv.ParseFloat(arg.value, 64)
		if err != nil || math.IsNaN(f) || f <= 0 || f > 1 {
			r.probs.addf(arg.valuePos, ErrValue, "rate: %q is not a number in (0, 1]", arg.value)
			return
		}
		a.opts.rate, a.opts.set = f, a.opts.set|bitRate
	case keySamples:
		n, err := strconv.Atoi(arg.value)
		if err != nil || n < 1 {
			r.probs.addf(arg.valuePos, ErrValue, "samples: %q is not a positive integer", arg.value)
			return
		}
		a.opts.samples, a.opts.set = n, a.opts.set|bitSamples
	case keyExclude, keySuccess:
		vars, ok := r.errorVars(arg, file)
		if !ok {
			return
		}
		if arg.key == keyExclude {
			a.opts.exclude, a.opts.set = vars, a.opts.set|bitExclude
		} else {
			a.opts.success, a.opts.set = vars, a.opts.set|bitSuccess
		}
		if a.opts.set&(bitExclude|bitSuccess) == bitExclude|bitSuccess {
			for _, v := range a.opts.exclude {
				if slices.Contains(a.opts.success, v) {
					r.probs.addf(arg.valuePos, ErrValue, "%s is listed in both exclude and success", v.Name())
				}
			}
		}
	case keyFallback:
		isOption = false
		if !method {
			r.probs.addf(arg.keyPos, ErrDirective, "fallback applies to interface methods, not to an interface")
			return
		}
		if !token.IsIdentifier(arg.value) {
			r.probs.addf(arg.valuePos, ErrFallback, "fallback %q is not the name of a function of package %s", arg.value, r.pkg.Name())
			return
		}
		a.fallback, a.fallbackPos = arg.value, arg.valuePos
	default:
		r.probs.addf(arg.keyPos, ErrDirective, "unknown key %q (want one of %s)", arg.key, strings.Join(knownKeys, ", "))
		return
	}
	if isOption && !a.optsPos.IsValid() {
		a.optsPos = arg.keyPos
	}
}

// validCircuitName reports whether s is acceptable as a circuit name: it
// must survive being a Redis key part and a metric label.
func validCircuitName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune("._-:/", c):
		default:
			return false
		}
	}
	return true
}

// errorVars resolves the comma-separated error variables of an exclude or
// success value.
func (r *resolver) errorVars(arg directiveArg, file *ast.File) ([]*types.Var, bool) {
	var out []*types.Var
	ok := true
	offset := 0
	for _, name := range strings.Split(arg.value, ",") {
		pos := arg.valuePos + token.Pos(offset)
		offset += len(name) + 1
		if name == "" {
			r.probs.addf(pos, ErrValue, "%s: empty name in list %q", arg.key, arg.value)
			ok = false
			continue
		}
		v, good := r.errorVar(name, pos, file)
		if !good {
			ok = false
			continue
		}
		if slices.Contains(out, v) {
			r.probs.addf(pos, ErrValue, "%s: %s listed twice", arg.key, name)
			ok = false
			continue
		}
		out = append(out, v)
	}
	return out, ok
}

// errorVar resolves one name, ErrX or pkg.ErrX (or import/path.ErrX), to a
// package-level variable of a type assignable to error.
func (r *resolver) errorVar(name string, pos token.Pos, file *ast.File) (*types.Var, bool) {
	var (
		obj   types.Object
		scope = r.pkg.Scope()
		where = "package " + r.pkg.Name()
		sel   = name
	)
	if i := strings.LastIndex(name, "."); i >= 0 {
		qual := name[:i]
		sel = name[i+1:]
		p, msg := r.importedPackage(qual, file)
		if p == nil {
			r.probs.addf(pos, ErrResolve, "cannot resolve %s: %s", name, msg)
			return nil, false
		}
		if !token.IsExported(sel) {
			r.probs.addf(pos, ErrResolve, "cannot resolve %s: %s is unexported in package %s", name, sel, p.Path())
			return nil, false
		}
		scope, where = p.Scope(), "package "+p.Path()
	}
	if !token.IsIdentifier(sel) {
		r.probs.addf(pos, ErrResolve, "cannot resolve %q: not an identifier", name)
		return nil, false
	}
	obj = scope.Lookup(sel)
	if obj == nil {
		r.probs.addf(pos, ErrResolve, "cannot resolve %s: no %s in %s", name, sel, where)
		return nil, false
	}
	v, isVar := obj.(*types.Var)
	if !isVar {
		r.probs.addf(pos, ErrResolve, "%s is a %s, not an error variable", name, objectKind(obj))
		return nil, false
	}
	if !types.AssignableTo(v.Type(), types.Universe.Lookup("error").Type()) {
		r.probs.addf(pos, ErrResolve, "%s has type %s, which does not implement error", name, v.Type())
		return nil, false
	}
	return v, true
}

// importedPackage finds the package a directive calls qual: an import of the
// directive's file by name, else an import of the package by name, else (for
// -source) the source package by name, else a package imported by path.
func (r *resolver) importedPackage(qual string, file *ast.File) (*types.Package, string) {
	if file != nil {
		for _, spec := range file.Imports {
			var pn *types.PkgName
			if spec.Name != nil {
				pn, _ = r.info.Defs[spec.Name].(*types.PkgName)
			} else {
				pn, _ = r.info.Implicits[spec].(*types.PkgName)
			}
			if pn != nil && pn.Name() == qual {
				return pn.Imported(), ""
			}
		}
	}
	// Only complete packages can be searched: a package known only through
	// another's export data holds just the objects that one refers to.
	byName := func(pkgs []*types.Package) (*types.Package, string) {
		var found []*types.Package
		for _, p := range pkgs {
			if p.Name() == qual && p.Complete() && !slices.Contains(found, p) {
				found = append(found, p)
			}
		}
		switch len(found) {
		case 0:
			return nil, ""
		case 1:
			return found[0], ""
		}
		return nil, "several imported packages are named " + qual + "; import the one you mean in this file"
	}
	if p, msg := byName(r.pkg.Imports()); p != nil || msg != "" {
		return p, msg
	}
	if r.source != nil {
		if p, msg := byName([]*types.Package{r.source}); p != nil || msg != "" {
			return p, msg
		}
	}
	for _, root := range []*types.Package{r.pkg, r.source} {
		if root == nil {
			continue
		}
		if p := findImport(root, qual); p != nil && p.Complete() {
			return p, ""
		}
	}
	return nil, "package " + qual + " is not imported by this file or package"
}

// objectKind names the kind of a package-level object, for messages.
func objectKind(obj types.Object) string {
	switch obj.(type) {
	case *types.Const:
		return "constant"
	case *types.TypeName:
		return "type"
	case *types.Func:
		return "function"
	case *types.PkgName:
		return "package"
	case *types.Var:
		return "variable"
	}
	return "name"
}

// shortDuration renders d without zero trailing units: 2m rather than 2m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

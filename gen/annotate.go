package gen

import (
	"go/ast"
	"go/token"
	"go/types"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

// maxMaxKeys bounds maxkeys=.
const maxMaxKeys = 1 << 20

// annotation is what the directives on one interface or method say.
type annotation struct {
	present  bool // at least one directive
	pos      token.Pos
	skip     bool
	skipPos  token.Pos
	circuit  bool // at least one //breaker:circuit
	name     string
	namePos  token.Pos
	opts     circuitOpts
	optsPos  token.Pos // of the first option key
	fallback funcRef
	judge    funcRef
	key      string
	keyPos   token.Pos // of the key's value
	maxKeys  int
	maxPos   token.Pos // of maxkeys's value
	skips    []string  // skip= of an interface
	skipsPos token.Pos // of skip='s value
	// keyAt is where each key was first given, for problems of how the
	// options go together.
	keyAt map[string]token.Pos
}

// funcRef is a function named by a directive, not yet resolved.
type funcRef struct {
	name string
	pos  token.Pos // of the value
	file *ast.File // holding the directive
}

// ownCircuit reports whether a method's annotation asks for a circuit of its
// own: it names one, sets options or keys it.
func (a *annotation) ownCircuit() bool {
	return a.name != "" || a.opts.set != 0 || a.key != "" || a.maxPos.IsValid()
}

// resolver resolves names written in directives, in the scope of one file.
type resolver struct {
	pkg    *types.Package
	source *types.Package // the -source package, or nil
	// deps are the packages directives quote the import path of, and
	// depErrs why one could not be loaded.
	deps    map[string]*types.Package
	depErrs map[string]string
	info    *types.Info
	probs   *problems
}

// annotate interprets the directives of one declaration. file is the file
// holding them, used to resolve package names; method tells whether the
// declaration is an interface method, and inherited gives a method's
// interface's options, which a method's are checked with.
func (r *resolver) annotate(dirs []directive, file *ast.File, method bool, inherited circuitOpts) annotation {
	a := annotation{keyAt: map[string]token.Pos{}}
	seen := a.keyAt
	for _, d := range dirs {
		if !a.present {
			a.present = true
			a.pos = d.pos
		}
		switch d.verb {
		case verbSkip:
			if !method {
				r.probs.addf(d.verbPos, ErrDirective, "//breaker:skip applies to interface methods; on an interface, list them: //breaker:circuit skip=Name,Close")
				continue
			}
			a.skip = true
			a.skipPos = d.verbPos
			continue
		case verbCircuit:
			a.circuit = true
		case verbMethod:
			r.probs.addf(d.verbPos, ErrDirective, "//breaker:method %s belongs in the doc comment of an interface, or beside a -source //go:generate line; on a method, write //breaker:circuit", d.method)
			continue
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
	r.checkPolicies(&a, inherited)
	if a.skip && a.circuit {
		r.probs.addf(a.skipPos, ErrDirective, "//breaker:skip and //breaker:circuit on the same method")
	}
	if a.maxPos.IsValid() && a.key == "" && method {
		r.probs.addf(a.maxPos, ErrDirective, "maxkeys needs key= (a circuit per key value)")
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
		r.duration(a, arg)
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
		r.errorList(a, arg, file)
	case keySlow, keySlowRate, keyCoolDownMax, keyRamp, keyProbes, keyMode, keyK:
		r.policy(a, arg)
	default:
		isOption = false
		r.other(a, arg, file, method)
	}
	if isOption && !a.optsPos.IsValid() {
		a.optsPos = arg.keyPos
	}
}

// duration interprets cooldown= or window=, within the storage's bounds.
func (r *resolver) duration(a *annotation, arg directiveArg) {
	d, err := time.ParseDuration(arg.value)
	if err != nil {
		r.probs.addf(arg.valuePos, ErrValue, "%s: %q is not a duration (examples: 30s, 1m, 1h30m)", arg.key, arg.value)
		return
	}
	lo, hi := storage.MinCoolDown, storage.MaxCoolDown
	if arg.key == keyWindow {
		lo, hi = storage.MinWindow, storage.MaxWindow
	}
	if d < lo || d > hi {
		r.probs.addf(arg.valuePos, ErrValue, "%s: %s is outside [%s, %s]", arg.key, arg.value, shortDuration(lo), shortDuration(hi))
		return
	}
	if arg.key == keyCoolDown {
		a.opts.coolDown, a.opts.set = d, a.opts.set|bitCoolDown
	} else {
		a.opts.window, a.opts.set = d, a.opts.set|bitWindow
	}
}

// errorList interprets exclude= or success=.
func (r *resolver) errorList(a *annotation, arg directiveArg, file *ast.File) {
	refs, ok := r.errorRefs(arg, file)
	if !ok {
		return
	}
	if arg.key == keyExclude {
		a.opts.exclude, a.opts.set = refs, a.opts.set|bitExclude
	} else {
		a.opts.success, a.opts.set = refs, a.opts.set|bitSuccess
	}
	if a.opts.set&(bitExclude|bitSuccess) == bitExclude|bitSuccess {
		for _, ref := range a.opts.exclude {
			for _, s := range a.opts.success {
				if ref == s {
					r.probs.addf(arg.valuePos, ErrValue, "%s is listed in both exclude and success", ref.obj.Name())
				}
			}
		}
	}
}

// other interprets the keys that are not runtime options: fallback, judge,
// key, maxkeys and skip.
func (r *resolver) other(a *annotation, arg directiveArg, file *ast.File, method bool) {
	switch arg.key {
	case keyFallback, keyJudge:
		if arg.key == keyFallback && !method {
			r.probs.addf(arg.keyPos, ErrDirective, "fallback applies to interface methods, not to an interface")
			return
		}
		if !isValueRef(arg.value) {
			kind := ErrFallback
			if arg.key == keyJudge {
				kind = ErrJudge
			}
			r.probs.addf(arg.valuePos, kind, "%s %q is not the name of a function (f, pkg.F, \"import/path\".F) or of a method value (v.M, pkg.V.M)", arg.key, arg.value)
			return
		}
		ref := funcRef{name: arg.value, pos: arg.valuePos, file: file}
		if arg.key == keyFallback {
			a.fallback = ref
		} else {
			a.judge = ref
		}
	case keyKey:
		a.key, a.keyPos = arg.value, arg.valuePos
	case keyMaxKeys:
		n, err := strconv.Atoi(arg.value)
		if err != nil || n < 1 || n > maxMaxKeys {
			r.probs.addf(arg.valuePos, ErrValue, "maxkeys: %q is not an integer in [1, %d]", arg.value, maxMaxKeys)
			return
		}
		a.maxKeys, a.maxPos = n, arg.valuePos
	case keySkip:
		if method {
			r.probs.addf(arg.keyPos, ErrDirective, "skip= lists methods of an interface; on a method, write //breaker:skip")
			return
		}
		r.skipList(a, arg)
	default:
		r.probs.addf(arg.keyPos, ErrDirective, "unknown key %q (want one of %s)", arg.key, strings.Join(knownKeys, ", "))
	}
}

// skipList interprets skip= of an interface: method names, checked against
// the interface's methods when it is modelled.
func (r *resolver) skipList(a *annotation, arg directiveArg) {
	for _, name := range strings.Split(arg.value, ",") {
		if !token.IsIdentifier(name) {
			r.probs.addf(arg.valuePos, ErrValue, "skip: %q is not a method name", name)
			return
		}
		a.skips = append(a.skips, name)
	}
	a.skipsPos = arg.valuePos
}

// isValueRef reports whether s names a function value: one to three
// identifiers joined by dots, or one or two after a quoted import path
// ("import/path".F, "import/path".V.M).
func isValueRef(s string) bool {
	max := 3
	if _, rest, quoted := cutQuoted(s); quoted {
		s, max = rest, 2
	}
	parts := strings.Split(s, ".")
	if len(parts) > max {
		return false
	}
	for _, p := range parts {
		if !token.IsIdentifier(p) {
			return false
		}
	}
	return true
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

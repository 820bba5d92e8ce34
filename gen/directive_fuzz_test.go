package gen

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
)

// FuzzDirective feeds arbitrary comment lines to the directive parser and the
// interpretation of their values, on an interface or on a method. Whatever the
// text, nothing panics; every problem is a "p.go:line:col: message" inside the
// comment, of a directive kind; every key=value the parser returns is the text at
// its position; every value that no problem points at is in the annotation,
// within the documented bounds; and the options rendered back into a directive
// parse to the same options.
func FuzzDirective(f *testing.F) {
	for _, text := range []string{
		"breaker:circuit name=payments cooldown=30s window=1m rate=0.5 samples=5",
		"breaker:circuit name=payments.charge cooldown=10s exclude=ErrKnown fallback=chargeOffline",
		"breaker:circuit name=a  cooldown=1s\trate=0.5\nbreaker:skip\nbreaker:bogus x=y\n breaker:circuit is prose, not a directive",
		"breaker:circuit name=hosts samples=2 cooldown=1m key=host maxkeys=64",
		"breaker:circuit name=api key=$1.URL.Host judge=statusFailure samples=5 cooldown=30s",
		"breaker:circuit name=net samples=3 skip=SetDeadline,SetReadDeadline,SetWriteDeadline",
		"breaker:circuit exclude=ErrKnown,*PtrError,errs.ErrA success=Busy",
		"breaker:circuit exclude=ErrKnown success=errs.ErrA,ErrKnown",
		"breaker:circuit exclude=ErrKnown,ErrKnown success=NotAnError,Generic,errs.errB,nopkg.Err",
		"breaker:circuit exclude=PtrError,*ErrKnown,,",
		"breaker:circuit cooldown=10parsecs window=-1s",
		"breaker:circuit cooldown=1ns window=999us maxkeys=0 key=id",
		"breaker:circuit cooldown=2562047h47m16.854775807s window=25h",
		"breaker:circuit cooldown=24h window=1ms rate=1 samples=1 maxkeys=1048576 key=id",
		"breaker:circuit rate=NaN samples=0",
		"breaker:circuit rate=1.5 samples=many",
		"breaker:circuit rate=0x1p-2 samples=+7",
		"breaker:circuit cooldown=1s cooldown=2s",
		"breaker:circuit name=keys color=red fast =x y=",
		"breaker:circuit name=bad!name",
		"breaker:circuit fallback=pkg.F judge=nopkg.Judge",
		"breaker:circuit fallback=local.Lookup judge=\"example.com/x\".Judge",
		"breaker:circuit exclude=\"errs\".ErrA,*\"errs\".E success=\"nowhere\".X",
		"breaker:method Get key=$2 maxkeys=8\nbreaker:method\nbreaker:method 1x name=y",
		"breaker:circuit judge=a.b.c fallback=1x",
		"breaker:circuit skip=Get,Gone,Nope skip=Twice",
		"breaker:circuit maxkeys=2000000 key=id",
		"breaker:circuit\r\nbreaker:skip please",
		"breaker:circut name=typo",
		"breaker:skip",
		"breaker:",
		"breaker:circuit",
		"breaker:circuit slow=2s slowrate=0.5 cooldownmax=5m ramp=30s probes=3",
		"breaker:circuit mode=adaptive k=1.5 window=10s",
		"breaker:circuit mode=classic k=2 slowrate=0.3",
		"breaker:circuit window=10s slow=20s cooldown=1m cooldownmax=30s",
		"breaker:circuit mode=adaptive ramp=1s probes=2 slow=1s cooldownmax=1h probes=1",
		"breaker:circuit slow=0s slowrate=NaN cooldownmax=25h ramp=-1s probes=1001 mode=Adaptive k=101",
		"breaker:circuit slow=1ms slowrate=1 ramp=24h probes=1000 cooldown=24h cooldownmax=24h",
	} {
		f.Add(text, true)
		f.Add(text, false)
	}
	f.Fuzz(func(t *testing.T, text string, onMethod bool) {
		src, ok := directiveSource(text, onMethod)
		if !ok {
			return
		}
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
		if err != nil {
			return // the Go parser rejects the file before any directive is read
		}
		doc := file.Decls[0].(*ast.GenDecl).Doc
		if onMethod {
			iface := file.Decls[0].(*ast.GenDecl).Specs[0].(*ast.TypeSpec).Type.(*ast.InterfaceType)
			doc = iface.Methods.List[0].Doc
		}
		probs := &problems{fset: fset}
		pkg, info := fuzzPackage(t)
		res := &resolver{pkg: pkg, info: info, probs: probs}
		dirs := parseDirectives(probs, doc)
		a := res.annotate(dirs, file, onMethod, circuitOpts{})

		checkProblems(t, src, probs.list)
		checkArgs(t, fset, src, dirs)
		checkAnnotation(t, a, onMethod)
		checkValuesTaken(t, fset, dirs, probs.list, a)
		if len(probs.list) == 0 {
			checkOptionsRoundTrip(t, a.opts)
		}
	})
}

// directiveSource returns a file whose interface I carries the lines of text as
// "//" comments: on the method M when onMethod, else on I. The comments are
// indented, so none is a //line directive. It reports false for text with a
// carriage return inside a line: Go drops it from the comment's text, which
// shifts the columns of what follows.
func directiveSource(text string, onMethod bool) (string, bool) {
	var comments strings.Builder
	for line := range strings.SplitSeq(text, "\n") {
		if strings.Contains(strings.TrimSuffix(line, "\r"), "\r") {
			return "", false
		}
		comments.WriteString("\t//" + line + "\n")
	}
	if onMethod {
		return "package p\n\ntype I interface {\n" + comments.String() + "\tM() error\n}\n", true
	}
	return "package p\n\n" + comments.String() + "type I interface {\n\tM() error\n}\n", true
}

// fuzzSource declares what directives of the fuzz target may name: error
// variables, types and constants, and names that are no errors, with an import
// of a package errs.
const fuzzSource = `package p

import "errs"

var _ = errs.ErrA

type NotFound struct{}

func (NotFound) Error() string { return "not found" }

type PtrError struct{}

func (*PtrError) Error() string { return "ptr" }

type Generic[T any] struct{}

func (Generic[T]) Error() string { return "generic" }

type Code int

func (Code) Error() string { return "code" }

const Busy Code = 1

var ErrKnown error = NotFound{}

var NotAnError = ""
`

// fuzzErrsSource is the package errs that fuzzSource imports.
const fuzzErrsSource = `package errs

type E struct{}

func (E) Error() string { return "e" }

var ErrA error = E{}

var errB error = E{}
`

// fuzzPkg type-checks fuzzSource once, with errs for its import.
var fuzzPkg = sync.OnceValues(func() (*types.Package, *types.Info) {
	fset := token.NewFileSet()
	check := func(name, src string, imp types.Importer) (*types.Package, *types.Info) {
		f, err := parser.ParseFile(fset, name+".go", src, 0)
		if err != nil {
			panic(err)
		}
		info := &types.Info{Defs: map[*ast.Ident]types.Object{}, Implicits: map[ast.Node]types.Object{}}
		pkg, err := (&types.Config{Importer: imp}).Check(name, fset, []*ast.File{f}, info)
		if err != nil {
			panic(err)
		}
		return pkg, info
	}
	errs, _ := check("errs", fuzzErrsSource, nil)
	return check("p", fuzzSource, importerFunc(func(path string) (*types.Package, error) {
		if path != "errs" {
			return nil, fmt.Errorf("no package %s", path)
		}
		return errs, nil
	}))
})

// fuzzPackage returns the type-checked fuzzSource.
func fuzzPackage(t *testing.T) (*types.Package, *types.Info) {
	t.Helper()
	pkg, info := fuzzPkg()
	require.NotNil(t, pkg)
	return pkg, info
}

// importerFunc is a types.Importer.
type importerFunc func(path string) (*types.Package, error)

// Import returns the package of path.
func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// positioned matches a problem's one line in p.go.
var positioned = regexp.MustCompile(`^p\.go:([0-9]+):([0-9]+): [^\n]+$`)

// checkProblems checks that every problem is one line "p.go:line:col: message"
// pointing inside a comment, and wraps a kind a directive may cause.
func checkProblems(t *testing.T, src string, list ErrorList) {
	t.Helper()
	lines := strings.Split(src, "\n")
	for _, e := range list {
		m := positioned.FindStringSubmatch(e.Error())
		if !assert.NotNil(t, m, "problem %q has no p.go:line:col", e.Error()) {
			continue
		}
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		if assert.True(t, line >= 1 && line <= len(lines), "line of %q", e) {
			text := lines[line-1]
			comment := strings.Index(text, "//")
			assert.True(t, comment >= 0 && col > comment && col <= len(text)+1, "column of %q in %q", e, text)
		}
		kinds := []error{ErrDirective, ErrValue, ErrResolve, ErrFallback, ErrJudge}
		assert.Contains(t, kinds, e.Kind, "kind of %q", e)
		assert.ErrorIs(t, e, e.Kind)
	}
	if len(list) > 0 {
		assert.Len(t, strings.Split(list.Error(), "\n"), len(list), "one problem per line")
	}
}

// checkArgs checks that every key=value the parser returns is the text at its
// positions.
func checkArgs(t *testing.T, fset *token.FileSet, src string, dirs []directive) {
	t.Helper()
	for _, d := range dirs {
		assert.Contains(t, []string{verbCircuit, verbSkip, verbMethod}, d.verb)
		if d.verb == verbMethod {
			assert.True(t, token.IsIdentifier(d.method), "method %q", d.method)
		}
		for _, arg := range d.args {
			assert.NotEmpty(t, arg.key)
			assert.NotEmpty(t, arg.value)
			assert.NotContains(t, arg.key, "=")
			assert.False(t, strings.ContainsAny(arg.key+arg.value, " \t"), "blank in %q=%q", arg.key, arg.value)
			off := fset.Position(arg.keyPos).Offset
			word := arg.key + "=" + arg.value
			if assert.LessOrEqual(t, off+len(word), len(src)) {
				assert.Equal(t, word, src[off:off+len(word)], "text at the key's position")
			}
			assert.Equal(t, arg.keyPos+token.Pos(len(arg.key)+1), arg.valuePos)
		}
	}
}

// circuitName matches the circuit names the README allows.
var circuitName = regexp.MustCompile(`^[A-Za-z0-9._:/-]+$`)

// checkAnnotation checks that every value the annotation holds is within the
// bounds the README documents, and that the options pass runtime.Options and
// storage.Policy validation.
func checkAnnotation(t *testing.T, a annotation, onMethod bool) {
	t.Helper()
	o := a.opts
	if o.set&bitCoolDown != 0 {
		assert.True(t, o.coolDown >= storage.MinCoolDown && o.coolDown <= storage.MaxCoolDown, "cooldown %v", o.coolDown)
	} else {
		assert.Zero(t, o.coolDown)
	}
	if o.set&bitWindow != 0 {
		assert.True(t, o.window >= storage.MinWindow && o.window <= storage.MaxWindow, "window %v", o.window)
	} else {
		assert.Zero(t, o.window)
	}
	if o.set&bitRate != 0 {
		assert.True(t, !math.IsNaN(o.rate) && o.rate > 0 && o.rate <= 1, "rate %v", o.rate)
	} else {
		assert.Zero(t, o.rate)
	}
	if o.set&bitSamples != 0 {
		assert.GreaterOrEqual(t, o.samples, 1)
	} else {
		assert.Zero(t, o.samples)
	}
	checkPolicyBounds(t, o)
	checkValidates(t, o)
	for _, refs := range [][]errorRef{o.exclude, o.success} {
		for _, r := range refs {
			if assert.NotNil(t, r.obj) {
				assert.True(t, types.Implements(r.typ(), types.Universe.Lookup("error").Type().Underlying().(*types.Interface)), "%s is not an error", r)
			}
		}
	}
	if a.maxPos.IsValid() {
		assert.True(t, a.maxKeys >= 1 && a.maxKeys <= maxMaxKeys, "maxkeys %d", a.maxKeys)
	} else {
		assert.Zero(t, a.maxKeys)
	}
	if a.name != "" {
		assert.Regexp(t, circuitName, a.name)
	}
	for _, name := range a.skips {
		assert.True(t, token.IsIdentifier(name), "skip %q", name)
	}
	if len(a.skips) > 0 || a.skipsPos.IsValid() {
		assert.False(t, onMethod, "skip= on a method")
	}
	if a.fallback.name != "" {
		assert.True(t, onMethod, "fallback on an interface")
	}
	for _, fn := range []string{a.fallback.name, a.judge.name} {
		if fn == "" {
			continue
		}
		max := 3
		if path, rest, quoted := cutQuoted(fn); quoted {
			assert.NotContains(t, path, `"`)
			fn, max = rest, 2
		}
		parts := strings.Split(fn, ".")
		assert.LessOrEqual(t, len(parts), max, "function %q", fn)
		for _, p := range parts {
			assert.True(t, token.IsIdentifier(p), "function %q", fn)
		}
	}
}

// checkValuesTaken checks the other side of the parser's promise: the first
// name, cooldown, window, rate, samples, maxkeys, key or policy key (slow,
// slowrate, cooldownmax, ramp, probes, mode, k) of a declaration that no
// problem points at is in the annotation, with the value written.
func checkValuesTaken(t *testing.T, fset *token.FileSet, dirs []directive, list ErrorList, a annotation) {
	t.Helper()
	seen := map[string]bool{}
	for _, d := range dirs {
		if d.verb != verbCircuit {
			continue
		}
		for _, arg := range d.args {
			if seen[arg.key] {
				continue
			}
			seen[arg.key] = true
			start := fset.Position(arg.keyPos).Offset
			end := fset.Position(arg.valuePos).Offset + len(arg.value)
			blamed := false
			for _, e := range list {
				if e.Pos.Offset >= start && e.Pos.Offset <= end {
					blamed = true
				}
			}
			if blamed {
				continue
			}
			switch arg.key {
			case keyName:
				assert.Equal(t, arg.value, a.name)
			case keyCoolDown:
				d, err := time.ParseDuration(arg.value)
				assert.NoError(t, err)
				assert.Equal(t, d, a.opts.coolDown)
			case keyWindow:
				d, err := time.ParseDuration(arg.value)
				assert.NoError(t, err)
				assert.Equal(t, d, a.opts.window)
			case keyRate:
				r, err := strconv.ParseFloat(arg.value, 64)
				assert.NoError(t, err)
				assert.Equal(t, r, a.opts.rate)
			case keySamples:
				n, err := strconv.Atoi(arg.value)
				assert.NoError(t, err)
				assert.Equal(t, n, a.opts.samples)
			case keyMaxKeys:
				n, err := strconv.Atoi(arg.value)
				assert.NoError(t, err)
				assert.Equal(t, n, a.maxKeys)
			case keyKey:
				assert.Equal(t, arg.value, a.key)
			default:
				checkPolicyTaken(t, arg, a.opts)
			}
		}
	}
}

// checkOptionsRoundTrip renders the numeric options as a directive, as messages
// show them, and checks that the directive gives the same options.
func checkOptionsRoundTrip(t *testing.T, o circuitOpts) {
	t.Helper()
	o.set &^= bitExclude | bitSuccess
	o.exclude, o.success = nil, nil
	if o.set == 0 {
		return
	}
	text := directivePrefix + verbCircuit + " " + o.String()
	fset := token.NewFileSet()
	fset.AddFile("q.go", -1, len(text)+1)
	probs := &problems{fset: fset}
	pkg, info := fuzzPackage(t)
	res := &resolver{pkg: pkg, info: info, probs: probs}
	c := &ast.Comment{Slash: token.Pos(1), Text: text}
	again := res.annotate(parseDirectives(probs, &ast.CommentGroup{List: []*ast.Comment{c}}), nil, true, circuitOpts{})
	if assert.Empty(t, probs.list, "directive %q", text) {
		assert.True(t, o.equal(again.opts), "%q gives %v, want %v", text, again.opts, o)
	}
}

// checkPolicyBounds checks that every policy value of o is within the bounds
// the README documents, and zero when its key was not taken.
func checkPolicyBounds(t *testing.T, o circuitOpts) {
	t.Helper()
	for _, c := range []struct {
		bit  optionBits
		zero bool
		ok   bool
		what string
	}{
		{bitSlow, o.slow == 0, o.slow >= storage.MinSlowCall && o.slow < storage.MaxWindow, "slow"},
		{bitSlowRate, o.slowRate == 0, o.slowRate > 0 && o.slowRate <= 1, "slowrate"},
		{bitCoolDownMax, o.coolDownMax == 0, o.coolDownMax >= storage.MinCoolDown && o.coolDownMax <= storage.MaxCoolDown, "cooldownmax"},
		{bitRamp, o.ramp == 0, o.ramp >= storage.MinRamp && o.ramp <= storage.MaxRamp, "ramp"},
		{bitProbes, o.probes == 0, o.probes >= 1 && o.probes <= storage.MaxHalfOpenProbes, "probes"},
		{bitMode, o.mode == storage.ModeClassic, o.mode <= storage.ModeAdaptive, "mode"},
		{bitK, o.k == 0, o.k > 0 && o.k <= storage.MaxK, "k"},
	} {
		if o.set&c.bit != 0 {
			assert.True(t, c.ok, "%s out of bounds in %+v", c.what, o.policies)
		} else {
			assert.True(t, c.zero, "%s not given but set in %+v", c.what, o.policies)
		}
	}
}

// checkPolicyTaken checks that the value of a policy key that no problem
// points at is in the options.
func checkPolicyTaken(t *testing.T, arg directiveArg, o circuitOpts) {
	t.Helper()
	duration := func(got time.Duration) {
		d, err := time.ParseDuration(arg.value)
		assert.NoError(t, err)
		assert.Equal(t, d, got, arg.key)
	}
	number := func(got float64) {
		f, err := strconv.ParseFloat(arg.value, 64)
		assert.NoError(t, err)
		assert.Equal(t, f, got, arg.key)
	}
	switch arg.key {
	case keySlow:
		duration(o.slow)
	case keyCoolDownMax:
		duration(o.coolDownMax)
	case keyRamp:
		duration(o.ramp)
	case keySlowRate:
		number(o.slowRate)
	case keyK:
		number(o.k)
	case keyProbes:
		n, err := strconv.Atoi(arg.value)
		assert.NoError(t, err)
		assert.Equal(t, n, o.probes)
	case keyMode:
		assert.Equal(t, arg.value, o.mode.String())
	}
}

// checkValidates checks that the options pass runtime.Options validation,
// and storage.Policy validation over the built-in defaults, as the runtime
// resolves them.
func checkValidates(t *testing.T, o circuitOpts) {
	t.Helper()
	ropts := runtime.Options{CoolDown: o.coolDown, EvaluationWindow: o.window, RateThreshold: o.rate, SampleThreshold: o.samples,
		SlowCall: o.slow, SlowRate: o.slowRate, CoolDownMax: o.coolDownMax, Ramp: o.ramp, HalfOpenProbes: o.probes, Mode: o.mode, K: o.k}
	assert.NoError(t, ropts.Validate())
	p := storage.Policy{CoolDown: 5 * time.Minute, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 3,
		SlowCall: o.slow, SlowRate: o.slowRate, CoolDownMax: o.coolDownMax, Ramp: o.ramp, HalfOpenProbes: o.probes, Mode: o.mode, K: o.k}
	if o.set&bitCoolDown != 0 {
		p.CoolDown = o.coolDown
	}
	if o.set&bitWindow != 0 {
		p.EvaluationWindow = o.window
	}
	if o.set&bitRate != 0 {
		p.RateThreshold = o.rate
	}
	if o.set&bitSamples != 0 {
		p.SampleThreshold = o.samples
	}
	if p.SlowCall != 0 && p.SlowRate == 0 { // the runtime's defaults of the policies
		p.SlowRate = p.RateThreshold
	}
	if p.Mode == storage.ModeAdaptive && p.K == 0 {
		p.K = 2 // the runtime's default K in adaptive mode
	}
	assert.NoError(t, p.Validate(), "the options over the built-in defaults, as the runtime resolves them")
}

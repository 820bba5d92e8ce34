package gen

import (
	"go/token"
	"go/types"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// namer hands out identifiers that differ from every name it was told to
// avoid and from every name it handed out before.
type namer struct {
	taken map[string]bool
}

// newNamer returns a namer that avoids the given sets of names.
func newNamer(avoid ...map[string]bool) *namer {
	n := &namer{taken: map[string]bool{}}
	for _, set := range avoid {
		for name := range set {
			n.taken[name] = true
		}
	}
	return n
}

// name returns want if it is free and usable, else want with the smallest
// numeric suffix that is, and marks the result as taken.
func (n *namer) name(want string) string {
	if !token.IsIdentifier(want) || want == "_" {
		want = "v"
	}
	got := want
	for i := 1; n.taken[got]; i++ {
		got = want + strconv.Itoa(i)
	}
	n.taken[got] = true
	return got
}

// universeNames are the predeclared identifiers (error, len, nil, any...): a
// generated local or parameter never takes one, so generated code may use them.
var universeNames = func() map[string]bool {
	m := map[string]bool{}
	for _, name := range types.Universe.Names() {
		m[name] = true
	}
	return m
}()

// scopeNames returns the names declared in a scope.
func scopeNames(s *types.Scope) map[string]bool {
	m := map[string]bool{}
	for _, name := range s.Names() {
		m[name] = true
	}
	return m
}

// importNames assigns an import name to every package the generated file
// refers to: the package's own name when it is free, else that name with a
// numeric suffix. Names never collide with each other nor with avoid (the
// output package's declarations, which share the file's scope). Standard
// library packages choose first, so that time stays time.
func importNames(pkgs []*types.Package, avoid map[string]bool) map[string]string {
	slices.SortFunc(pkgs, func(a, b *types.Package) int {
		if sa, sb := isStd(a.Path()), isStd(b.Path()); sa != sb {
			if sa {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Path(), b.Path())
	})
	n := newNamer(avoid, universeNames)
	out := map[string]string{}
	for _, p := range pkgs {
		if _, done := out[p.Path()]; done {
			continue
		}
		if p.Path() == "C" {
			out["C"] = "C"
			continue
		}
		out[p.Path()] = n.name(p.Name())
	}
	return out
}

// isStd reports whether an import path looks like the standard library's:
// no dot in its first element.
func isStd(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return !strings.Contains(first, ".")
}

// lastElem returns the last element of an import path, without a /vN suffix.
func lastElem(p string) string {
	base := path.Base(p)
	if len(base) > 1 && base[0] == 'v' && strings.Trim(base[1:], "0123456789") == "" {
		if dir := path.Dir(p); dir != "." {
			return path.Base(dir)
		}
	}
	return base
}

// lowerFirst returns s with its first letter in lower case.
func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[size:]
}

// upperFirst returns s with its first letter in upper case.
func upperFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}

// fieldName turns a circuit name such as "payments.charge" into a Go
// identifier such as "paymentsCharge".
func fieldName(circuit string) string {
	words := strings.FieldsFunc(circuit, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var b strings.Builder
	for i, w := range words {
		if i == 0 {
			b.WriteString(lowerFirst(w))
		} else {
			b.WriteString(upperFirst(w))
		}
	}
	s := b.String()
	if s == "" || !unicode.IsLetter([]rune(s)[0]) {
		s = "c" + s
	}
	if token.IsKeyword(s) {
		s += "Circuit"
	}
	return s
}

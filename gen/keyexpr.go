package gen

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"regexp"
	"strconv"
)

// keyKind is the type of a key expression's value.
type keyKind uint8

const (
	keyString   keyKind = iota // a string: Keyed.Circuit
	keySigned                  // a signed integer: Keyed.CircuitInt
	keyUnsigned                // an unsigned integer: Keyed.CircuitUint
)

// String names the kind for messages.
func (k keyKind) String() string {
	switch k {
	case keySigned:
		return "a signed integer"
	case keyUnsigned:
		return "an unsigned integer"
	}
	return "a string"
}

// keyModel is a checked key= expression of one method.
type keyModel struct {
	text   string   // as written
	expr   ast.Expr // parsed, with $N rewritten to _N
	info   *types.Info
	params map[types.Object]int // the method's parameters, by index
	kind   keyKind
	conv   string // the conversion the call needs ("string", "int64", "uint64"), or ""
}

// positional matches a positional parameter reference, $1 for the first.
var positional = regexp.MustCompile(`\$[0-9]+`)

// checkKey parses and type-checks a key expression over mm's parameters, as if
// written in file at pos: it must compile and yield a string or an integer.
// Problems are reported at their column in the directive; those of a key
// the method inherits from its interface are gathered into one error.
func (g *run) checkKey(t *target, mm *methodModel, text string, pos token.Pos, file *ast.File, inherited bool) *keyModel {
	params := mm.sig.Params()
	bad := func(off int, format string, args ...any) *keyModel {
		if inherited {
			g.misfit(pos, text, t, mm.fn.Name(), fmt.Sprintf(format, args...))
			return nil
		}
		g.probs.addf(pos+token.Pos(off), ErrKey, "key=%s: method %s: %s", text, mm.fn.Name(), fmt.Sprintf(format, args...))
		return nil
	}
	src := []byte(text)
	for _, loc := range positional.FindAllIndex(src, -1) {
		n, _ := strconv.Atoi(text[loc[0]+1 : loc[1]])
		if n < 1 || n > params.Len() {
			return bad(loc[0], "%s: the method has %d parameters ($1 is the first)", text[loc[0]:loc[1]], params.Len())
		}
		src[loc[0]] = '_' // same length, so columns stay
	}
	fset := token.NewFileSet()
	expr, err := parser.ParseExprFrom(fset, "", src, parser.SkipObjectResolution)
	if err != nil {
		var list scanner.ErrorList
		if errors.As(err, &list) && len(list) > 0 {
			return bad(list[0].Pos.Offset, "%s", list[0].Msg)
		}
		return bad(0, "%v", err)
	}
	if n, what := unsupportedNode(expr); n != nil {
		return bad(fset.Position(n.Pos()).Offset, "%s cannot be used in a key; call a function of the package instead", what)
	}
	km := &keyModel{text: text, expr: expr, params: map[types.Object]int{}}
	pkg := g.keyScope(t, mm, km, pos, len(text), file)
	km.info = &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{}}
	if err := types.CheckExpr(fset, pkg, pos, expr, km.info); err != nil {
		var te types.Error
		if errors.As(err, &te) {
			return bad(fset.Position(te.Pos).Offset, "%s", unPositional(te.Msg))
		}
		return bad(0, "%s", unPositional(err.Error()))
	}
	return g.keyType(km, bad)
}

// keyType classifies the type of a checked key expression.
func (g *run) keyType(km *keyModel, bad func(int, string, ...any) *keyModel) *keyModel {
	tv := km.info.Types[km.expr]
	if !tv.IsValue() {
		return bad(0, "%s is not a value", km.text)
	}
	typ := types.Default(tv.Type)
	basic, ok := typ.Underlying().(*types.Basic)
	switch {
	case ok && basic.Info()&types.IsString != 0:
		km.kind, km.conv = keyString, "string"
	case ok && basic.Info()&types.IsUnsigned != 0:
		km.kind, km.conv = keyUnsigned, "uint64"
	case ok && basic.Info()&types.IsInteger != 0:
		km.kind, km.conv = keySigned, "int64"
	default:
		return bad(0, "it has type %s; want a string or an integer (convert it, or call a function returning one)",
			types.TypeString(typ, g.qualifier))
	}
	if types.Identical(typ, types.Universe.Lookup(km.conv).Type()) {
		km.conv = ""
	}
	return km
}

// keyScope returns a package in which a key expression checks as if written
// in file at pos, in a function whose parameters are mm's: each named by its
// name (when it has one) and by its position, _1 for $1. The package is new,
// with the output package's objects, so that scopes made for one method never
// meet another method's.
func (g *run) keyScope(t *target, mm *methodModel, km *keyModel, pos token.Pos, n int, file *ast.File) *types.Package {
	pkg := types.NewPackage(g.out.Path(), g.out.Name())
	for _, name := range g.out.Scope().Names() {
		pkg.Scope().Insert(g.out.Scope().Lookup(name))
	}
	end := pos + token.Pos(n) + 1
	fileScope := types.NewScope(pkg.Scope(), pos, end, "key file")
	if file != nil {
		for _, spec := range file.Imports {
			if pn := g.res.importName(spec); pn != nil && pn.Name() != "_" && pn.Name() != "." {
				// The checker wants the package names of its own package.
				fileScope.Insert(types.NewPkgName(token.NoPos, pkg, pn.Name(), pn.Imported()))
			}
		}
	}
	paramScope := types.NewScope(fileScope, pos, end, "key parameters")
	if t.tparams != nil {
		for i := range t.tparams.Len() {
			paramScope.Insert(t.tparams.At(i).Obj())
		}
	}
	params := mm.sig.Params()
	for i := range params.Len() {
		p := params.At(i)
		names := []string{"_" + strconv.Itoa(i+1)}
		if p.Name() != "" && p.Name() != "_" {
			names = append(names, p.Name())
		}
		for _, name := range names {
			v := types.NewParam(token.NoPos, pkg, name, p.Type())
			paramScope.Insert(v)
			km.params[v] = i
		}
	}
	return pkg
}

// unPositional writes _N back as $N in a message.
func unPositional(msg string) string {
	return regexp.MustCompile(`\b_([0-9]+)\b`).ReplaceAllString(msg, "$$$1")
}

// unsupportedNode returns the first node of a key expression that the
// generator does not render, and what it is.
func unsupportedNode(expr ast.Expr) (ast.Node, string) {
	var found ast.Node
	var what string
	ast.Inspect(expr, func(n ast.Node) bool {
		if found != nil || n == nil {
			return false
		}
		switch n := n.(type) {
		case *ast.Ident, *ast.BasicLit, *ast.SelectorExpr, *ast.CallExpr, *ast.IndexExpr,
			*ast.IndexListExpr, *ast.SliceExpr, *ast.ParenExpr, *ast.StarExpr, *ast.BinaryExpr:
			return true
		case *ast.UnaryExpr:
			if n.Op != token.ARROW {
				return true
			}
			found, what = n, "a channel receive"
		case *ast.FuncLit:
			found, what = n, "a function literal"
		case *ast.CompositeLit:
			found, what = n, "a composite literal"
		case *ast.TypeAssertExpr:
			found, what = n, "a type assertion"
		default:
			found, what = n, fmt.Sprintf("%T", n)
		}
		return false
	})
	return found, what
}

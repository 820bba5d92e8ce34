package gen

import (
	"go/ast"
	"go/types"

	"github.com/dave/jennifer/jen"
)

// keyMethod is the breakerimpl.Keyed method that looks up a key of km's kind.
func (e *emitter) keyMethod(km *keyModel) string {
	switch km.kind {
	case keySigned:
		return "CircuitInt"
	case keyUnsigned:
		return "CircuitUint"
	}
	return "Circuit"
}

// keyExpr renders a key expression for a method whose parameters are named
// params, converted to the type its lookup takes.
func (e *emitter) keyExpr(km *keyModel, params []string) jen.Code {
	code := e.expr(km, km.expr, params)
	if km.conv != "" {
		return jen.Id(km.conv).Call(code)
	}
	return code
}

// expr renders a node of a checked key expression: parameters by their
// names in the generated method, package references through the file's
// imports, everything else as written.
func (e *emitter) expr(km *keyModel, n ast.Expr, params []string) *jen.Statement {
	switch n := n.(type) {
	case *ast.Ident:
		if i, ok := km.params[km.info.Uses[n]]; ok {
			return jen.Id(params[i])
		}
		return jen.Id(n.Name)
	case *ast.SelectorExpr:
		if id, ok := n.X.(*ast.Ident); ok {
			if pn, ok := km.info.Uses[id].(*types.PkgName); ok {
				return e.w.qual(pn.Imported().Path(), n.Sel.Name)
			}
		}
		return e.expr(km, n.X, params).Dot(n.Sel.Name)
	case *ast.CallExpr:
		args := make([]jen.Code, len(n.Args))
		for i, a := range n.Args {
			args[i] = e.expr(km, a, params)
		}
		if n.Ellipsis.IsValid() && len(args) > 0 {
			args[len(args)-1] = jen.Add(args[len(args)-1]).Op("...")
		}
		return e.expr(km, n.Fun, params).Call(args...)
	case *ast.IndexExpr:
		return e.expr(km, n.X, params).Index(e.expr(km, n.Index, params))
	case *ast.IndexListExpr:
		items := make([]jen.Code, len(n.Indices))
		for i, x := range n.Indices {
			items[i] = e.expr(km, x, params)
		}
		return e.expr(km, n.X, params).Types(items...)
	case *ast.SliceExpr:
		return e.expr(km, n.X, params).Index(e.sliceBounds(km, n, params)...)
	case *ast.BasicLit:
		return jen.Op(n.Value)
	case *ast.ParenExpr:
		return jen.Parens(e.expr(km, n.X, params))
	case *ast.StarExpr:
		return jen.Op("*").Add(e.expr(km, n.X, params))
	case *ast.UnaryExpr:
		return jen.Op(n.Op.String()).Add(e.expr(km, n.X, params))
	case *ast.BinaryExpr:
		return e.expr(km, n.X, params).Op(n.Op.String()).Add(e.expr(km, n.Y, params))
	}
	panic("breakergen: internal error: unchecked key expression node") // unsupportedNode rejects the others
}

// sliceBounds renders the bounds of a slice expression, lo and hi (and max),
// for Index to join with colons.
func (e *emitter) sliceBounds(km *keyModel, n *ast.SliceExpr, params []string) []jen.Code {
	bound := func(x ast.Expr) jen.Code {
		if x == nil {
			return jen.Empty()
		}
		return e.expr(km, x, params)
	}
	out := []jen.Code{bound(n.Low), bound(n.High)} // Index separates items with colons
	if n.Slice3 {
		out = append(out, bound(n.Max))
	}
	return out
}

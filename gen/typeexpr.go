package gen

import (
	"fmt"
	"go/types"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"
)

// typeWriter renders go/types types as jennifer code for the output package.
// Package references go through qual, which records the imports used.
type typeWriter struct {
	out  *types.Package
	used map[string]bool // import paths referenced
	err  error           // first unsupported type met
}

// qual refers to name in the package at path.
func (w *typeWriter) qual(path, name string) *jen.Statement {
	if path != w.out.Path() {
		w.used[path] = true
	}
	return jen.Qual(path, name)
}

// typ renders t.
func (w *typeWriter) typ(t types.Type) *jen.Statement {
	switch t := t.(type) {
	case *types.Basic:
		if t.Kind() == types.UnsafePointer {
			return w.qual("unsafe", "Pointer")
		}
		return jen.Id(t.Name())
	case *types.Alias:
		obj := t.Obj()
		if obj.Pkg() == nil {
			return jen.Id(obj.Name()) // any
		}
		if msg := objNameableIn(obj, w.out); msg != "" {
			return w.typ(types.Unalias(t))
		}
		return w.named(obj, t.TypeArgs())
	case *types.Named:
		return w.named(t.Obj(), t.TypeArgs())
	case *types.TypeParam:
		return jen.Id(t.Obj().Name())
	case *types.Pointer:
		return jen.Op("*").Add(w.typ(t.Elem()))
	case *types.Slice:
		return jen.Index().Add(w.typ(t.Elem()))
	case *types.Array:
		return jen.Index(jen.Lit(int(t.Len()))).Add(w.typ(t.Elem()))
	case *types.Map:
		return jen.Map(w.typ(t.Key())).Add(w.typ(t.Elem()))
	case *types.Chan:
		elem := w.typ(t.Elem())
		switch t.Dir() {
		case types.SendOnly:
			return jen.Chan().Op("<-").Add(elem)
		case types.RecvOnly:
			return jen.Op("<-").Chan().Add(elem)
		default:
			// chan (<-chan T) needs parentheses: chan <-chan T reads as chan<- (chan T).
			if inner, ok := t.Elem().Underlying().(*types.Chan); ok && inner.Dir() == types.RecvOnly && isLiteralChan(t.Elem()) {
				return jen.Chan().Parens(elem)
			}
			return jen.Chan().Add(elem)
		}
	case *types.Signature:
		return jen.Func().Add(w.signature(t))
	case *types.Struct:
		fields := make([]jen.Code, t.NumFields())
		for i := range t.NumFields() {
			f := t.Field(i)
			var field *jen.Statement
			if f.Embedded() {
				field = w.typ(f.Type())
			} else {
				field = jen.Id(f.Name()).Add(w.typ(f.Type()))
			}
			if tag := t.Tag(i); tag != "" {
				field.Op(rawString(tag))
			}
			fields[i] = field
		}
		return jen.Struct(fields...)
	case *types.Interface:
		if t.IsImplicit() && t.NumEmbeddeds() == 1 {
			return w.typ(t.EmbeddedType(0))
		}
		var items []jen.Code
		for i := range t.NumEmbeddeds() {
			items = append(items, w.typ(t.EmbeddedType(i)))
		}
		for i := range t.NumExplicitMethods() {
			m := t.ExplicitMethod(i)
			items = append(items, jen.Id(m.Name()).Add(w.signature(m.Type().(*types.Signature))))
		}
		return jen.Interface(items...)
	case *types.Union:
		var terms []jen.Code
		for i := range t.Len() {
			term := t.Term(i)
			s := jen.Null()
			if term.Tilde() {
				s = jen.Op("~")
			}
			if i > 0 {
				terms = append(terms, jen.Op("|"))
			}
			terms = append(terms, s.Add(w.typ(term.Type())))
		}
		return jen.Add(terms...)
	}
	if w.err == nil {
		w.err = fmt.Errorf("%w: type %s", ErrUnnameable, t)
	}
	return jen.Id("invalid")
}

// isLiteralChan reports whether t is written as a channel type literal.
func isLiteralChan(t types.Type) bool {
	_, ok := t.(*types.Chan)
	return ok
}

// named renders a reference to a named type or alias, with type arguments.
func (w *typeWriter) named(obj *types.TypeName, targs *types.TypeList) *jen.Statement {
	var s *jen.Statement
	switch {
	case obj.Pkg() == nil:
		s = jen.Id(obj.Name())
	case obj.Pkg() == w.out && cgoTypes[obj.Name()] != "":
		s = w.qual("C", cgoTypes[obj.Name()])
	default:
		s = w.qual(obj.Pkg().Path(), obj.Name())
	}
	if targs.Len() > 0 {
		args := make([]jen.Code, targs.Len())
		for i := range targs.Len() {
			args[i] = w.typ(targs.At(i))
		}
		s.Types(args...)
	}
	return s
}

// signature renders the parameter and result lists of a function type,
// without names.
func (w *typeWriter) signature(sig *types.Signature) *jen.Statement {
	params := make([]jen.Code, sig.Params().Len())
	for i := range sig.Params().Len() {
		params[i] = w.param(sig, i)
	}
	s := jen.Params(params...)
	return s.Add(w.results(sig.Results()))
}

// param renders the type of parameter i, with ... when it is variadic.
func (w *typeWriter) param(sig *types.Signature, i int) *jen.Statement {
	t := sig.Params().At(i).Type()
	if sig.Variadic() && i == sig.Params().Len()-1 {
		return jen.Op("...").Add(w.typ(t.(*types.Slice).Elem()))
	}
	return w.typ(t)
}

// results renders a result list without names: nothing, one type, or a
// parenthesized list.
func (w *typeWriter) results(res *types.Tuple) *jen.Statement {
	switch res.Len() {
	case 0:
		return jen.Null()
	case 1:
		return w.typ(res.At(0).Type())
	}
	list := make([]jen.Code, res.Len())
	for i := range res.Len() {
		list[i] = w.typ(res.At(i).Type())
	}
	return jen.Parens(jen.List(list...))
}

// rawString quotes a struct tag, preferring a raw string literal.
func rawString(s string) string {
	if !strings.ContainsAny(s, "`\r") {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

// objNameableIn reports, like run.objNameable, whether out can name obj.
func objNameableIn(obj *types.TypeName, out *types.Package) string {
	r := &run{out: out}
	return r.objNameable(obj)
}

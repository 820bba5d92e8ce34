package gen

import (
	"fmt"
	"go/types"
	"strings"
)

// cgoTypes maps the names cgo gives the standard C numeric types to the names
// a file importing "C" uses for them. Other cgo types need the package's C
// preamble and cannot be named from a generated file.
var cgoTypes = map[string]string{
	"_Ctype_char": "char", "_Ctype_schar": "schar", "_Ctype_uchar": "uchar",
	"_Ctype_short": "short", "_Ctype_ushort": "ushort",
	"_Ctype_int": "int", "_Ctype_uint": "uint",
	"_Ctype_long": "long", "_Ctype_ulong": "ulong",
	"_Ctype_longlong": "longlong", "_Ctype_ulonglong": "ulonglong",
	"_Ctype_float": "float", "_Ctype_double": "double",
	"_Ctype_complexfloat": "complexfloat", "_Ctype_complexdouble": "complexdouble",
}

// unnameable returns why t cannot be written in the output package, or "".
func (g *run) unnameable(t types.Type) string {
	seen := map[types.Type]bool{}
	var walk func(t types.Type) string
	walkTuple := func(tup *types.Tuple) string {
		for i := range tup.Len() {
			if msg := walk(tup.At(i).Type()); msg != "" {
				return msg
			}
		}
		return ""
	}
	walk = func(t types.Type) string {
		if seen[t] {
			return ""
		}
		seen[t] = true
		switch t := t.(type) {
		case *types.Basic:
			if t.Kind() == types.Invalid {
				return g.invalidType()
			}
			return ""
		case *types.TypeParam:
			return ""
		case *types.Alias:
			if g.objNameable(t.Obj()) == "" {
				return walkTypeList(t.TypeArgs(), walk)
			}
			return walk(types.Unalias(t))
		case *types.Named:
			if msg := g.objNameable(t.Obj()); msg != "" {
				return msg
			}
			return walkTypeList(t.TypeArgs(), walk)
		case *types.Pointer:
			return walk(t.Elem())
		case *types.Slice:
			return walk(t.Elem())
		case *types.Array:
			return walk(t.Elem())
		case *types.Chan:
			return walk(t.Elem())
		case *types.Map:
			if msg := walk(t.Key()); msg != "" {
				return msg
			}
			return walk(t.Elem())
		case *types.Signature:
			if msg := walkTuple(t.Params()); msg != "" {
				return msg
			}
			return walkTuple(t.Results())
		case *types.Struct:
			for i := range t.NumFields() {
				f := t.Field(i)
				if !f.Exported() && f.Pkg() != g.out {
					return fmt.Sprintf("struct field %s is unexported in package %s", f.Name(), f.Pkg().Path())
				}
				if msg := walk(f.Type()); msg != "" {
					return msg
				}
			}
		case *types.Interface:
			for i := range t.NumExplicitMethods() {
				m := t.ExplicitMethod(i)
				if !m.Exported() && m.Pkg() != g.out {
					return fmt.Sprintf("interface method %s is unexported in package %s", m.Name(), m.Pkg().Path())
				}
				if msg := walk(m.Type()); msg != "" {
					return msg
				}
			}
			for i := range t.NumEmbeddeds() {
				if msg := walk(t.EmbeddedType(i)); msg != "" {
					return msg
				}
			}
		case *types.Union:
			for i := range t.Len() {
				if msg := walk(t.Term(i).Type()); msg != "" {
					return msg
				}
			}
		case *types.Tuple:
			return walkTuple(t)
		default:
			return fmt.Sprintf("type %s is not supported", t)
		}
		return ""
	}
	return walk(t)
}

// walkTypeList walks each type of a list.
func walkTypeList(l *types.TypeList, walk func(types.Type) string) string {
	for i := range l.Len() {
		if msg := walk(l.At(i)); msg != "" {
			return msg
		}
	}
	return ""
}

// objNameable returns why the output package cannot refer to a type name, or "".
func (g *run) objNameable(obj *types.TypeName) string {
	p := obj.Pkg()
	if p == nil {
		return "" // error, comparable, any
	}
	if obj.Parent() != nil && obj.Parent() != p.Scope() {
		return fmt.Sprintf("type %s is declared inside a function", obj.Name())
	}
	if p == g.out {
		if strings.HasPrefix(obj.Name(), "_Ctype_") && cgoTypes[obj.Name()] == "" {
			return fmt.Sprintf("cgo type C.%s needs the C preamble; only the standard C numeric types can be named from a generated file",
				strings.TrimPrefix(obj.Name(), "_Ctype_"))
		}
		return ""
	}
	if !obj.Exported() {
		return fmt.Sprintf("type %s.%s is unexported", p.Path(), obj.Name())
	}
	if why := importable(p, g.out.Path()); why != "" {
		return fmt.Sprintf("type %s.%s: %s", p.Path(), obj.Name(), why)
	}
	return ""
}

// importable returns why the package at path from cannot import p, or "".
func importable(p *types.Package, from string) string {
	path := p.Path()
	if p.Name() == "main" {
		return "package main cannot be imported"
	}
	if strings.HasPrefix(path, "vendor/") || strings.Contains(path, "/vendor/") {
		return "a vendored standard-library package cannot be imported"
	}
	parent, internal := "", false
	switch {
	case path == "internal" || strings.HasPrefix(path, "internal/"):
		parent, internal = "", true
	case strings.HasSuffix(path, "/internal"):
		parent, internal = strings.TrimSuffix(path, "/internal"), true
	case strings.Contains(path, "/internal/"):
		parent, internal = path[:strings.LastIndex(path, "/internal/")], true
	}
	if internal {
		if parent == "" {
			return "an internal package of the standard library cannot be imported from " + from
		}
		if from != parent && !strings.HasPrefix(from, parent+"/") {
			return fmt.Sprintf("internal package %s cannot be imported from %s", path, from)
		}
	}
	return ""
}

// invalidPrefix starts the explanation of an invalid type.
const invalidPrefix = "a type is invalid"

// invalidType explains an invalid type: the package has errors.
func (g *run) invalidType() string {
	if first := g.l.firstError(); first != "" {
		return invalidPrefix + " because the package has errors (first: " + first + ")"
	}
	return invalidPrefix
}

// unnameableKind is the sentinel error for a message of unnameable.
func unnameableKind(msg string) error {
	if strings.HasPrefix(msg, invalidPrefix) {
		return ErrLoad
	}
	return ErrUnnameable
}

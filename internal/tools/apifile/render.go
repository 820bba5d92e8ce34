package main

import (
	"fmt"
	"go/types"
	"sort"
	"strings"
)

// render returns the API file of p: a header, then one line per exported
// name, field and method, sorted, in a form close to the Go project's own
// api/ files. Parameter names are left out: renaming one changes no caller.
func render(p pkg) []byte {
	var lines []string
	scope := p.types.Scope()
	for _, name := range scope.Names() {
		obj := scope.Lookup(name)
		if obj.Exported() {
			lines = append(lines, describe(p.types, obj)...)
		}
	}
	sort.Strings(lines)
	var b strings.Builder
	fmt.Fprintf(&b, "# The exported API of %s, recorded by go generate ./internal/tools/apifile; do not edit.\n", p.path)
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// describe returns the lines of one package-level object.
func describe(pkg *types.Package, obj types.Object) []string {
	q := qualifier(pkg)
	switch o := obj.(type) {
	case *types.Const:
		return []string{fmt.Sprintf("const %s %s = %s", o.Name(), types.TypeString(o.Type(), q), o.Val().ExactString())}
	case *types.Var:
		return []string{fmt.Sprintf("var %s %s", o.Name(), types.TypeString(o.Type(), q))}
	case *types.Func:
		sig := o.Type().(*types.Signature)
		return []string{fmt.Sprintf("func %s%s%s", o.Name(), typeParams(sig.TypeParams(), q), signature(sig, q))}
	case *types.TypeName:
		return describeType(o, q)
	}
	return nil
}

// qualifier names the types of other packages by package name, as Go code
// and the Go project's api/ files do.
func qualifier(pkg *types.Package) types.Qualifier {
	return func(p *types.Package) string {
		if p == pkg {
			return ""
		}
		return p.Name()
	}
}

// describeType returns the lines of a type: its kind, its exported fields or
// interface methods, and its exported methods.
func describeType(o *types.TypeName, q types.Qualifier) []string {
	if o.IsAlias() {
		return []string{fmt.Sprintf("type %s = %s", o.Name(), types.TypeString(types.Unalias(o.Type()), q))}
	}
	named := o.Type().(*types.Named)
	head := "type " + o.Name() + typeParams(named.TypeParams(), q)
	var out []string
	switch u := named.Underlying().(type) {
	case *types.Struct:
		out = append(out, head+" struct")
		for i := range u.NumFields() {
			if f := u.Field(i); f.Exported() {
				out = append(out, fieldLine(head, f, q))
			}
		}
	case *types.Interface:
		out = append(out, head+" interface")
		out = append(out, interfaceLines(head, u, q)...)
	default:
		out = append(out, head+" "+typeString(u, q))
	}
	recvName := o.Name()
	if tps := named.TypeParams(); tps.Len() > 0 {
		names := make([]string, tps.Len())
		for i := range tps.Len() {
			names[i] = tps.At(i).Obj().Name()
		}
		recvName += "[" + strings.Join(names, ", ") + "]"
	}
	for i := range named.NumMethods() {
		if m := named.Method(i); m.Exported() {
			recv := recvName
			if _, ptr := m.Type().(*types.Signature).Recv().Type().(*types.Pointer); ptr {
				recv = "*" + recv
			}
			out = append(out, fmt.Sprintf("method (%s) %s%s", recv, m.Name(), signature(m.Type().(*types.Signature), q)))
		}
	}
	return out
}

func fieldLine(head string, f *types.Var, q types.Qualifier) string {
	if f.Embedded() {
		return fmt.Sprintf("%s struct, embedded %s", head, typeString(f.Type(), q))
	}
	return fmt.Sprintf("%s struct, %s %s", head, f.Name(), typeString(f.Type(), q))
}

// interfaceLines lists an interface's methods, and says whether it has
// unexported ones (then only this package can implement it).
func interfaceLines(head string, u *types.Interface, q types.Qualifier) []string {
	var out []string
	unexported := false
	for i := range u.NumExplicitMethods() {
		m := u.ExplicitMethod(i)
		if !m.Exported() {
			unexported = true
			continue
		}
		out = append(out, fmt.Sprintf("%s interface, %s%s", head, m.Name(), signature(m.Type().(*types.Signature), q)))
	}
	for i := range u.NumEmbeddeds() {
		out = append(out, fmt.Sprintf("%s interface, embedded %s", head, typeString(u.EmbeddedType(i), q)))
	}
	if unexported {
		out = append(out, head+" interface, unexported methods")
	}
	return out
}

// typeParams writes a type parameter list, "[K comparable, V any]".
func typeParams(tps *types.TypeParamList, q types.Qualifier) string {
	if tps.Len() == 0 {
		return ""
	}
	parts := make([]string, tps.Len())
	for i := range tps.Len() {
		tp := tps.At(i)
		parts[i] = tp.Obj().Name() + " " + typeString(tp.Constraint(), q)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// signature writes a signature without parameter names: "(T, ...U) (V, error)".
func signature(sig *types.Signature, q types.Qualifier) string {
	return strings.TrimPrefix(typeString(sig, q), "func")
}

// typeString writes t with no parameter names in any function type.
func typeString(t types.Type, q types.Qualifier) string {
	return types.TypeString(unnamed(t), q)
}

// unnamed returns t with the parameter and result names of its function
// types removed, at any depth of the composite types that hold them.
func unnamed(t types.Type) types.Type {
	switch t := t.(type) {
	case *types.Signature:
		return types.NewSignatureType(nil, nil, nil, unnamedTuple(t.Params()), unnamedTuple(t.Results()), t.Variadic())
	case *types.Pointer:
		return types.NewPointer(unnamed(t.Elem()))
	case *types.Slice:
		return types.NewSlice(unnamed(t.Elem()))
	case *types.Map:
		return types.NewMap(unnamed(t.Key()), unnamed(t.Elem()))
	case *types.Chan:
		return types.NewChan(t.Dir(), unnamed(t.Elem()))
	}
	return t
}

func unnamedTuple(t *types.Tuple) *types.Tuple {
	vars := make([]*types.Var, t.Len())
	for i := range t.Len() {
		vars[i] = types.NewParam(0, nil, "", unnamed(t.At(i).Type()))
	}
	return types.NewTuple(vars...)
}

package gen

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// errorRef is an entry of exclude= or success=: a package-level error
// variable or constant (matched with errors.Is), or an error type, T or *T
// (matched with errors.As through runtime.ErrorAs).
type errorRef struct {
	obj     types.Object // *types.Var, *types.Const or *types.TypeName
	pointer bool         // *T
}

// isType reports whether r is an error type rather than a value.
func (r errorRef) isType() bool {
	_, ok := r.obj.(*types.TypeName)
	return ok
}

// typ returns the type an error type entry matches: T or *T.
func (r errorRef) typ() types.Type {
	if r.pointer {
		return types.NewPointer(r.obj.Type())
	}
	return r.obj.Type()
}

// String renders r as a directive writes it, qualified by package name.
func (r errorRef) String() string {
	s := r.obj.Pkg().Name() + "." + r.obj.Name()
	if r.pointer {
		s = "*" + s
	}
	return s
}

// errorRefs resolves the comma-separated entries of an exclude or success
// value.
func (r *resolver) errorRefs(arg directiveArg, file *ast.File) ([]errorRef, bool) {
	var out []errorRef
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
		ref, good := r.errorRef(name, pos, file)
		if !good {
			ok = false
			continue
		}
		if slices.Contains(out, ref) {
			r.probs.addf(pos, ErrValue, "%s: %s listed twice", arg.key, name)
			ok = false
			continue
		}
		out = append(out, ref)
	}
	return out, ok
}

// errorRef resolves one entry: ErrX, pkg.ErrX, a constant of an error type,
// or an error type T, *T, pkg.T or *pkg.T.
func (r *resolver) errorRef(name string, pos token.Pos, file *ast.File) (errorRef, bool) {
	text, pointer := strings.CutPrefix(name, "*")
	obj, ok := r.lookup(text, pos, file, ErrResolve)
	if !ok {
		return errorRef{}, false
	}
	errType := types.Universe.Lookup("error").Type()
	errIface := errType.Underlying().(*types.Interface)
	switch obj := obj.(type) {
	case *types.TypeName:
		return r.errorType(obj, name, pointer, pos, errIface)
	case *types.Var, *types.Const:
		if pointer {
			r.probs.addf(pos, ErrResolve, "%s: %s is a %s, not a type", name, text, objectKind(obj))
			return errorRef{}, false
		}
		if !types.AssignableTo(obj.Type(), errType) {
			r.probs.addf(pos, ErrResolve, "%s has type %s, which does not implement error", name, obj.Type())
			return errorRef{}, false
		}
		return errorRef{obj: obj}, true
	}
	r.probs.addf(pos, ErrResolve, "%s is a %s, not an error variable, constant or type", name, objectKind(obj))
	return errorRef{}, false
}

// errorType checks an error type entry.
func (r *resolver) errorType(obj *types.TypeName, name string, pointer bool, pos token.Pos, errIface *types.Interface) (errorRef, bool) {
	if named, ok := types.Unalias(obj.Type()).(*types.Named); ok && named.TypeParams().Len() > 0 {
		r.probs.addf(pos, ErrResolve, "%s is generic; only non-generic error types can be matched", name)
		return errorRef{}, false
	}
	ref := errorRef{obj: obj, pointer: pointer}
	if _, isIface := obj.Type().Underlying().(*types.Interface); isIface && pointer {
		r.probs.addf(pos, ErrResolve, "%s: %s is an interface; list it without *", name, obj.Name())
		return errorRef{}, false
	}
	if types.Implements(ref.typ(), errIface) {
		return ref, true
	}
	if !pointer && types.Implements(types.NewPointer(obj.Type()), errIface) {
		r.probs.addf(pos, ErrResolve, "%s does not implement error but *%s does; write *%s", name, name, name)
		return errorRef{}, false
	}
	r.probs.addf(pos, ErrResolve, "%s does not implement error", name)
	return errorRef{}, false
}

// lookup resolves a name, X, pkg.X or "import/path".X, to a package-level
// object: X in the output package, pkg.X through the imports of the
// directive's file (or of the package), "import/path".X in the package of
// that path, which no file needs to import. Problems are reported as kind.
func (r *resolver) lookup(name string, pos token.Pos, file *ast.File, kind error) (types.Object, bool) {
	p, rest, ok := r.qualifier(name, pos, file, kind)
	if !ok {
		return nil, false
	}
	if p == nil {
		p = r.pkg
	}
	return r.member(p, name, rest, pos, kind)
}

// value resolves the name of a function value: F, pkg.F or
// "import/path".F, a function or a variable at package level; or V.M,
// pkg.V.M or "import/path".V.M, the method or field M of the package-level
// variable V, returned as sel. In V.M, V is a variable of the output package
// unless the directive's file imports a package named V.
func (r *resolver) value(name string, pos token.Pos, file *ast.File, kind error) (types.Object, string, bool) {
	parts := strings.Split(name, ".")
	if _, _, quoted := cutQuoted(name); !quoted && len(parts) == 2 && !r.fileImports(parts[0], file) {
		if v, ok := r.pkg.Scope().Lookup(parts[0]).(*types.Var); ok {
			return v, parts[1], true
		}
	}
	p, rest, ok := r.qualifier(name, pos, file, kind)
	if !ok {
		return nil, "", false
	}
	if p == nil {
		p = r.pkg
	}
	first, sel, _ := strings.Cut(rest, ".")
	obj, ok := r.member(p, name, first, pos, kind)
	return obj, sel, ok
}

// fileImports reports whether file imports a package under the name qual.
func (r *resolver) fileImports(qual string, file *ast.File) bool {
	if file == nil {
		return false
	}
	for _, spec := range file.Imports {
		if pn := r.importName(spec); pn != nil && pn.Name() == qual {
			return true
		}
	}
	return false
}

// qualifier resolves the package a name is qualified by, a quoted import
// path or a package name, and returns the rest of the name: nil and the
// whole name when it is unqualified.
func (r *resolver) qualifier(name string, pos token.Pos, file *ast.File, kind error) (*types.Package, string, bool) {
	if path, rest, quoted := cutQuoted(name); quoted {
		p, msg := r.quotedPackage(path)
		if p == nil {
			r.probs.addf(pos, kind, "cannot resolve %s: %s", name, msg)
			return nil, "", false
		}
		return p, rest, true
	}
	qual, rest, found := strings.Cut(name, ".")
	if !found {
		return nil, name, true
	}
	p, msg := r.importedPackage(qual, file)
	if p == nil {
		r.probs.addf(pos, kind, "cannot resolve %s: %s", name, msg)
		return nil, "", false
	}
	return p, rest, true
}

// member looks up sel, an exported identifier unless p is the output
// package, in the scope of p.
func (r *resolver) member(p *types.Package, name, sel string, pos token.Pos, kind error) (types.Object, bool) {
	if !token.IsIdentifier(sel) {
		r.probs.addf(pos, kind, "cannot resolve %q: not an identifier", name)
		return nil, false
	}
	if p != r.pkg && !token.IsExported(sel) {
		r.probs.addf(pos, kind, "cannot resolve %s: %s is unexported in package %s", name, sel, p.Path())
		return nil, false
	}
	obj := p.Scope().Lookup(sel)
	if obj == nil {
		where := "package " + p.Path()
		if p == r.pkg {
			where = "package " + p.Name()
		}
		r.probs.addf(pos, kind, "cannot resolve %s: no %s in %s", name, sel, where)
		return nil, false
	}
	return obj, true
}

// cutQuoted splits "import/path".rest into the path and rest.
func cutQuoted(name string) (path, rest string, ok bool) {
	if !strings.HasPrefix(name, `"`) {
		return "", "", false
	}
	end := strings.Index(name[1:], `"`)
	if end < 0 {
		return "", "", false
	}
	path, rest = name[1:end+1], name[end+2:]
	rest, ok = strings.CutPrefix(rest, ".")
	return path, rest, ok && path != ""
}

// quotedPackage finds the package of an import path a directive quotes: the
// output or -source package, one of the packages the load brought for
// directives, or one the output package imports.
func (r *resolver) quotedPackage(path string) (*types.Package, string) {
	switch {
	case path == r.pkg.Path():
		return r.pkg, ""
	case r.source != nil && path == r.source.Path():
		return r.source, ""
	case r.deps[path] != nil:
		return r.deps[path], ""
	case r.depErrs[path] != "":
		return nil, r.depErrs[path]
	}
	if p := findImport(r.pkg, path); p != nil && p.Complete() {
		return p, ""
	}
	return nil, "package " + path + " was not loaded"
}

// importedPackage finds the package a directive calls qual: an import of the
// directive's file by name, else an import of the package by name, else (for
// -source) the source package by name, else a package imported by path.
func (r *resolver) importedPackage(qual string, file *ast.File) (*types.Package, string) {
	if file != nil {
		for _, spec := range file.Imports {
			if pn := r.importName(spec); pn != nil && pn.Name() == qual {
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

// importName returns the package name an import declares in its file.
func (r *resolver) importName(spec *ast.ImportSpec) *types.PkgName {
	if spec.Name != nil {
		pn, _ := r.info.Defs[spec.Name].(*types.PkgName)
		return pn
	}
	pn, _ := r.info.Implicits[spec].(*types.PkgName)
	return pn
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

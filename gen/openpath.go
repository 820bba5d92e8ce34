package gen

import "go/types"

// commandConstructor returns the function NewT(ctx context.Context, args
// ...any) *T of T's package, as go-redis declares for its commands, or nil:
// a refused command made with it names its command in String().
func (g *run) commandConstructor(named *types.Named, ptr *types.Pointer) *types.Func {
	obj := named.Obj()
	if obj.Pkg() == nil || g.ctxType == nil || named.TypeArgs().Len() > 0 {
		return nil
	}
	fn, ok := obj.Pkg().Scope().Lookup("New" + obj.Name()).(*types.Func)
	if !ok || !fn.Exported() {
		return nil
	}
	sig := fn.Signature()
	if sig.TypeParams().Len() > 0 || !sig.Variadic() || sig.Params().Len() != 2 || sig.Results().Len() != 1 {
		return nil
	}
	args, _ := sig.Params().At(1).Type().(*types.Slice)
	if args == nil {
		return nil
	}
	empty, _ := args.Elem().Underlying().(*types.Interface)
	if !types.Identical(sig.Params().At(0).Type(), g.ctxType) || empty == nil || !empty.Empty() ||
		!types.Identical(sig.Results().At(0).Type(), ptr) {
		return nil
	}
	return fn
}

// openPath decides what mm returns while its circuit is open: the fallback's
// results; zero results and the open-circuit error when the final result is
// an error; else a final result made (new(T) or a zero T) to carry the error
// through its SetErr(error) method. A method that can do none of these is an
// error: it needs a fallback.
func (g *run) openPath(t *target, mm *methodModel) {
	if mm.fallback != nil {
		mm.open = openFallback
		return
	}
	results := mm.sig.Results()
	last := results.At(results.Len() - 1).Type()
	if types.Identical(last, g.errType) {
		mm.open = openError
		return
	}
	if ptr, ok := last.(*types.Pointer); ok {
		if named, ok := types.Unalias(ptr.Elem()).(*types.Named); ok && hasMethod(last, "SetErr", g.errType, nil) {
			mm.open, mm.newResult = openSetErr, true
			mm.cmdCtor = g.commandConstructor(named, ptr)
			return
		}
	} else if _, isIface := last.Underlying().(*types.Interface); !isIface && hasMethod(types.NewPointer(last), "SetErr", g.errType, nil) {
		mm.open = openSetErr
		return
	}
	pos := mm.fn.Pos()
	if !pos.IsValid() || mm.fn.Pkg() != g.out {
		pos = t.pos
	}
	g.probs.addf(pos, ErrJudge, "method %s: while its circuit is open it cannot return the open-circuit error: its last result %s is not error and has no SetErr(error) method that a new value could carry it with; give the method a fallback=, or leave it unprotected with skip=",
		mm.fn.Name(), types.TypeString(last, types.RelativeTo(g.out)))
}

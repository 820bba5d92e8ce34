package gen

import (
	"cmp"
	"errors"
	"fmt"
	"go/token"
	"slices"
	"strings"
)

// Sentinel errors. Every error Generate returns wraps one of them, so callers
// match the kind of problem with errors.Is; the position of a problem in the
// source is carried by *PosError.
var (
	// ErrUsage reports a bad combination of flags or a missing target.
	ErrUsage = errors.New("breakergen: usage")
	// ErrLoad reports that the package could not be loaded or type-checked.
	ErrLoad = errors.New("breakergen: cannot load package")
	// ErrTarget reports a target that does not exist or is not an interface.
	ErrTarget = errors.New("breakergen: bad target")
	// ErrDirective reports a malformed directive: an unknown verb or key, a
	// repeated key, a directive attached to nothing it can annotate.
	ErrDirective = errors.New("breakergen: bad directive")
	// ErrValue reports a directive value that does not parse or is out of range.
	ErrValue = errors.New("breakergen: bad directive value")
	// ErrResolve reports an exclude or success name that is not an error
	// variable, constant or type, or a function name that does not resolve.
	ErrResolve = errors.New("breakergen: cannot resolve error variable")
	// ErrFallback reports a fallback that is missing or has the wrong signature.
	ErrFallback = errors.New("breakergen: bad fallback")
	// ErrJudge reports a judge= that is missing, has the wrong signature, or a
	// method whose results cannot carry the open-circuit error without a
	// fallback.
	ErrJudge = errors.New("breakergen: bad judge")
	// ErrKey reports a key= expression that does not compile over the method's
	// parameters or does not yield a string or an integer.
	ErrKey = errors.New("breakergen: bad key")
	// ErrNothingToProtect reports an interface none of whose methods can be
	// protected: an empty decorator would only hide that.
	ErrNothingToProtect = errors.New("breakergen: nothing to protect")
	// ErrConflict reports two directives that give one circuit different options,
	// a generated name that is already declared, or two targets (of one run or
	// of two //go:generate lines) that would write one file or declare one name.
	ErrConflict = errors.New("breakergen: conflict")
	// ErrUnnameable reports a type or method that the output package cannot name
	// or implement, such as an unexported type of another package.
	ErrUnnameable = errors.New("breakergen: cannot be named from the output package")
	// ErrNoMethods reports an interface with an empty method set.
	ErrNoMethods = errors.New("breakergen: interface has no methods")
	// ErrWrite reports a failure to write an output file.
	ErrWrite = errors.New("breakergen: cannot write output")
)

// PosError is a problem at a position in the source. Its Error method gives
// "file:line:col: message", the form editors and go vet use. It wraps one of
// the sentinel errors of this package. A PosError is immutable and safe for
// concurrent use.
type PosError struct {
	// Pos is where the problem is; a zero Pos prints as "-".
	Pos token.Position
	// Msg describes the problem, without the position.
	Msg string
	// Kind is the sentinel error this problem is an instance of.
	Kind error
}

// Error returns "file:line:col: message", or "breakergen: message" when the
// problem has no position.
func (e *PosError) Error() string {
	if !e.Pos.IsValid() {
		return "breakergen: " + e.Msg
	}
	return fmt.Sprintf("%s: %s", e.Pos, e.Msg)
}

// Unwrap returns the sentinel error e is an instance of.
func (e *PosError) Unwrap() error { return e.Kind }

// ErrorList is every problem found in one run, in source order. It is what
// Generate returns when the input has one or more problems; its Error method
// gives one "file:line:col: message" per line. An ErrorList is not modified
// after it is returned and is then safe for concurrent use.
type ErrorList []*PosError

// Error returns the problems one per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the problems, so that errors.Is and errors.As look at each.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// maxErrors bounds how many problems one run reports.
const maxErrors = 20

// problems collects positioned errors during a run.
type problems struct {
	fset  *token.FileSet
	bases []string // file names are shown relative to the first that holds them
	list  ErrorList
}

// where renders pos as "file:line:col" for a message.
func (p *problems) where(pos token.Pos) string {
	return relPosition(p.fset.Position(pos), p.bases).String()
}

// addf records a problem of kind at pos.
func (p *problems) addf(pos token.Pos, kind error, format string, args ...any) {
	var position token.Position
	if p.fset != nil && pos.IsValid() {
		position = p.fset.Position(pos)
	}
	p.addPosition(position, kind, format, args...)
}

// addPosition records a problem of kind at an already resolved position,
// once: a directive of an interface or of a -source line is read for each
// method or target it applies to, and one cause gets one error.
func (p *problems) addPosition(pos token.Position, kind error, format string, args ...any) {
	if len(p.list) >= maxErrors {
		return
	}
	e := &PosError{Pos: pos, Msg: fmt.Sprintf(format, args...), Kind: kind}
	for _, old := range p.list {
		if old.Pos == e.Pos && old.Msg == e.Msg {
			return
		}
	}
	p.list = append(p.list, e)
}

// err returns the collected problems sorted by position, or nil.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	sortErrors(p.list)
	return p.list
}

// sortErrors orders problems by file, line and column, keeping the order of
// problems at the same position.
func sortErrors(l ErrorList) {
	slices.SortStableFunc(l, func(a, b *PosError) int {
		return cmp.Or(
			cmp.Compare(a.Pos.Filename, b.Pos.Filename),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
		)
	})
}

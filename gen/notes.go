package gen

import (
	"fmt"
	"go/token"
	"strconv"
	"strings"
)

// Note is a remark about the generated code that is not an error, such as a
// method left unprotected. Its String method gives "file:line:col: note: msg".
// A Note is a plain value, safe for concurrent use.
type Note struct {
	// Pos is where the note applies.
	Pos token.Position
	// Msg is the remark.
	Msg string
}

// String returns "file:line:col: note: msg".
func (n Note) String() string { return fmt.Sprintf("%s: note: %s", n.Pos, n.Msg) }

// namesPerReason bounds how many method names a summary note lists for one
// reason.
const namesPerReason = 4

// passNotes records the notes of one decorator: one line for the methods
// that pass through unprotected without the user asking (no result to judge,
// Close), and with Config.Verbose one line per unprotected method.
func (g *run) passNotes(m *ifaceModel) {
	var implicit []*methodModel
	for _, mm := range m.methods {
		if !mm.protected && mm.reason != "" && !mm.asked {
			implicit = append(implicit, mm)
		}
	}
	where := g.notePos(m.t, m.t.pos)
	name := g.ifaceName(m.t)
	switch len(implicit) {
	case 0:
	case 1:
		g.note(where, "%s: %s passes through unprotected (%s)", name, implicit[0].fn.Name(), implicit[0].reason)
	default:
		g.note(where, "%s: %d of %d methods pass through unprotected: %s",
			name, len(implicit), len(m.methods), unprotectedSummary(implicit))
	}
	if !g.cfg.Verbose {
		return
	}
	for _, mm := range m.methods {
		if !mm.protected && mm.reason != "" {
			g.note(g.notePos(m.t, mm.fn.Pos()), "%s.%s passes through unprotected (%s)", name, mm.fn.Name(), mm.reason)
		}
	}
}

// notePos returns where a note about t (at pos) is shown: pos when it is in
// the output package's files, else the //go:generate line.
func (g *run) notePos(t *target, pos token.Pos) token.Position {
	if pos.IsValid() && t.file != nil && t.obj.Pkg() == g.out {
		return g.l.fset.Position(pos)
	}
	if p := g.generateLinePos(); p.IsValid() {
		return p
	}
	return g.l.fset.Position(t.pos)
}

// unprotectedSummary describes unprotected methods grouped by reason, a few
// names per reason: "Pipeline, TxPipeline (no final error result, ...)".
func unprotectedSummary(methods []*methodModel) string {
	var reasons []string
	byReason := map[string][]string{}
	for _, mm := range methods {
		if mm.protected || mm.reason == "" {
			continue
		}
		if _, seen := byReason[mm.reason]; !seen {
			reasons = append(reasons, mm.reason)
		}
		byReason[mm.reason] = append(byReason[mm.reason], mm.fn.Name())
	}
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		names := byReason[r]
		list := strings.Join(names[:min(len(names), namesPerReason)], ", ")
		if extra := len(names) - namesPerReason; extra > 0 {
			list += " and " + strconv.Itoa(extra) + " more (-v lists them)"
		}
		parts[i] = list + " (" + r + ")"
	}
	return strings.Join(parts, "; ")
}

// note records a note for the user.
func (g *run) note(pos token.Position, format string, args ...any) {
	g.notes = append(g.notes, Note{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

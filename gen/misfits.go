package gen

import (
	"go/token"
	"go/types"
	"slices"
	"strconv"
	"strings"
)

// misfitsShown bounds how many methods the error of an interface's key=
// names.
const misfitsShown = 4

// misfit gathers the methods that an interface's key= does not fit: one
// error names them all, at the key, rather than one error per method at one
// position.
type misfit struct {
	text    string
	iface   string
	total   int // methods of the interface
	methods []string
}

// misfit records that the key text of t's directive, at pos, does not fit
// method, and why.
func (g *run) misfit(pos token.Pos, text string, t *target, method, reason string) {
	m := g.misfits[pos]
	if m == nil {
		m = &misfit{text: text, iface: g.ifaceName(t), total: t.iface.NumMethods()}
		g.misfits[pos] = m
	}
	entry := method + " (" + reason + ")"
	if !slices.Contains(m.methods, entry) {
		m.methods = append(m.methods, entry)
	}
}

// reportMisfits reports one error per interface key= that some methods do
// not fit.
func (g *run) reportMisfits() {
	for pos, m := range g.misfits {
		shown := m.methods[:min(len(m.methods), misfitsShown)]
		list := strings.Join(shown, "; ")
		if extra := len(m.methods) - len(shown); extra > 0 {
			list += "; and " + strconv.Itoa(extra) + " more"
		}
		g.probs.addf(pos, ErrKey, "key=%s of %s does not fit %d of its %d methods: %s. An interface's key= applies to every method it protects: "+
			"give the key to the methods it fits instead (//breaker:method <Method> key=%s beside a -source line), or skip= the others",
			m.text, m.iface, len(m.methods), m.total, list, m.text)
	}
}

// qualifier writes package-level names of other packages in messages
// qualified by their package's name.
func (g *run) qualifier(p *types.Package) string {
	if p == g.out {
		return ""
	}
	return p.Name()
}

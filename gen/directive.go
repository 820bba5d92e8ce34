package gen

import (
	"go/ast"
	"go/token"
	"strings"
)

// directivePrefix starts every directive comment.
const directivePrefix = "//breaker:"

// Directive verbs.
const (
	verbCircuit = "circuit"
	verbSkip    = "skip"
	// verbMethod is //breaker:circuit for one method, written where the
	// interface's own directives are: for methods an interface embeds, and
	// beside a -source //go:generate line.
	verbMethod = "method"
)

// Directive keys of //breaker:circuit.
const (
	keyName     = "name"
	keyCoolDown = "cooldown"
	keyWindow   = "window"
	keyRate     = "rate"
	keySamples  = "samples"
	keyExclude  = "exclude"
	keySuccess  = "success"
	keyFallback = "fallback"
	keyJudge    = "judge"
	keyKey      = "key"
	keyMaxKeys  = "maxkeys"
	keySkip     = "skip"

	keySlow        = "slow"
	keySlowRate    = "slowrate"
	keyCoolDownMax = "cooldownmax"
	keyRamp        = "ramp"
	keyProbes      = "probes"
	keyMode        = "mode"
	keyK           = "k"
)

// knownKeys lists the keys of //breaker:circuit in the order they are documented.
var knownKeys = []string{
	keyName, keyCoolDown, keyWindow, keyRate, keySamples, keyExclude, keySuccess,
	keySlow, keySlowRate, keyCoolDownMax, keyRamp, keyProbes, keyMode, keyK,
	keyFallback, keyJudge, keyKey, keyMaxKeys, keySkip,
}

// directive is one //breaker: comment line.
type directive struct {
	verb    string
	pos     token.Pos // of the comment's "//"
	verbPos token.Pos
	args    []directiveArg
	// method and methodPos are the method a //breaker:method line names.
	method    string
	methodPos token.Pos
}

// directiveArg is one key=value word of a directive.
type directiveArg struct {
	key, value       string
	keyPos, valuePos token.Pos
}

// isDirective reports whether a comment's text is a breakergen directive.
func isDirective(text string) bool { return strings.HasPrefix(text, directivePrefix) }

// hasDirective reports whether cg holds at least one directive.
func hasDirective(cg *ast.CommentGroup) bool {
	if cg == nil {
		return false
	}
	for _, c := range cg.List {
		if isDirective(c.Text) {
			return true
		}
	}
	return false
}

// parseDirectives returns the directives of the comment groups, in order,
// reporting malformed ones to probs.
func parseDirectives(probs *problems, groups ...*ast.CommentGroup) []directive {
	var out []directive
	for _, cg := range groups {
		if cg == nil {
			continue
		}
		for _, c := range cg.List {
			if !isDirective(c.Text) {
				continue
			}
			if d, ok := parseDirective(probs, c); ok {
				out = append(out, d)
			}
		}
	}
	return out
}

// parseDirective parses one directive comment.
func parseDirective(probs *problems, c *ast.Comment) (directive, bool) {
	text := c.Text
	d := directive{pos: c.Slash}
	rest := text[len(directivePrefix):]
	verbEnd := strings.IndexAny(rest, " \t")
	if verbEnd < 0 {
		verbEnd = len(rest)
	}
	d.verb = rest[:verbEnd]
	d.verbPos = c.Slash + token.Pos(len(directivePrefix))
	offset := len(directivePrefix) + verbEnd
	switch d.verb {
	case verbCircuit:
	case verbMethod:
		var ok bool
		if offset, ok = parseMethodName(probs, c, offset, &d); !ok {
			return d, false
		}
	case verbSkip:
		if extra := strings.TrimLeft(text[offset:], " \t"); extra != "" {
			probs.addf(c.Slash+token.Pos(len(text)-len(extra)), ErrDirective, "//breaker:skip takes no arguments")
			return d, false
		}
		return d, true
	default:
		probs.addf(d.verbPos, ErrDirective, "unknown directive %q (want //breaker:circuit, //breaker:method or //breaker:skip)", directivePrefix+d.verb)
		return d, false
	}
	return parseArgs(probs, c, offset, d)
}

// parseMethodName reads the method name that starts a //breaker:method line
// after offset, and returns the offset after it.
func parseMethodName(probs *problems, c *ast.Comment, offset int, d *directive) (int, bool) {
	text := c.Text
	start := offset
	for start < len(text) && (text[start] == ' ' || text[start] == '\t') {
		start++
	}
	end := start
	for end < len(text) && text[end] != ' ' && text[end] != '\t' {
		end++
	}
	name := text[start:end]
	if !token.IsIdentifier(name) {
		pos := c.Slash + token.Pos(start)
		if name == "" {
			pos = d.verbPos
		}
		probs.addf(pos, ErrDirective, "//breaker:method wants a method name first, then key=value options: //breaker:method Get key=$2")
		return end, false
	}
	d.method, d.methodPos = name, c.Slash+token.Pos(start)
	return end, true
}

// parseArgs parses the key=value words of a directive after offset.
func parseArgs(probs *problems, c *ast.Comment, offset int, d directive) (directive, bool) {
	text := c.Text
	ok := true
	for offset < len(text) {
		for offset < len(text) && (text[offset] == ' ' || text[offset] == '\t') {
			offset++
		}
		if offset >= len(text) {
			break
		}
		end := offset
		for end < len(text) && text[end] != ' ' && text[end] != '\t' {
			end++
		}
		word := text[offset:end]
		pos := c.Slash + token.Pos(offset)
		key, value, found := strings.Cut(word, "=")
		switch {
		case !found:
			probs.addf(pos, ErrDirective, "%q is not key=value", word)
			ok = false
		case key == "":
			probs.addf(pos, ErrDirective, "%q has no key", word)
			ok = false
		case value == "":
			probs.addf(pos, ErrValue, "%s has no value", key)
			ok = false
		default:
			d.args = append(d.args, directiveArg{
				key: key, value: value,
				keyPos: pos, valuePos: pos + token.Pos(len(key)+1),
			})
		}
		offset = end
	}
	return d, ok
}

// splitMethodDirectives separates the //breaker:method lines of an
// interface's directives from its own, grouping them by the method they name
// as //breaker:circuit directives of that method.
func splitMethodDirectives(dirs []directive) (own []directive, byMethod map[string][]directive) {
	for _, d := range dirs {
		if d.verb != verbMethod {
			own = append(own, d)
			continue
		}
		if byMethod == nil {
			byMethod = map[string][]directive{}
		}
		d.verb = verbCircuit
		byMethod[d.method] = append(byMethod[d.method], d)
	}
	return own, byMethod
}

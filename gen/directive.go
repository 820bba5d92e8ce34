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
)

// knownKeys lists the keys of //breaker:circuit in the order they are documented.
var knownKeys = []string{
	keyName, keyCoolDown, keyWindow, keyRate, keySamples, keyExclude, keySuccess,
	keyFallback, keyJudge, keyKey, keyMaxKeys, keySkip,
}

// directive is one //breaker: comment line.
type directive struct {
	verb    string
	pos     token.Pos // of the comment's "//"
	verbPos token.Pos
	args    []directiveArg
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
	switch d.verb {
	case verbCircuit, verbSkip:
	default:
		probs.addf(d.verbPos, ErrDirective, "unknown directive %q (want //breaker:circuit or //breaker:skip)", directivePrefix+d.verb)
		return d, false
	}
	offset := len(directivePrefix) + verbEnd
	if d.verb == verbSkip {
		if extra := strings.TrimLeft(text[offset:], " \t"); extra != "" {
			probs.addf(c.Slash+token.Pos(len(text)-len(extra)), ErrDirective, "//breaker:skip takes no arguments")
			return d, false
		}
		return d, true
	}
	ok := true
	for offset < len(text) {
		// skip blanks
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

package breakerctl

import (
	"net/url"
	"strings"
)

// minSecret is the shortest password that redaction replaces wherever it
// appears: a shorter one would mangle every message it happens to occur in,
// and no message of ours prints it.
const minSecret = 4

// redactor removes a Redis URL's credentials from messages.
type redactor struct {
	replacer *strings.Replacer
}

// newRedactor returns a redactor of the credentials in raw, which need not
// parse: the user information is found between the scheme and the last "@"
// of the authority.
func newRedactor(raw string) redactor {
	var pairs []string
	safe := "redis-url"
	if u, err := url.Parse(raw); err == nil {
		safe = u.Redacted()
	}
	pairs = append(pairs, raw, safe)
	if info := userinfo(raw); info != "" {
		pairs = append(pairs, info+"@", "xxxxx@")
		if _, pass, ok := strings.Cut(info, ":"); ok && len(pass) >= minSecret {
			pairs = append(pairs, pass, "xxxxx")
			if dec, err := url.PathUnescape(pass); err == nil && dec != pass && len(dec) >= minSecret {
				pairs = append(pairs, dec, "xxxxx")
			}
		}
	}
	return redactor{replacer: strings.NewReplacer(pairs...)}
}

// clean returns s without the credentials.
func (r redactor) clean(s string) string { return r.replacer.Replace(s) }

// userinfo returns the "user:password" part of a URL, raw, "" when none.
func userinfo(raw string) string {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		rest = raw
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		// A password may hold "/", "?" or "#" unescaped: look for the "@" after it.
		if at := strings.LastIndex(rest, "@"); at > i {
			return rest[:at]
		}
		rest = rest[:i]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return ""
	}
	return rest[:at]
}

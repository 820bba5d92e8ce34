package engine

import "strings"

// escaper writes the characters that would break a hash tag, and the escape
// character itself, as percent escapes. prefixEscaper also escapes ':', so the
// first ':' of a tag always ends the prefix: prefix "prod" with circuit
// "canary:payments" and prefix "prod:canary" with circuit "payments" get
// different keys.
var (
	escaper       = strings.NewReplacer("%", "%25", "{", "%7B", "}", "%7D")
	prefixEscaper = strings.NewReplacer("%", "%25", "{", "%7B", "}", "%7D", ":", "%3A")
	unescaper     = strings.NewReplacer("%25", "%", "%7B", "{", "%7D", "}")
	// globber escapes the characters SCAN's MATCH treats as patterns.
	globber = strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`, "]", `\]`)
)

// Key suffixes of a circuit's keys.
const (
	suffixState   = ":s"
	suffixBuckets = ":b"
	suffixLock    = ":l"
	suffixSeqs    = ":q" // the sequence of every process's last batches (exactly once)
	// suffixReporters and suffixVoters are the processes that reported
	// outcomes, and that voted to open, within the window.
	suffixReporters = ":r"
	suffixVoters    = ":v"
	// suffixReset is the tombstone a Reset leaves, so that processes that knew
	// an opening or a lock do not restore it. List and Clear leave it alone:
	// it is no circuit's state, and it expires by itself.
	suffixReset = ":z"
)

// keys returns the state, bucket, lock, sequence, reporter, voter and reset
// keys of the named circuit, in the order of the scripts' KEYS.
func (s *Engine) keys(name string) []string {
	tag := s.tagStart + escaper.Replace(name) + "}"
	return []string{tag + suffixState, tag + suffixBuckets, tag + suffixLock, tag + suffixSeqs,
		tag + suffixReporters, tag + suffixVoters, tag + suffixReset}
}

// channel returns the pub/sub channel where changes of the named circuit are
// announced: it carries the circuit's hash tag, so on a cluster it is a shard
// channel of the circuit's own slot.
func (s *Engine) channel(name string) string {
	return s.tagStart + escaper.Replace(name) + "}:c"
}

// matchPattern returns the SCAN pattern of every circuit key under the prefix.
func (s *Engine) matchPattern() string {
	return globber.Replace(s.tagStart) + "*}:[sblqrv]"
}

// nameOf returns the circuit name a key belongs to, if it is one of ours.
func (s *Engine) nameOf(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, s.tagStart)
	if !ok {
		return "", false
	}
	end := strings.IndexByte(rest, '}')
	if end < 0 {
		return "", false
	}
	switch rest[end+1:] {
	case suffixState, suffixBuckets, suffixLock, suffixSeqs, suffixReporters, suffixVoters:
	default:
		return "", false
	}
	return unescaper.Replace(rest[:end]), true
}

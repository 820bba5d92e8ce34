package engine

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzKeys names circuits of stores with arbitrary prefixes and names. For each
// (prefix, name): every key and the channel carry one hash tag, "{" before the
// first "}", with no brace inside, so Redis hashes them to one slot; the tag
// reads back, unescaped, as the prefix and the name; nameOf gives the name back
// for every key and rejects the channel; SCAN's pattern matches every key. For
// two pairs: they share no key or channel unless they are equal, and a store
// claims the keys of the other's prefix only when the prefixes are equal.
func FuzzKeys(f *testing.F) {
	for _, seed := range [][4]string{
		{"breakergen", "payments", "breakergen", "payments.charge"},
		{"prod", "canary:payments", "prod:canary", "payments"},
		{"p", "a}:s", "p", "a"},
		{"p{x}", "{y}", "p", "x}{y"},
		{"50%", "%7B", "50%25", "{"},
		{"a*b", "c?d[e]", `a\*b`, `c\?d\[e\]`},
		{"prefix", "", "prefix", "%"},
		{"é", "名前", "\xff", "\x00:}"},
		{"", "x", "p", "x"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	// No command is sent: New does not contact Redis, and key names are pure.
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	f.Cleanup(func() { _ = client.Close() })
	store := func(t *testing.T, prefix string) *Engine {
		s, err := strictEngine(client, prefix)
		if prefix == "" {
			assert.ErrorIs(t, err, ErrInvalid)
			return nil
		}
		require.NoError(t, err)
		return s
	}
	f.Fuzz(func(t *testing.T, prefix1, name1, prefix2, name2 string) {
		s1, s2 := store(t, prefix1), store(t, prefix2)
		if s1 == nil || s2 == nil {
			return
		}
		checkKeys(t, s1, prefix1, name1)
		checkKeys(t, s2, prefix2, name2)
		keys1, keys2 := s1.keys(name1), s2.keys(name2)
		same := prefix1 == prefix2 && name1 == name2
		for i := range keys1 {
			assert.Equal(t, same, keys1[i] == keys2[i], "(%q, %q) and (%q, %q) give %q and %q", prefix1, name1, prefix2, name2, keys1[i], keys2[i])
			name, ok := s2.nameOf(keys1[i])
			claims := prefix1 == prefix2 && !strings.HasSuffix(keys1[i], suffixReset) // a tombstone is no circuit's
			assert.Equal(t, claims, ok, "store %q claims %q", prefix2, keys1[i])
			if ok {
				assert.Equal(t, name1, name)
			}
		}
		assert.Equal(t, same, s1.channel(name1) == s2.channel(name2))
	})
}

// checkKeys checks the keys and channel of the circuit name of s, whose prefix
// is prefix.
func checkKeys(t *testing.T, s *Engine, prefix, name string) {
	t.Helper()
	keys := s.keys(name)
	channel := s.channel(name)
	suffixes := []string{suffixState, suffixBuckets, suffixLock, suffixSeqs, suffixReporters, suffixVoters, suffixReset}
	require.Len(t, keys, len(suffixes))
	tag, rest := hashTag(t, channel)
	assert.Equal(t, "}:c", rest, "channel %q", channel)
	for i, key := range keys {
		keyTag, rest := hashTag(t, key)
		assert.Equal(t, tag, keyTag, "key %q and channel %q in different slots", key, channel)
		assert.Equal(t, "}"+suffixes[i], rest, "key %q", key)
		if suffixes[i] == suffixReset { // a tombstone: no circuit's state, neither listed nor cleared
			_, ok := s.nameOf(key)
			assert.False(t, ok, "nameOf(%q) of the reset tombstone", key)
			assert.False(t, globMatch(s.matchPattern(), key), "pattern %q matches the tombstone %q", s.matchPattern(), key)
			continue
		}
		got, ok := s.nameOf(key)
		assert.True(t, ok, "nameOf(%q)", key)
		assert.Equal(t, name, got, "nameOf(%q)", key)
		assert.True(t, globMatch(s.matchPattern(), key), "pattern %q does not match %q", s.matchPattern(), key)
	}
	_, ok := s.nameOf(channel)
	assert.False(t, ok, "nameOf(%q) of the channel", channel)
	assert.False(t, globMatch(s.matchPattern(), channel), "pattern %q matches the channel %q", s.matchPattern(), channel)
	escPrefix, escName, found := strings.Cut(tag, ":")
	if assert.True(t, found, "tag %q has no ':'", tag) {
		p, err := url.PathUnescape(escPrefix)
		assert.NoError(t, err)
		assert.Equal(t, prefix, p, "the prefix of tag %q", tag)
		n, err := url.PathUnescape(escName)
		assert.NoError(t, err)
		assert.Equal(t, name, n, "the name of tag %q", tag)
	}
}

// hashTag returns the hash tag of key as Redis Cluster finds it (from the first
// "{" to the first "}" after it) and what follows it, from its "}". It fails
// unless key starts with a non-empty tag holding no "{".
func hashTag(t *testing.T, key string) (tag, rest string) {
	t.Helper()
	require.True(t, strings.HasPrefix(key, "{"), "key %q does not start with its tag", key)
	end := strings.IndexByte(key, '}')
	require.Greater(t, end, 1, "key %q has no tag", key)
	tag = key[1:end]
	assert.NotContains(t, tag, "{", "key %q", key)
	return tag, key[end:]
}

// globMatch reports whether s matches the pattern as Redis's SCAN MATCH does:
// "*" matches any bytes, "?" any one byte, "[...]" one byte of a set (with "^"
// for its complement, "a-z" ranges and "\" escapes), and "\" makes the next byte
// literal.
func globMatch(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for len(pattern) > 0 && pattern[0] == '*' {
				pattern = pattern[1:]
			}
			if pattern == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if globMatch(pattern, s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		case '[':
			if s == "" {
				return false
			}
			var ok bool
			if ok, pattern = matchSet(pattern[1:], s[0]); !ok {
				return false
			}
			s = s[1:]
		default:
			if pattern[0] == '\\' && len(pattern) >= 2 {
				pattern = pattern[1:]
			}
			if s == "" || s[0] != pattern[0] {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		}
	}
	return s == ""
}

// matchSet matches c against the set that starts pattern (after its "["), and
// returns the pattern after the set's "]".
func matchSet(pattern string, c byte) (bool, string) {
	negate := strings.HasPrefix(pattern, "^")
	if negate {
		pattern = pattern[1:]
	}
	match := false
	for len(pattern) > 0 && pattern[0] != ']' {
		switch {
		case pattern[0] == '\\' && len(pattern) >= 2:
			match = match || pattern[1] == c
			pattern = pattern[2:]
		case len(pattern) >= 3 && pattern[1] == '-':
			lo, hi := min(pattern[0], pattern[2]), max(pattern[0], pattern[2])
			match = match || (lo <= c && c <= hi)
			pattern = pattern[3:]
		default:
			match = match || pattern[0] == c
			pattern = pattern[1:]
		}
	}
	pattern = strings.TrimPrefix(pattern, "]")
	return match != negate, pattern
}

// TestGlobMatchAgreesWithRedis checks globMatch against a Redis server's KEYS,
// over the keys of stores with awkward prefixes and names, for their SCAN
// patterns and for patterns of every form globMatch knows.
func TestGlobMatchAgreesWithRedis(t *testing.T) {
	srv := redistest.Start(t)
	client := srv.Client(t, nil)
	ctx := context.Background()
	var all []string
	var patterns []string
	for _, prefix := range []string{"p", "p*", `p\`, "p[x]", "p?", "p:q", "p{}"} {
		s, err := strictEngine(client, prefix)
		require.NoError(t, err)
		patterns = append(patterns, s.matchPattern())
		for _, name := range []string{"a", "*", "a}:s", "[^]", `\`, "?"} {
			all = append(all, s.keys(name)...)
			all = append(all, s.channel(name))
		}
	}
	all = append(all, "plain", "{p:a}:x", "{p:a}:s:more", "a-c", "b", "]", "^x")
	for _, key := range all {
		require.NoError(t, client.Set(ctx, key, "1", 0).Err())
	}
	patterns = append(patterns, "*", "?", "[a-c]*", "[^a]*", "[c-a]", `\**`, `[\]]`, "{p:*}:[sblqrv]", "*:[^s]", "p?a*")
	for _, pattern := range patterns {
		want, err := client.Keys(ctx, pattern).Result()
		require.NoError(t, err)
		var got []string
		for _, key := range all {
			if globMatch(pattern, key) {
				got = append(got, key)
			}
		}
		slices.Sort(got)
		got = slices.Compact(got)
		assert.ElementsMatch(t, want, got, "pattern %q", pattern)
	}
}

// strictEngine returns the engine of a strict store of prefix on client, or
// the error redisstore.WithPrefix gives an empty prefix, which the fuzz seeds
// hold.
func strictEngine(client redis.UniversalClient, prefix string) (*Engine, error) {
	if prefix == "" {
		return nil, fmt.Errorf("%w: empty prefix", ErrInvalid)
	}
	return New(client, Config{Prefix: prefix, Strict: true, Acks: -1}, nil), nil
}

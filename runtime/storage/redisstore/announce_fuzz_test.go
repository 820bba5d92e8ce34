package redisstore

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/breakergen/breakergen/runtime/storage"
)

// FuzzParseAnnouncement parses arbitrary payloads as announcements of a
// circuit's new state. Nothing panics; a payload that is not five decimal
// integers is rejected; a parsed announcement holds a valid state and lock and
// no negative time, and written again as the scripts' announce writes it
// ("%d %d %d %d %d" of state, lock, opened, reserved, now), it parses to the
// same values.
func FuzzParseAnnouncement(f *testing.F) {
	for _, payload := range []string{
		fmt.Sprintf("0 0 0 0 %d", t0),
		fmt.Sprintf("1 0 %d 0 %d", t0, t0+1),
		fmt.Sprintf("1 1 %d %d %d", t0, t0+5, t0+9),
		"0 2 0 0 1",
		"1 0 9223372036854775807 0 9223372036854775807",
		" 0\t0 0 0 1\n",
		"+1 0 0 0 1",
		"2 0 0 0 1", "0 3 0 0 1", "0 0 -1 0 1", "0 0 0 0 -1",
		"0 0 9223372036854775808 0 1",
		"0 0 0 0", "0 0 0 0 0 0", "0 0 0x10 0 1", "a b c d e", "0 0 1e3 0 1", "",
	} {
		f.Add(payload)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		st, now, ok := parseAnnouncement(payload)
		if !ok {
			assert.Zero(t, st)
			assert.Zero(t, now)
			return
		}
		fields := strings.Fields(payload)
		if assert.Len(t, fields, 5, "accepted %q", payload) {
			for _, field := range fields {
				assert.Regexp(t, decimal, field, "accepted %q", payload)
			}
		}
		assert.LessOrEqual(t, st.State, storage.StateOpen)
		assert.True(t, st.Lock.Valid(), "lock %d", st.Lock)
		opened, reserved := micros(st.OpenedAt), micros(st.ReservedAt)
		assert.True(t, opened >= 0 && reserved >= 0 && now >= 0, "negative time in %q", payload)
		again := fmt.Sprintf("%d %d %d %d %d", st.State, st.Lock, opened, reserved, now)
		st2, now2, ok := parseAnnouncement(again)
		assert.True(t, ok, "%q, written again as %q, does not parse", payload, again)
		assert.Equal(t, st, st2, "%q, written again as %q", payload, again)
		assert.Equal(t, now, now2, "%q, written again as %q", payload, again)
	})
}

// decimal matches a field ParseInt reads in base 10.
var decimal = regexp.MustCompile(`^[+-]?[0-9]+$`)

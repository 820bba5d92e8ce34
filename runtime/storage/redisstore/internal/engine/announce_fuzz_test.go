package engine

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
// integers, and maybe a process id, a cool-down, a ramp's start and the
// reservations, is rejected; a parsed announcement holds a valid state and
// lock, no negative time, no cool-down beyond MaxCoolDown and no more
// reservations than MaxHalfOpenProbes, and written again as the scripts'
// announce writes it ("%d %d %d %d %d %s %d %d %d" of state, lock, opened,
// reserved, now, actor, cool-down µs, ramp start µs, reservations), it parses
// to the same values.
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
		fmt.Sprintf("1 0 %d 0 %d 3w5e11264sgsg", t0, t0), "0 0 0 0 1 ABC", "0 0 0 0 1 a b", "0 0 0 0 1 12345678901234",
		fmt.Sprintf("1 0 %d 0 %d 3w5e11264sgsg 120000000", t0, t0), "1 0 5 0 9 a -1", "1 0 5 0 9 a 86400000000000",
		"1 0 5 0 9 a 0 0", fmt.Sprintf("0 0 5 0 %d a 0 %d", t0, t0), "0 0 5 0 9 a 0 -1", "0 0 5 0 9 a 0 0 0",
		"1 0 5 5 9 a 60000000 0 3", "1 0 5 5 9 a 60000000 0 1001", "1 0 5 5 9 a 60000000 0 0 0",
	} {
		f.Add(payload)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		a, ok := parseAnnouncement(payload)
		if !ok {
			assert.Zero(t, a)
			return
		}
		st, now := a.st, a.at
		fields := strings.Fields(payload)
		if assert.True(t, len(fields) >= 5 && len(fields) <= 9, "accepted %q", payload) {
			for _, field := range fields[:5] {
				assert.Regexp(t, decimal, field, "accepted %q", payload)
			}
		}
		assert.LessOrEqual(t, st.State, storage.StateOpen)
		assert.True(t, st.Lock.Valid(), "lock %d", st.Lock)
		opened, reserved := micros(st.OpenedAt), micros(st.ReservedAt)
		assert.True(t, opened >= 0 && reserved >= 0 && now >= 0, "negative time in %q", payload)
		assert.True(t, st.CoolDown >= 0 && st.CoolDown <= storage.MaxCoolDown, "cool-down %v", st.CoolDown)
		assert.True(t, st.Probes >= 0 && st.Probes <= storage.MaxHalfOpenProbes, "reservations %d", st.Probes)
		again := fmt.Sprintf("%d %d %d %d %d", st.State, st.Lock, opened, reserved, now)
		if a.actor != "" {
			again += fmt.Sprintf(" %s %d %d %d", a.actor, st.CoolDown.Microseconds(), micros(st.ClosedAt), st.Probes)
		}
		a2, ok := parseAnnouncement(again)
		assert.True(t, ok, "%q, written again as %q, does not parse", payload, again)
		assert.Equal(t, a, a2, "%q, written again as %q", payload, again)
	})
}

// decimal matches a field ParseInt reads in base 10.
var decimal = regexp.MustCompile(`^[+-]?[0-9]+$`)

package engine

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/breakergen/breakergen/runtime/storage"
)

// t0 is a time in Unix microseconds.
const t0 = 1_700_000_000_000_000

// replySeeds are the seeds of FuzzDecodeReply: good and bad replies of Record,
// History and Inspect, and other shapes.
var replySeeds = []any{
	// Record and Status: {transition, state, lock, opened, reserved, failures,
	// samples, now, voters, reporters, present, cool, ramp, probes, passed}.
	ints64(0, 0, 0, 0, 0, 0, 0, t0, 0, 0, 0, 0, 0, 0, 0),
	ints64(1, 1, 0, t0, 0, 2, 3, t0, 1, 4, 1, 0, 0, 0, 0),
	ints64(3, 0, 2, t0, t0+5, 0, 1, t0+9, 0, 9, 3, 0, 0, 0, 0),
	ints64(4, 0, 0, 0, 0, 0, 0, t0, 0, 0, 0, 0, 0, 0, 0),
	ints64(0, 2, 0, 0, 0, 0, 0, t0, 0, 0, 0, 0, 0, 0, 0),
	ints64(0, 0, 3, 0, 0, 0, 0, t0, 0, 0, 0, 0, 0, 0, 0),
	ints64(0, 0, 0, 0, 0, 3, 2, t0, 0, 0, 0, 0, 0, 0, 0),
	ints64(0, 0, 0, -1, 0, 0, 0, t0, 0, 0, 0, 0, 0, 0, 0),
	ints64(0, 0, 0, 0, 0, 0, 0, t0, -1, 0, 0, 0, 0, 0, 0),
	ints64(0, 0, 0, 0, 0, 0, 0, t0, 0, -2, 0, 0, 0, 0, 0),
	ints64(0, 0, 0, 0, 0, 0, 0, t0, 0, 0, 4, 0, 0, 0, 0),
	ints64(0, 0, 0, 0, 0, 0, 0, t0, 0, 0, -1, 0, 0, 0, 0),
	ints64(0, 0, 0, 0, 0, 0, 0, t0, 0, 0),
	ints64(0, 0, 0, 0, 0, 0, 0, t0, 0, 0, 0),
	ints64(0, 0, 0, 0, 0, 0, 0, t0, 0, 0, 0, 0),
	ints64(3, 0, 0, t0, 0, 0, 0, t0, 0, 0, 1, 0, t0, 0, 0),
	ints64(0, 0, 0, t0, 0, 0, 0, t0, 0, 0, 1, 0, -1, 0, 0),
	ints64(2, 1, 0, t0, t0, 0, 0, t0, 0, 0, 1, 120_000_000, 0, 0, 0),
	ints64(0, 1, 0, t0, 0, 0, 0, t0, 0, 0, 1, -1, 0, 0, 0),
	ints64(0, 1, 0, t0, 0, 0, 0, t0, 0, 0, 1, 86_400_000_001, 0, 0, 0),
	[]any{int64(0), int64(0), int64(0), int64(0), int64(0), int64(0), int64(0), "1700000000000000", int64(0), int64(0), int64(0), int64(0), int64(0), int64(0), int64(0)},
	// History: {now, start, successes, failures, ...}.
	ints64(t0),
	ints64(t0, t0-6_000_000, 4, 1, t0-12_000_000, 0, 2),
	ints64(t0, t0, 1, 1, t0, 2, 2),
	ints64(t0, t0, 1),
	ints64(t0, t0, -1, 0),
	// Inspect: {now, state, lock, opened, reserved, cool-down µs, voters,
	// reporters, then width, buckets, failures, samples of each geometry}.
	ints64(t0, 0, 0, 0, 0, 0, 0, 0),
	ints64(t0, 1, 0, t0-1, 0, 60_000_000, 1, 3, 6_000_000, 10, 2, 3),
	ints64(t0, 1, 1, t0-1, t0, 86_400_000_000, 0, 0, 1, 1000, 0, 0, 86_400_000, 1000, 5, 5),
	ints64(t0, 0, 0, 0, 0, 99_999_999_999_999_999, 0, 0),
	ints64(t0, 0, 0, 0, 0, 0, -1, 0),
	ints64(t0, 0, 0, 0, 0, 0, 0, 0, 999_999_999_999, 9999, 0, 0),
	ints64(t0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0),
	ints64(t0, 0, 0, 0, 0, 0, 0, 0, 6_000_000, 10, 1),
	// Report, per circuit: 0, {kind, state, lock, opened, reserved, failures,
	// samples, now, voters, reporters} or {-1, error}.
	ints64(0, 0, 0, 0, 0, -1, -1, t0, -1, -1),
	ints64(1, 0, 0, 0, 0, 3, 7, t0, 2, 3),
	ints64(0, 1, 2, t0, 0, -1, 4, t0, 0, -1),
	ints64(2, 0, 0, 0, 0, 0, 0, t0, 0, 0),
	[]any{int64(-1), "CORRUPT bucket x"},
	// Other shapes.
	nil, int64(0), int64(1), "OK", []any{}, []any{nil}, []any{[]any{int64(1)}},
	[]any{1.5, true, errors.New("ERR x")}, math.Inf(1), false,
}

// FuzzDecodeReply builds a script reply of any shape go-redis returns (integers,
// strings, nils, floats, booleans, errors and nested arrays) from the fuzz input
// and decodes it as a Record's, a History's and an Inspect's reply. Nothing
// panics; a reply of the wrong shape, or with a value no script returns, is an
// error wrapping storage.ErrCorrupt; a good reply decodes, and encoding the
// decoded value again gives the reply back.
func FuzzDecodeReply(f *testing.F) {
	for _, reply := range replySeeds {
		f.Add(encodeReply(reply))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v := (&replyReader{data: data}).value(0)
		checkDecodeAnswer(t, v)
		checkDecodeHistory(t, v)
		checkDecodeInspection(t, v)
		checkDecodeReport(t, v)
	})
}

// checkDecodeReport checks decodeReport on v, with voters and reporters known
// as 5 and 6.
func checkDecodeReport(t *testing.T, v any) {
	t.Helper()
	known := &cached{voters: 5, reporters: 6}
	if pair, ok := v.([]any); ok && len(pair) == 2 {
		if msg, ok := pair[1].(string); ok {
			_, err := decodeReport(v, known)
			assert.Equal(t, scriptError(msg), err, "a circuit's error reply")
			return
		}
	}
	a, isInts := intsOf(v)
	quiet := v == any(int64(0))
	counts := isInts && len(a) == 10 && !(a[5] == -1 && a[6] == -1)
	good := quiet || isInts && len(a) == 10 &&
		inRange(a[0], 0, 1) && inRange(a[1], 0, 1) && inRange(a[2], 0, int64(storage.LockClosed)) &&
		a[3] >= 0 && a[4] >= 0 && (!counts || a[5] >= 0 && a[6] >= a[5]) && a[7] >= 0 && a[8] >= -1 && a[9] >= -1
	r, err := decodeReport(v, known)
	if err != nil {
		assert.ErrorIs(t, err, storage.ErrCorrupt)
		assert.False(t, good, "decodeReport(%#v): %v", v, err)
		return
	}
	if !assert.True(t, good, "decodeReport accepts %#v", v) || quiet {
		assert.True(t, r.quiet == quiet)
		return
	}
	st := r.a.res.Status
	want := slices.Clone(a)
	if !counts {
		want[5], want[6] = 0, 0
	}
	if want[8] == -1 {
		want[8] = 5
	}
	if want[9] == -1 {
		want[9] = 6
	}
	again := []int64{int64(r.kind), int64(st.State), int64(st.Lock), micros(st.OpenedAt), micros(st.ReservedAt),
		int64(st.Failures), int64(st.Samples), micros(st.CurrentTime), int64(r.a.voters), int64(r.a.reporters)}
	assert.Equal(t, want, again)
	assert.Equal(t, counts, r.counts)
	assert.Equal(t, storage.TransitionNone, r.a.res.Transition)
}

// checkDecodeAnswer checks decodeAnswer on v.
func checkDecodeAnswer(t *testing.T, v any) {
	t.Helper()
	a, isInts := intsOf(v)
	good := isInts && len(a) == 15 &&
		inRange(a[0], 0, int64(storage.TransitionClosed)) && inRange(a[1], 0, 1) && inRange(a[2], 0, int64(storage.LockClosed)) &&
		a[3] >= 0 && a[4] >= 0 && a[5] >= 0 && a[6] >= a[5] && a[7] >= 0 && a[8] >= 0 && a[9] >= 0 && inRange(a[10], 0, 3) &&
		inRange(a[11], 0, maxCoolMicros) && a[12] >= 0 &&
		inRange(a[13], 0, storage.MaxHalfOpenProbes) && inRange(a[14], 0, storage.MaxHalfOpenProbes)
	r, err := decodeAnswer(v)
	if err != nil {
		assert.ErrorIs(t, err, storage.ErrCorrupt)
		assert.False(t, good, "decodeAnswer(%#v): %v", v, err)
		return
	}
	if !assert.True(t, good, "decodeAnswer accepts %#v", v) {
		return
	}
	st := r.res.Status
	again := []int64{int64(r.res.Transition), int64(st.State), int64(st.Lock), micros(st.OpenedAt), micros(st.ReservedAt),
		int64(st.Failures), int64(st.Samples), micros(st.CurrentTime), int64(r.voters), int64(r.reporters), int64(r.present),
		st.CoolDown.Microseconds(), micros(st.ClosedAt), int64(st.Probes), int64(st.Passed)}
	assert.Equal(t, a, again)
}

// checkDecodeHistory checks decodeHistory on v.
func checkDecodeHistory(t *testing.T, v any) {
	t.Helper()
	a, isInts := intsOf(v)
	good := isInts && len(a) >= 1 && (len(a)-1)%3 == 0
	for i := 1; good && i < len(a); i += 3 {
		good = a[i] >= 0 && a[i+1] >= 0 && a[i+2] >= 0
	}
	buckets, err := decodeHistory(v)
	if err != nil {
		assert.ErrorIs(t, err, storage.ErrCorrupt)
		assert.False(t, good, "decodeHistory(%#v): %v", v, err)
		return
	}
	if !assert.True(t, good, "decodeHistory accepts %#v", v) {
		return
	}
	assert.True(t, slices.IsSortedFunc(buckets, func(x, y storage.Bucket) int { return x.Start.Compare(y.Start) }), "oldest first")
	var want, got [][3]int64
	for i := 1; i < len(a); i += 3 {
		want = append(want, [3]int64{a[i], a[i+1], a[i+2]})
	}
	for _, b := range buckets {
		got = append(got, [3]int64{micros(b.Start), int64(b.Successes), int64(b.Failures)})
	}
	assert.ElementsMatch(t, want, got)
}

// checkDecodeInspection checks decodeInspection on v.
func checkDecodeInspection(t *testing.T, v any) {
	t.Helper()
	a, isInts := intsOf(v)
	good := isInts && len(a) >= 8 && (len(a)-8)%4 == 0 &&
		a[0] >= 0 && inRange(a[1], 0, 1) && inRange(a[2], 0, int64(storage.LockClosed)) && a[3] >= 0 && a[4] >= 0 &&
		inRange(a[5], 0, storage.MaxCoolDown.Microseconds()) && a[6] >= 0 && a[7] >= 0
	for g := 8; good && g < len(a); g += 4 {
		width, n, failures, samples := a[g], a[g+1], a[g+2], a[g+3]
		good = inRange(n, 1, MaxBuckets) && inRange(width, 1, storage.MaxWindow.Microseconds()/n) &&
			failures >= 0 && samples >= failures
	}
	in, err := decodeInspection("c", v)
	if err != nil {
		assert.ErrorIs(t, err, storage.ErrCorrupt)
		assert.False(t, good, "decodeInspection(%#v): %v", v, err)
		return
	}
	if !assert.True(t, good, "decodeInspection accepts %#v", v) {
		return
	}
	again := []int64{micros(in.CurrentTime), int64(in.State), int64(in.Lock), micros(in.OpenedAt), micros(in.ReservedAt),
		int64(in.CoolDown / time.Microsecond), int64(in.Voting), int64(in.Reporting)}
	assert.Equal(t, in.CoolDown%time.Microsecond, time.Duration(0))
	for _, w := range in.Windows {
		width := int64(w.Window/time.Microsecond) / int64(max(w.Buckets, 1))
		again = append(again, width, int64(w.Buckets), int64(w.Failures), int64(w.Samples))
	}
	assert.Equal(t, a, again)
	assert.Equal(t, "c", in.Name)
	in.Counts()
	in.HalfOpen()
	in.NextProbe()
}

// TestReplyEncoding checks that the fuzz encoding of every seed reads back as
// the seed.
func TestReplyEncoding(t *testing.T) {
	for _, reply := range replySeeds {
		assert.Equal(t, reply, (&replyReader{data: encodeReply(reply)}).value(0))
	}
}

// intsOf returns v's integers when v is an array of integers.
func intsOf(v any) ([]int64, bool) {
	a, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]int64, len(a))
	for i, x := range a {
		if out[i], ok = x.(int64); !ok {
			return nil, false
		}
	}
	return out, true
}

// inRange reports whether lo <= x <= hi.
func inRange(x, lo, hi int64) bool { return lo <= x && x <= hi }

// ints64 returns xs as a reply: an array of integers.
func ints64(xs ...int64) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// Tags of the fuzz encoding of a reply: each value is a tag byte followed by its
// payload.
const (
	tagSmallInt = iota // 1 byte, signed
	tagInt             // 8 bytes, big endian
	tagString          // 1 byte length (mod 32), then the bytes
	tagNil             // nothing
	tagArray           // 1 byte count (mod 64), then the elements
	tagFloat           // 8 bytes, IEEE 754 big endian
	tagBool            // 1 byte, low bit
	tagError           // like tagString, an error of that text
	tagCount
)

// maxDepth bounds the nesting of arrays a reply reader builds.
const maxDepth = 4

// replyReader reads a reply in the fuzz encoding; missing bytes read as zeros.
type replyReader struct{ data []byte }

// byte reads one byte.
func (r *replyReader) byte() byte {
	if len(r.data) == 0 {
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

// bytes reads n bytes.
func (r *replyReader) bytes(n int) []byte {
	out := make([]byte, n)
	r.data = r.data[copy(out, r.data):]
	return out
}

// value reads one value at the given depth of nesting.
func (r *replyReader) value(depth int) any {
	switch r.byte() % tagCount {
	case tagSmallInt:
		return int64(int8(r.byte()))
	case tagInt:
		return int64(binary.BigEndian.Uint64(r.bytes(8)))
	case tagString:
		return string(r.bytes(int(r.byte() % 32)))
	case tagNil:
		return nil
	case tagArray:
		n := int(r.byte() % 64)
		a := make([]any, 0, n)
		for range n {
			if depth >= maxDepth {
				a = append(a, nil)
				continue
			}
			a = append(a, r.value(depth+1))
		}
		return a
	case tagFloat:
		return math.Float64frombits(binary.BigEndian.Uint64(r.bytes(8)))
	case tagBool:
		return r.byte()&1 == 1
	default:
		return errors.New(string(r.bytes(int(r.byte() % 32))))
	}
}

// encodeReply writes v in the fuzz encoding, for seeds. It handles the types
// replyReader builds, arrays of up to 63 elements and strings of up to 31 bytes.
func encodeReply(v any) []byte {
	switch v := v.(type) {
	case int64:
		if v == int64(int8(v)) {
			return []byte{tagSmallInt, byte(v)}
		}
		return binary.BigEndian.AppendUint64([]byte{tagInt}, uint64(v))
	case string:
		return append([]byte{tagString, byte(len(v))}, v...)
	case nil:
		return []byte{tagNil}
	case []any:
		out := []byte{tagArray, byte(len(v))}
		for _, x := range v {
			out = append(out, encodeReply(x)...)
		}
		return out
	case float64:
		return binary.BigEndian.AppendUint64([]byte{tagFloat}, math.Float64bits(v))
	case bool:
		if v {
			return []byte{tagBool, 1}
		}
		return []byte{tagBool, 0}
	case error:
		return append([]byte{tagError, byte(len(v.Error()))}, v.Error()...)
	}
	panic("encodeReply: unsupported type")
}

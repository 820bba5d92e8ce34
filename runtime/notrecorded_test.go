package runtime_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
)

// TestEOFAndNotRecordedAreNotRecorded checks that io.EOF itself (the end of
// a stream) and any error wrapping ErrNotRecorded (a judge declining to
// record) count neither way, while a wrapped io.EOF (a protocol that ran out
// of input) is a failure.
func TestEOFAndNotRecordedAreNotRecorded(t *testing.T) {
	f := newFixture(t)
	declined := fmt.Errorf("%w: not found", runtime.ErrNotRecorded)
	for range 5 {
		assert.Equal(t, io.EOF, f.c.Run(context.Background(), func(context.Context) error { return io.EOF }), "the error untouched")
		assert.Equal(t, declined, f.c.Run(context.Background(), func(context.Context) error { return declined }))
	}
	st := f.status(t)
	assert.True(t, st.Closed() && st.SampleSize == 0, "status %+v, want nothing recorded", st)
	assert.Zero(t, f.rec.count(runtime.EventFailure)+f.rec.count(runtime.EventSuccess), "outcome events for unrecorded calls")

	truncated := fmt.Errorf("reading header: %w", io.EOF)
	for range 3 {
		require.True(t, f.call(t, truncated))
	}
	assert.True(t, f.status(t).Open(), "a wrapped io.EOF is a failure")
}

// TestNotRecordedProbeReleasesReservation checks that a probe whose judge
// declines to record gives its reservation back at once, as an excluded
// error does, rather than blocking the circuit for a cool-down.
func TestNotRecordedProbeReleasesReservation(t *testing.T) {
	for _, err := range []error{io.EOF, fmt.Errorf("judge: %w", runtime.ErrNotRecorded)} {
		t.Run(err.Error(), func(t *testing.T) {
			f := newFixture(t)
			f.trip(t)
			f.clock.Advance(10 * time.Second)
			probe, aerr := f.c.Allow(context.Background())
			require.NoError(t, aerr)
			require.True(t, probe.Probe())
			probe.Done(context.Background(), err)
			st := f.status(t)
			assert.True(t, st.ReservedAt.IsZero() && st.HalfOpen(), "status %+v, want half-open with the reservation released", st)
			assert.True(t, f.call(t, nil), "the next caller probes at once")
		})
	}
}

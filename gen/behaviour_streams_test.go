package gen_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/breakerhttp"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/testdata/source"
	"github.com/breakergen/breakergen/testdata/streams"
)

// remoteFiles is a streams.Files over one in-memory file; Open fails with
// openErr.
type remoteFiles struct {
	*strings.Reader
	openErr error
}

func (f *remoteFiles) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	return io.NopCloser(f.Reader), f.openErr
}
func (f *remoteFiles) Close() error { return nil }

// TestStreamReadsPassThrough is the first-hour report: three healthy
// 5-byte reads and the stream's end must not trip the circuit of an
// interface that embeds io.Reader. Reads pass through unprotected and
// unrecorded; the call that opens the stream is protected.
func TestStreamReadsPassThrough(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	f := &remoteFiles{Reader: strings.NewReader("abcdeabcdeabcde")}
	files := streams.NewFilesBreaker(f, h.b)
	buf := make([]byte, 5)
	for range 3 {
		n, err := files.Read(buf)
		require.NoError(t, err)
		assert.Equal(t, 5, n)
	}
	_, err := files.Read(buf)
	require.ErrorIs(t, err, io.EOF, "the fourth read is the end of the stream, not a refusal")
	_, err = files.ReadByte()
	require.ErrorIs(t, err, io.EOF)
	assert.Zero(t, h.status(t, "files").SampleSize, "stream I/O is not recorded")

	f.openErr = errBoom
	for range 3 {
		_, err := files.Open(ctx, "x")
		require.ErrorIs(t, err, errBoom)
	}
	_, err = files.Open(ctx, "x")
	wantOpen(t, err, "Open is protected")
	_, err = files.Read(buf)
	require.ErrorIs(t, err, io.EOF, "reads still pass through while the circuit is open")
}

// tapeDrive is a streams.Tape whose records are read one per call; it fails
// with err once it is set.
type tapeDrive struct {
	records []string
	err     error
}

func (d *tapeDrive) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if len(d.records) == 0 {
		return 0, io.EOF
	}
	n := copy(p, d.records[0])
	d.records = d.records[1:]
	return n, nil
}
func (d *tapeDrive) Close() error { return nil }

// TestOptedInReadIgnoresEOF checks a Read opted in with //breaker:method:
// it is protected, io.EOF (the end of the tape) is not a failure however
// often it comes, and the drive's own failures count.
func TestOptedInReadIgnoresEOF(t *testing.T) {
	h := newHarness()
	drive := &tapeDrive{records: []string{"one", "two"}}
	tape := streams.NewTapeBreaker(drive, h.b)
	data, err := io.ReadAll(tape)
	require.NoError(t, err)
	assert.Equal(t, "onetwo", string(data))
	for range 5 {
		_, err := tape.Read(make([]byte, 8))
		require.ErrorIs(t, err, io.EOF)
	}
	st := h.status(t, "tape")
	assert.Equal(t, 2, st.SampleSize, "two reads recorded; the six io.EOF were not")
	assert.Zero(t, st.FailureRate)
	drive.err = errBoom
	for range 2 { // 2 failures of 4 samples: rate 0.5
		_, err := tape.Read(make([]byte, 8))
		require.ErrorIs(t, err, errBoom)
	}
	_, err = tape.Read(make([]byte, 8))
	wantOpen(t, err, "the opted-in Read is protected")
	require.NoError(t, tape.Close(), "Close passes through")
}

// hangUpServer accepts connections and closes them without answering, as a
// crashing server does; it returns its address.
func hangUpServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 1024)
			_, _ = c.Read(buf)
			c.Close()
		}
	}()
	return l.Addr().String()
}

// TestHungUpServerIsAFailure checks that a server that closes the
// connection without answering, for which net/http's Transport returns
// io.EOF itself, counts as a failure of a generated RoundTrip (the -source
// decorator and breakerhttp's), though io.EOF is otherwise never recorded.
func TestHungUpServerIsAFailure(t *testing.T) {
	addr := hangUpServer(t)
	transport := func() http.RoundTripper {
		return &http.Transport{DisableKeepAlives: true, MaxIdleConnsPerHost: -1}
	}
	for _, tc := range []struct {
		name    string
		rt      func(b *runtime.Breaker) http.RoundTripper
		circuit string
	}{
		{"source", func(b *runtime.Breaker) http.RoundTripper { return source.NewRoundTripperBreaker(transport(), b) }, "http"},
		{"breakerhttp", func(b *runtime.Breaker) http.RoundTripper { return breakerhttp.MustNew(transport(), b) }, "http[" + addr + "]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness()
			client := &http.Client{Transport: tc.rt(h.b), Timeout: 5 * time.Second}
			var sawEOF bool
			for range 3 {
				_, err := client.Get("http://" + addr + "/")
				require.Error(t, err)
				require.NotErrorIs(t, err, runtime.ErrOpen)
				sawEOF = sawEOF || errors.Is(err, io.EOF)
			}
			assert.True(t, sawEOF, "the transport returned io.EOF for a server that hung up")
			st := h.status(t, tc.circuit)
			assert.Equal(t, 3, st.SampleSize)
			assert.Equal(t, 1.0, st.FailureRate, "a hung-up server is a failure")
			_, err := client.Get("http://" + addr + "/")
			require.ErrorIs(t, err, runtime.ErrOpen)
		})
	}
}

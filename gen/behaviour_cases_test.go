package gen_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"net/http"
	"strings"
	"testing"
	"text/template"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/testdata/buildtags"
	"github.com/breakergen/breakergen/testdata/deps/extapi"
	vendorsdk "github.com/breakergen/breakergen/testdata/deps/go-vendorsdk"
	othertime "github.com/breakergen/breakergen/testdata/deps/othertime"
	"github.com/breakergen/breakergen/testdata/embedded"
	"github.com/breakergen/breakergen/testdata/generic"
	samename "github.com/breakergen/breakergen/testdata/go-samename"
	"github.com/breakergen/breakergen/testdata/kinds"
	"github.com/breakergen/breakergen/testdata/multi"
	"github.com/breakergen/breakergen/testdata/names"
	"github.com/breakergen/breakergen/testdata/selfnamed"
	"github.com/breakergen/breakergen/testdata/source"
)

// fakeClash records the arguments it gets, in order.
type fakeClash struct {
	err  error
	args []any
}

func (f *fakeClash) Imports(ctx context.Context, t time.Duration, errs string, c int, rt bool) (string, error) {
	f.args = append(f.args, t, errs, c, rt)
	return "imports", f.err
}
func (f *fakeClash) Generated(ctx context.Context, d, a, err, r0, next, b, p0, v string) (string, error) {
	f.args = append(f.args, d, a, err, r0, next, b, p0, v)
	return d + a + err + r0 + next + b + p0 + v, f.err
}
func (f *fakeClash) Builtins(l int, e string, n bool, s float64, a rune, ctx context.Context) (int, error) {
	f.args = append(f.args, l, e, n, s, a)
	return l, f.err
}
func (f *fakeClash) FakeCtx(ctx string) (int, error) {
	f.args = append(f.args, ctx)
	return len(ctx), f.err
}
func (f *fakeClash) Stamp(ctx context.Context, t othertime.Stamp) (time.Time, error) {
	f.args = append(f.args, t.Tick)
	return time.Unix(int64(t.Tick), 0), f.err
}

func TestNamesArgumentsKeepTheirOrder(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	f := &fakeClash{}
	c := names.NewClashBreaker(f, h.b)
	s, err := c.Generated(ctx, "d", "a", "e", "r", "n", "b", "p", "v")
	require.NoError(t, err)
	assert.Equal(t, "daernbpv", s)
	_, err = c.Imports(ctx, time.Second, "errors", 3, true)
	require.NoError(t, err)
	n, err := c.Builtins(5, "error", true, 1.5, 'x', ctx)
	require.NoError(t, err)
	assert.Equal(t, 5, n)
	n, err = c.FakeCtx("abc")
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	tm, err := c.Stamp(ctx, othertime.Stamp{Tick: 9})
	require.NoError(t, err)
	assert.Equal(t, int64(9), tm.Unix())
	want := []any{"d", "a", "e", "r", "n", "b", "p", "v", time.Second, "errors", 3, true, 5, "error", true, 1.5, 'x', "abc", uint64(9)}
	assert.Equal(t, want, f.args)
	// errors.ErrUnsupported is excluded by the interface directive.
	f.err = errors.ErrUnsupported
	for range 10 {
		_, _ = c.FakeCtx("x")
	}
	st := h.status(t, "names.Clash")
	assert.Equal(t, 5, st.SampleSize)
	assert.Zero(t, st.FailureRate)
	assert.Equal(t, time.Minute, st.Options.CoolDown)
	assert.Equal(t, 90*time.Second, st.Options.EvaluationWindow)
}

// fakeKinds echoes what it gets.
type fakeKinds struct{ err error }

func (f fakeKinds) Chans(ctx context.Context, in <-chan int, out chan<- string, both chan bool, nested chan (<-chan int), sendRecv chan<- <-chan int) (<-chan error, error) {
	out <- "sent"
	both <- <-in == 1
	errs := make(chan error, 1)
	errs <- f.err
	return errs, f.err
}
func (f fakeKinds) Funcs(ctx context.Context, fn func(context.Context, ...string) (int, error), cb func()) (func() error, error) {
	cb()
	n, err := fn(ctx, "a", "b")
	return func() error {
		if n != 2 {
			return errors.New("fn saw the wrong arguments")
		}
		return err
	}, f.err
}
func (f fakeKinds) Structs(ctx context.Context, s struct {
	Name string `json:"name,omitempty" db:"name"`
	Age  int    "json:\"age\""
	kinds.Local
	*extapi.Item
}) (struct {
	OK bool `json:"ok"`
}, error) {
	var r struct {
		OK bool `json:"ok"`
	}
	r.OK = s.Name == "n" && s.Age == 3 && s.N == 4 && s.Key == "k"
	return r, f.err
}
func (f fakeKinds) Arrays(ctx context.Context, a [4]byte, m [2][3]*kinds.Local) ([16]byte, error) {
	var r [16]byte
	r[0] = a[3]
	r[1] = byte(m[1][2].N)
	return r, f.err
}
func (f fakeKinds) Pointers(ctx context.Context, p *kinds.Local, pp **kinds.Local) (*kinds.Local, error) {
	return *pp, f.err
}
func (f fakeKinds) Maps(ctx context.Context, m map[string][]*kinds.Local) (map[kinds.Local]struct{}, error) {
	r := map[kinds.Local]struct{}{}
	for _, l := range m["x"] {
		r[*l] = struct{}{}
	}
	return r, f.err
}
func (f fakeKinds) Ifaces(ctx context.Context, v interface{ String() string }, e any, i interface{}) (fmt.Stringer, error) {
	return v, f.err
}
func (f fakeKinds) Unsafe(ctx context.Context, p unsafe.Pointer) (uintptr, error) {
	return uintptr(p), f.err
}

type stringer string

func (s stringer) String() string { return string(s) }

func TestKindsPassEveryKindOfType(t *testing.T) {
	ctx := context.Background()
	k := kinds.NewKindsBreaker(fakeKinds{}, newHarness().b)

	in, out, both := make(chan int, 1), make(chan string, 1), make(chan bool, 1)
	in <- 1
	errs, err := k.Chans(ctx, in, out, both, make(chan (<-chan int)), make(chan (<-chan int)))
	require.NoError(t, err)
	assert.Equal(t, "sent", <-out)
	assert.True(t, <-both)
	assert.NoError(t, <-errs)
	called := false
	fn, err := k.Funcs(ctx, func(ctx context.Context, s ...string) (int, error) { return len(s), nil }, func() { called = true })
	require.NoError(t, err)
	assert.True(t, called)
	assert.NoError(t, fn())
	var s struct {
		Name string `json:"name,omitempty" db:"name"`
		Age  int    "json:\"age\""
		kinds.Local
		*extapi.Item
	}
	s.Name, s.Age, s.N, s.Item = "n", 3, 4, &extapi.Item{Key: "k"}
	r, err := k.Structs(ctx, s)
	require.NoError(t, err)
	assert.True(t, r.OK)
	var m [2][3]*kinds.Local
	m[1][2] = &kinds.Local{N: 8}
	arr, err := k.Arrays(ctx, [4]byte{0, 0, 0, 9}, m)
	require.NoError(t, err)
	assert.Equal(t, byte(9), arr[0])
	assert.Equal(t, byte(8), arr[1])
	l := &kinds.Local{N: 1}
	p, err := k.Pointers(ctx, nil, &l)
	require.NoError(t, err)
	assert.Same(t, l, p)
	mp, err := k.Maps(ctx, map[string][]*kinds.Local{"x": {{N: 2}}})
	require.NoError(t, err)
	assert.Len(t, mp, 1)
	str, err := k.Ifaces(ctx, stringer("s"), 1, 2)
	require.NoError(t, err)
	assert.Equal(t, "s", str.String())
	x := 5
	u, err := k.Unsafe(ctx, unsafe.Pointer(&x))
	require.NoError(t, err)
	assert.Equal(t, uintptr(unsafe.Pointer(&x)), u)
}

// fakeComposite implements embedded.Composite.
type fakeComposite struct {
	err   error
	calls []string
}

func (f *fakeComposite) Read(p []byte) (int, error) {
	f.calls = append(f.calls, "Read")
	return copy(p, "data"), f.err
}
func (f *fakeComposite) Write(p []byte) (int, error) {
	f.calls = append(f.calls, "Write")
	return len(p), f.err
}
func (f *fakeComposite) Close() error {
	f.calls = append(f.calls, "Close")
	return f.err
}
func (f *fakeComposite) String() string { return "composite" }
func (f *fakeComposite) Get(ctx context.Context, key string) (extapi.Item, error) {
	f.calls = append(f.calls, "Get")
	return extapi.Item{Key: key}, f.err
}
func (f *fakeComposite) List(ctx context.Context) ([]extapi.Item, error) {
	f.calls = append(f.calls, "List")
	return []extapi.Item{{Key: "a"}}, f.err
}
func (f *fakeComposite) Do(ctx context.Context) error {
	f.calls = append(f.calls, "Do")
	return f.err
}

func TestEmbeddedMethodsAndTheirCircuits(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	f := &fakeComposite{}
	c := embedded.NewCompositeBreaker(f, h.b)
	var rwc io.ReadWriteCloser = c // the decorator satisfies the embedded interfaces too
	buf := make([]byte, 4)
	n, err := rwc.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	assert.Equal(t, "data", string(buf))
	item, err := c.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "k", item.Key)
	assert.Equal(t, "composite", c.String(), "String passes through")
	// Do has its own circuit (embedded.local, samples=2): two failures open it,
	// and the interface circuit stays closed.
	f.err = errBoom
	_ = c.Do(ctx)
	_ = c.Do(ctx)
	wantOpen(t, c.Do(ctx))
	// Close passes through: it reaches the dependency whatever the circuits say.
	assert.ErrorIs(t, c.Close(), errBoom)
	f.err = nil
	_, err = c.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Read,Get,Do,Do,Close,List", strings.Join(f.calls, ","))
	assert.Equal(t, 1, h.rec.count("embedded.local", runtime.EventOpened))
	assert.Zero(t, h.rec.count("embedded.Composite", runtime.EventOpened))
	assert.Equal(t, 2, h.status(t, "embedded.Composite").SampleSize,
		"Get and List were recorded; Read (stream I/O of an embedded io.Reader) and Close were not")
}

// mapStore is a generic.Store on a map.
type mapStore[K comparable, V any] struct {
	m   map[K]V
	err error
}

func (s *mapStore[K, V]) Get(ctx context.Context, key K) (V, error) {
	return s.m[key], s.err
}
func (s *mapStore[K, V]) Put(ctx context.Context, key K, value V) error {
	if s.err == nil {
		s.m[key] = value
	}
	return s.err
}
func (s *mapStore[K, V]) Keys(ctx context.Context) ([]K, error) {
	var keys []K
	for k := range s.m {
		keys = append(keys, k)
	}
	return keys, s.err
}

func TestGenericStoreWithFallback(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	st := &mapStore[string, int]{m: map[string]int{}}
	s := generic.NewStoreBreaker[string, int](st, h.b)
	require.NoError(t, s.Put(ctx, "a", 1))
	v, err := s.Get(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, 1, v)
	st.err = errBoom
	for range 3 {
		_ = s.Put(ctx, "b", 2)
	}
	v, err = s.Get(ctx, "a")
	require.NoError(t, err, "the fallback answers while the circuit is open")
	assert.Zero(t, v, "the fallback's zero value")
	_, err = s.Keys(ctx)
	wantOpen(t, err)
	assert.Equal(t, time.Minute, h.status(t, "store").Options.CoolDown)

	// A generic decorator's fallback option infers its type arguments from
	// the function it is given, and wins over the directive's fallback.
	cached := generic.NewStoreBreaker[string, int](st, h.b, runtime.WithInstance("cached"),
		generic.WithStoreGetFallback(func(ctx context.Context, key string) (int, error) { return 42, nil }))
	for range 3 {
		_ = cached.Put(ctx, "b", 2)
	}
	v, err = cached.Get(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, 42, v, "the option's fallback")
}

type sumAgg[T generic.Number, S ~[]T, L ~int | ~string] struct{}

func (sumAgg[T, S, L]) Sum(ctx context.Context, values S) (T, error) {
	var sum T
	for _, v := range values {
		sum += v
	}
	return sum, nil
}
func (sumAgg[T, S, L]) Label(ctx context.Context, l L) (string, error) { return fmt.Sprint(l), nil }
func (sumAgg[T, S, L]) Max(values ...T) (T, error) {
	if len(values) == 0 {
		return 0, errBoom
	}
	m := values[0]
	for _, v := range values {
		m = max(m, v)
	}
	return m, nil
}

type myInts []int

type node struct{ out []edge }
type edge struct{ from, to *node }

func (n *node) Edges() []edge                                          { return n.out }
func (e edge) Ends() (from, to *node)                                  { return e.from, e.to }
func (w walker) Walk(ctx context.Context, start *node) ([]edge, error) { return start.Edges(), w.err }

type walker struct{ err error }

func TestGenericConstraints(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	a := generic.NewAggregatorBreaker[int, myInts, string](sumAgg[int, myInts, string]{}, h.b)
	s, err := a.Sum(ctx, myInts{1, 2, 3})
	require.NoError(t, err)
	assert.Equal(t, 6, s)
	l, err := a.Label(ctx, "x")
	require.NoError(t, err)
	assert.Equal(t, "x", l)
	m, err := a.Max(3, 9, 4)
	require.NoError(t, err)
	assert.Equal(t, 9, m)
	for range 3 {
		_, _ = a.Max()
	}
	_, err = a.Sum(ctx, nil)
	wantOpen(t, err)

	n := &node{}
	n.out = []edge{{from: n, to: n}}
	w := generic.NewWalkerBreaker[*node, edge](walker{}, h.b)
	es, err := w.Walk(ctx, n)
	require.NoError(t, err)
	assert.Len(t, es, 1)
}

// fakeRenderer implements samename.Renderer.
type fakeRenderer struct{ err error }

func (f fakeRenderer) Text(ctx context.Context, t *template.Template, data any) (string, error) {
	var b bytes.Buffer
	err := t.Execute(&b, data)
	return b.String(), errors.Join(err, f.err)
}
func (f fakeRenderer) HTML(ctx context.Context, t *htmltemplate.Template, data any) (htmltemplate.HTML, error) {
	var b bytes.Buffer
	err := t.Execute(&b, data)
	return htmltemplate.HTML(b.String()), errors.Join(err, f.err)
}
func (f fakeRenderer) Send(ctx context.Context, m vendorsdk.Message) error { return f.err }

func TestSameNamePackages(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	r := samename.NewRendererBreaker(fakeRenderer{}, h.b)
	txt, err := r.Text(ctx, template.Must(template.New("t").Parse("<{{.}}>")), "x")
	require.NoError(t, err)
	assert.Equal(t, "<x>", txt)
	html, err := r.HTML(ctx, htmltemplate.Must(htmltemplate.New("h").Parse("<p>{{.}}</p>")), "<x>")
	require.NoError(t, err)
	assert.Equal(t, htmltemplate.HTML("<p>&lt;x&gt;</p>"), html)
	throttled := samename.NewRendererBreaker(fakeRenderer{err: vendorsdk.ErrThrottled}, h.b)
	for range 10 {
		require.ErrorIs(t, throttled.Send(ctx, vendorsdk.Message{To: "a"}), vendorsdk.ErrThrottled)
	}
	assert.Equal(t, 2, h.status(t, "samename.Renderer").SampleSize, "ErrThrottled is excluded")
}

// fakeFetch implements selfnamed.Fetch.
type fakeFetch struct{ err error }

func (f fakeFetch) Fetch(ctx context.Context, url string) ([]byte, error) { return []byte(url), f.err }

func TestSelfNamed(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	f := selfnamed.NewFetchBreaker(fakeFetch{}, h.b)
	b, err := f.Fetch(ctx, "u")
	require.NoError(t, err)
	assert.Equal(t, "u", string(b))
	for range 3 {
		require.ErrorIs(t, selfnamed.CallNext(ctx, h.b, true), selfnamed.ErrNext)
	}
	wantOpen(t, selfnamed.CallNext(ctx, h.b, false))
	assert.Equal(t, 1, h.rec.count("selfnamed.next", runtime.EventOpened))
}

type everywhere struct{ err error }

func (e everywhere) Do(ctx context.Context) error { return e.err }

func TestBuildTaggedEverywhere(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	e := buildtags.NewEverywhereBreaker(everywhere{err: errBoom}, h.b)
	for range 3 {
		_ = e.Do(ctx)
	}
	wantOpen(t, e.Do(ctx))
}

// roundTripFunc is an http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestSourceRoundTripper(t *testing.T) {
	h := newHarness()
	fail := errBoom
	calls := 0
	rt := source.NewRoundTripperBreaker(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls++
		if fail != nil {
			return nil, fail
		}
		return &http.Response{StatusCode: 204, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	}), h.b)
	client := &http.Client{Transport: rt}
	for range 3 {
		_, err := client.Get("http://dependency.invalid/")
		require.ErrorIs(t, err, errBoom)
	}
	body := &closeCounter{Reader: strings.NewReader("payload")}
	req, err := http.NewRequest(http.MethodPost, "http://dependency.invalid/", body)
	require.NoError(t, err)
	_, err = client.Do(req)
	require.ErrorIs(t, err, runtime.ErrOpen, "http.Client.Do returns the open-circuit error")
	assert.Equal(t, 1, body.closed, "a refused request's body is closed (the http.RoundTripper contract)")
	assert.Equal(t, 3, calls, "the refused request did not reach the transport")
	h.clock.Advance(15 * time.Second)
	fail = nil
	resp, err := client.Get("http://dependency.invalid/")
	require.NoError(t, err, "probe")
	assert.Equal(t, 204, resp.StatusCode)
	resp.Body.Close()
	st := h.status(t, "http")
	assert.True(t, st.Closed())
	assert.Equal(t, []error{context.Canceled}, st.Options.Exclude)
}

// closeCounter is a request body that counts its Close calls.
type closeCounter struct {
	io.Reader
	closed int
}

func (c *closeCounter) Close() error {
	c.closed++
	return nil
}

// fakeClient implements vendorsdk.Client.
type fakeClient struct{ err error }

func (f fakeClient) Send(ctx context.Context, m vendorsdk.Message) (string, error) {
	return "id-" + m.To, f.err
}
func (f fakeClient) Status(ctx context.Context, id string) (bool, error) { return true, f.err }
func (f fakeClient) Region() string                                      { return "eu" }

func TestSourceVendorAndIO(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	c := source.NewClientBreaker(fakeClient{err: vendorsdk.ErrThrottled}, h.b)
	for range 5 {
		_, err := c.Send(ctx, vendorsdk.Message{To: "x"})
		require.ErrorIs(t, err, vendorsdk.ErrThrottled)
	}
	assert.Equal(t, "eu", c.Region(), "Region passes through")
	assert.Zero(t, h.status(t, "vendor").SampleSize, "throttling is not recorded")

	r := source.NewReaderBreaker(strings.NewReader("abc"), h.b)
	data, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, "abc", string(data))
	var buf bytes.Buffer
	w := source.NewWriterBreaker(&buf, h.b)
	_, err = io.WriteString(w, "xyz")
	require.NoError(t, err)
	assert.Equal(t, "xyz", buf.String())
	for _, name := range []string{"io.Reader", "io.Writer"} {
		assert.NotZero(t, h.status(t, name).SampleSize, "circuit %s recorded nothing", name)
	}
}

// failingStream is an io.ReadWriteCloser whose reads and writes fail.
type failingStream struct{ closed int }

func (s *failingStream) Read([]byte) (int, error)  { return 0, errBoom }
func (s *failingStream) Write([]byte) (int, error) { return 0, errBoom }
func (s *failingStream) Close() error {
	s.closed++
	return nil
}

func TestSourceReadWriteCloserClosesDuringAnOutage(t *testing.T) {
	h := newHarness()
	stream := &failingStream{}
	rwc := source.NewReadWriteCloserBreaker(stream, h.b)
	for range 3 {
		_, err := rwc.Write([]byte("x"))
		require.ErrorIs(t, err, errBoom)
	}
	_, err := rwc.Read(make([]byte, 1))
	wantOpen(t, err)
	require.NoError(t, rwc.Close(), "Close passes through while the circuit is open")
	assert.Equal(t, 1, stream.closed, "the stream was closed")
}

type ledger struct{ err error }

func (l ledger) Append(ctx context.Context, entry string) error        { return l.err }
func (l ledger) Check(ctx context.Context, entry string) (bool, error) { return entry != "", l.err }
func (l ledger) Read(ctx context.Context) (string, error)              { return "r", l.err }
func (l ledger) Write(ctx context.Context, s string) error             { return l.err }

func TestMultiFiles(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	l := ledger{}
	require.NoError(t, multi.NewLedgerBreaker(l, h.b).Append(ctx, "e"))
	ok, err := multi.NewAuditBreaker(l, h.b).Check(ctx, "e")
	require.NoError(t, err)
	assert.True(t, ok)
	s, err := multi.NewReaderBreaker(l, h.b).Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, "r", s)
	require.NoError(t, multi.NewWriterBreaker(l, h.b).Write(ctx, "w"))
	for _, name := range []string{"multi.Ledger", "audit", "multi.Reader", "multi.Writer"} {
		assert.Equal(t, 1, h.status(t, name).SampleSize, "circuit %s", name)
	}
}

type shadow struct{ err error }

func (s shadow) Get(key int) (string, error) { return fmt.Sprint(key), s.err }

func TestGenericTypeParamsShadowingNames(t *testing.T) {
	h := newHarness()
	ok := generic.NewShadowBreaker[string, int](shadow{}, h.b)
	v, err := ok.Get(7)
	require.NoError(t, err)
	assert.Equal(t, "7", v)
	bad := generic.NewShadowBreaker[string, int](shadow{err: errBoom}, h.b)
	for range 3 {
		_, _ = bad.Get(1)
	}
	_, err = ok.Get(1)
	wantOpen(t, err, "decorators without an instance share their circuits")
	fresh := generic.NewShadowBreaker[string, int](shadow{}, h.b, runtime.WithInstance("fresh"))
	v, err = fresh.Get(1)
	require.NoError(t, err, "an instance has circuits of its own")
	assert.Equal(t, "1", v)
}

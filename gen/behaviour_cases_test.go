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
	if s, err := c.Generated(ctx, "d", "a", "e", "r", "n", "b", "p", "v"); err != nil || s != "daernbpv" {
		t.Fatalf("Generated = %q, %v", s, err)
	}
	if _, err := c.Imports(ctx, time.Second, "errors", 3, true); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Builtins(5, "error", true, 1.5, 'x', ctx); err != nil || n != 5 {
		t.Fatalf("Builtins = %d, %v", n, err)
	}
	if n, err := c.FakeCtx("abc"); err != nil || n != 3 {
		t.Fatalf("FakeCtx = %d, %v", n, err)
	}
	if tm, err := c.Stamp(ctx, othertime.Stamp{Tick: 9}); err != nil || tm.Unix() != 9 {
		t.Fatalf("Stamp = %v, %v", tm, err)
	}
	want := []any{"d", "a", "e", "r", "n", "b", "p", "v", time.Second, "errors", 3, true, 5, "error", true, 1.5, 'x', "abc", uint64(9)}
	if len(f.args) != len(want) {
		t.Fatalf("args = %v, want %v", f.args, want)
	}
	for i := range want {
		if f.args[i] != want[i] {
			t.Fatalf("arg %d = %v, want %v", i, f.args[i], want[i])
		}
	}
	// errors.ErrUnsupported is excluded by the interface directive.
	f.err = errors.ErrUnsupported
	for range 10 {
		_, _ = c.FakeCtx("x")
	}
	if st := h.status(t, "names.Clash"); st.SampleSize != 5 || st.FailureRate != 0 || st.Options.CoolDown != time.Minute || st.Options.EvaluationWindow != 90*time.Second {
		t.Fatalf("status = %+v", st)
	}
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
	if err != nil || <-out != "sent" || !<-both || <-errs != nil {
		t.Fatalf("Chans: %v", err)
	}
	called := false
	fn, err := k.Funcs(ctx, func(ctx context.Context, s ...string) (int, error) { return len(s), nil }, func() { called = true })
	if err != nil || !called || fn() != nil {
		t.Fatalf("Funcs: %v, called=%v", err, called)
	}
	var s struct {
		Name string `json:"name,omitempty" db:"name"`
		Age  int    "json:\"age\""
		kinds.Local
		*extapi.Item
	}
	s.Name, s.Age, s.N, s.Item = "n", 3, 4, &extapi.Item{Key: "k"}
	if r, err := k.Structs(ctx, s); err != nil || !r.OK {
		t.Fatalf("Structs = %+v, %v", r, err)
	}
	var m [2][3]*kinds.Local
	m[1][2] = &kinds.Local{N: 8}
	if r, err := k.Arrays(ctx, [4]byte{0, 0, 0, 9}, m); err != nil || r[0] != 9 || r[1] != 8 {
		t.Fatalf("Arrays = %v, %v", r, err)
	}
	l := &kinds.Local{N: 1}
	if p, err := k.Pointers(ctx, nil, &l); err != nil || p != l {
		t.Fatalf("Pointers = %v, %v", p, err)
	}
	if r, err := k.Maps(ctx, map[string][]*kinds.Local{"x": {{N: 2}}}); err != nil || len(r) != 1 {
		t.Fatalf("Maps = %v, %v", r, err)
	}
	if r, err := k.Ifaces(ctx, stringer("s"), 1, 2); err != nil || r.String() != "s" {
		t.Fatalf("Ifaces = %v, %v", r, err)
	}
	x := 5
	if r, err := k.Unsafe(ctx, unsafe.Pointer(&x)); err != nil || r != uintptr(unsafe.Pointer(&x)) {
		t.Fatalf("Unsafe = %v, %v", r, err)
	}
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
	if n, err := rwc.Read(buf); n != 4 || err != nil || string(buf) != "data" {
		t.Fatalf("Read = %d, %v", n, err)
	}
	if item, err := c.Get(ctx, "k"); err != nil || item.Key != "k" {
		t.Fatalf("Get = %v, %v", item, err)
	}
	if c.String() != "composite" {
		t.Fatalf("String did not pass through")
	}
	// Do has its own circuit (embedded.local, samples=2): two failures open it,
	// and the interface circuit stays closed.
	f.err = errBoom
	_ = c.Do(ctx)
	_ = c.Do(ctx)
	wantOpen(t, c.Do(ctx))
	f.err = nil
	if err := c.Close(); err != nil {
		t.Fatalf("Close on the interface circuit: %v", err)
	}
	if _, err := c.List(ctx); err != nil {
		t.Fatalf("List: %v", err)
	}
	if got := strings.Join(f.calls, ","); got != "Read,Get,Do,Do,Close,List" {
		t.Fatalf("calls = %s", got)
	}
	if h.rec.count("embedded.local", runtime.EventOpened) != 1 || h.rec.count("embedded.Composite", runtime.EventOpened) != 0 {
		t.Fatalf("wrong circuit opened")
	}
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
	if err := s.Put(ctx, "a", 1); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get(ctx, "a"); err != nil || v != 1 {
		t.Fatalf("Get = %d, %v", v, err)
	}
	st.err = errBoom
	for range 3 {
		_ = s.Put(ctx, "b", 2)
	}
	if v, err := s.Get(ctx, "a"); err != nil || v != 0 {
		t.Fatalf("open Get = %d, %v; want the fallback's zero value and nil", v, err)
	}
	_, err := s.Keys(ctx)
	wantOpen(t, err)
	if got := h.status(t, "store").Options.CoolDown; got != time.Minute {
		t.Fatalf("store cool-down = %v", got)
	}
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
	if s, err := a.Sum(ctx, myInts{1, 2, 3}); err != nil || s != 6 {
		t.Fatalf("Sum = %d, %v", s, err)
	}
	if l, err := a.Label(ctx, "x"); err != nil || l != "x" {
		t.Fatalf("Label = %q, %v", l, err)
	}
	if m, err := a.Max(3, 9, 4); err != nil || m != 9 {
		t.Fatalf("Max = %d, %v", m, err)
	}
	for range 3 {
		_, _ = a.Max()
	}
	_, err := a.Sum(ctx, nil)
	wantOpen(t, err)

	n := &node{}
	n.out = []edge{{from: n, to: n}}
	w := generic.NewWalkerBreaker[*node, edge](walker{}, h.b)
	if es, err := w.Walk(ctx, n); err != nil || len(es) != 1 {
		t.Fatalf("Walk = %v, %v", es, err)
	}
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
	if err != nil || txt != "<x>" {
		t.Fatalf("Text = %q, %v", txt, err)
	}
	html, err := r.HTML(ctx, htmltemplate.Must(htmltemplate.New("h").Parse("<p>{{.}}</p>")), "<x>")
	if err != nil || html != "<p>&lt;x&gt;</p>" {
		t.Fatalf("HTML = %q, %v", html, err)
	}
	throttled := samename.NewRendererBreaker(fakeRenderer{err: vendorsdk.ErrThrottled}, h.b)
	for range 10 {
		if err := throttled.Send(ctx, vendorsdk.Message{To: "a"}); !errors.Is(err, vendorsdk.ErrThrottled) {
			t.Fatalf("Send: %v", err)
		}
	}
	if st := h.status(t, "samename.Renderer"); st.SampleSize != 2 {
		t.Fatalf("samples = %d, want 2: ErrThrottled is excluded", st.SampleSize)
	}
}

// fakeFetch implements selfnamed.Fetch.
type fakeFetch struct{ err error }

func (f fakeFetch) Fetch(ctx context.Context, url string) ([]byte, error) { return []byte(url), f.err }

func TestSelfNamed(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	f := selfnamed.NewFetchBreaker(fakeFetch{}, h.b)
	if b, err := f.Fetch(ctx, "u"); err != nil || string(b) != "u" {
		t.Fatalf("Fetch = %q, %v", b, err)
	}
	for range 3 {
		if err := selfnamed.CallNext(ctx, h.b, true); !errors.Is(err, selfnamed.ErrNext) {
			t.Fatalf("CallNext: %v", err)
		}
	}
	wantOpen(t, selfnamed.CallNext(ctx, h.b, false))
	if h.rec.count("selfnamed.next", runtime.EventOpened) != 1 {
		t.Fatalf("circuit selfnamed.next did not open")
	}
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
		if _, err := client.Get("http://dependency.invalid/"); !errors.Is(err, errBoom) {
			t.Fatalf("Get: %v", err)
		}
	}
	if _, err := client.Get("http://dependency.invalid/"); !errors.Is(err, runtime.ErrOpen) {
		t.Fatalf("open: %v", err)
	}
	if calls != 3 {
		t.Fatalf("transport called %d times, want 3", calls)
	}
	h.clock.Advance(15 * time.Second)
	fail = nil
	resp, err := client.Get("http://dependency.invalid/")
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("probe: %v", err)
	}
	resp.Body.Close()
	if st := h.status(t, "http"); !st.Closed() || len(st.Options.Exclude) != 1 || st.Options.Exclude[0] != context.Canceled {
		t.Fatalf("http status = %+v", st)
	}
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
		if _, err := c.Send(ctx, vendorsdk.Message{To: "x"}); !errors.Is(err, vendorsdk.ErrThrottled) {
			t.Fatalf("Send: %v", err)
		}
	}
	if c.Region() != "eu" {
		t.Fatalf("Region did not pass through")
	}
	if st := h.status(t, "vendor"); st.SampleSize != 0 {
		t.Fatalf("throttling was recorded")
	}

	r := source.NewReaderBreaker(strings.NewReader("abc"), h.b)
	data, err := io.ReadAll(r)
	if err != nil || string(data) != "abc" {
		t.Fatalf("ReadAll = %q, %v", data, err)
	}
	var buf bytes.Buffer
	w := source.NewWriterBreaker(&buf, h.b)
	if _, err := io.WriteString(w, "xyz"); err != nil || buf.String() != "xyz" {
		t.Fatalf("Write: %v", err)
	}
	cl := source.NewCloserBreaker(io.NopCloser(nil), h.b)
	if err := cl.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"io.Reader", "io.Writer", "io.Closer"} {
		if h.status(t, name).SampleSize == 0 {
			t.Errorf("circuit %s recorded nothing", name)
		}
	}
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
	if err := multi.NewLedgerBreaker(l, h.b).Append(ctx, "e"); err != nil {
		t.Fatal(err)
	}
	if ok, err := multi.NewAuditBreaker(l, h.b).Check(ctx, "e"); err != nil || !ok {
		t.Fatalf("Check = %v, %v", ok, err)
	}
	if s, err := multi.NewReaderBreaker(l, h.b).Read(ctx); err != nil || s != "r" {
		t.Fatalf("Read = %q, %v", s, err)
	}
	if err := multi.NewWriterBreaker(l, h.b).Write(ctx, "w"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"multi.Ledger", "audit", "multi.Reader", "multi.Writer"} {
		if h.status(t, name).SampleSize != 1 {
			t.Errorf("circuit %s did not record the call", name)
		}
	}
}

type shadow struct{ err error }

func (s shadow) Get(key int) (string, error) { return fmt.Sprint(key), s.err }

func TestGenericTypeParamsShadowingNames(t *testing.T) {
	h := newHarness()
	ok := generic.NewShadowBreaker[string, int](shadow{}, h.b)
	if v, err := ok.Get(7); err != nil || v != "7" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	bad := generic.NewShadowBreaker[string, int](shadow{err: errBoom}, h.b)
	for range 3 {
		_, _ = bad.Get(1)
	}
	_, err := ok.Get(1)
	wantOpen(t, err)
}

package gen_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/testdata/signatures"
)

// fakeShapes records what each method received and fails with err.
type fakeShapes struct {
	err  error
	got  []string
	ctxs []context.Context
}

func (f *fakeShapes) rec(ctx context.Context, format string, args ...any) {
	f.got = append(f.got, fmt.Sprintf(format, args...))
	f.ctxs = append(f.ctxs, ctx)
}

func (f *fakeShapes) Unnamed(ctx context.Context, s string, n int) error {
	f.rec(ctx, "Unnamed %s %d", s, n)
	return f.err
}
func (f *fakeShapes) Blank(ctx context.Context, s string, n int) error {
	f.rec(ctx, "Blank %s %d", s, n)
	return f.err
}
func (f *fakeShapes) Variadic(ctx context.Context, format string, args ...any) (string, error) {
	f.rec(ctx, "Variadic %d", len(args))
	return fmt.Sprintf(format, args...), f.err
}
func (f *fakeShapes) BlankVariadic(ctx context.Context, s ...string) (int, error) {
	f.rec(ctx, "BlankVariadic %s", strings.Join(s, ","))
	return len(s), f.err
}
func (f *fakeShapes) Named(ctx context.Context, id string) (n int, s string, err error) {
	f.rec(ctx, "Named %s", id)
	return len(id), id + id, f.err
}
func (f *fakeShapes) NoResults(ctx context.Context) { f.rec(ctx, "NoResults") }
func (f *fakeShapes) NonError(ctx context.Context) (int, string) {
	f.rec(ctx, "NonError")
	return 7, "seven"
}
func (f *fakeShapes) ErrorFirst(ctx context.Context) (error, int) {
	f.rec(ctx, "ErrorFirst")
	return f.err, 3
}
func (f *fakeShapes) Many(ctx context.Context) (int8, int16, int32, int64, string, []byte, map[string]int, error) {
	f.rec(ctx, "Many")
	return 1, 2, 3, 4, "five", []byte("six"), map[string]int{"seven": 7}, f.err
}
func (f *fakeShapes) NoContext(id string) (string, error) {
	f.rec(nil, "NoContext %s", id)
	return id, f.err
}
func (f *fakeShapes) ContextLater(id string, ctx context.Context) error {
	f.rec(ctx, "ContextLater %s", id)
	return f.err
}
func (f *fakeShapes) Aliased(c signatures.Ctx, n int) (int, error) {
	f.rec(c, "Aliased %d", n)
	return n * 2, f.err
}
func (f *fakeShapes) Ping() error {
	f.rec(nil, "Ping")
	return f.err
}
func (f *fakeShapes) CustomErr(ctx context.Context) *signatures.MyError {
	f.rec(ctx, "CustomErr")
	return &signatures.MyError{Msg: "custom"}
}

type ctxKey struct{}

func TestSignaturesPassArgumentsAndResults(t *testing.T) {
	ctx := context.WithValue(context.Background(), ctxKey{}, "caller")
	f := &fakeShapes{}
	s := signatures.NewShapesBreaker(f, newHarness().b)

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Unnamed(ctx, "u", 1))
	must(s.Blank(ctx, "b", 2))
	v, err := s.Variadic(ctx, "%s-%d", "x", 3)
	must(err)
	if v != "x-3" {
		t.Errorf("Variadic = %q", v)
	}
	n, err := s.BlankVariadic(ctx, "p", "q")
	must(err)
	if n != 2 {
		t.Errorf("BlankVariadic = %d", n)
	}
	n, str, err := s.Named(ctx, "ab")
	must(err)
	if n != 2 || str != "abab" {
		t.Errorf("Named = %d, %q", n, str)
	}
	s.NoResults(ctx)
	if n, str := s.NonError(ctx); n != 7 || str != "seven" {
		t.Errorf("NonError = %d, %q", n, str)
	}
	if e, n := s.ErrorFirst(ctx); e != nil || n != 3 {
		t.Errorf("ErrorFirst = %v, %d", e, n)
	}
	a, b, c, d, e, g, m, err := s.Many(ctx)
	must(err)
	if a != 1 || b != 2 || c != 3 || d != 4 || e != "five" || string(g) != "six" || m["seven"] != 7 {
		t.Errorf("Many = %v %v %v %v %v %v %v", a, b, c, d, e, g, m)
	}
	str, err = s.NoContext("id")
	must(err)
	if str != "id" {
		t.Errorf("NoContext = %q", str)
	}
	must(s.ContextLater("later", ctx))
	n, err = s.Aliased(ctx, 21)
	must(err)
	if n != 42 {
		t.Errorf("Aliased = %d", n)
	}
	must(s.Ping())
	if e := s.CustomErr(ctx); e == nil || e.Msg != "custom" {
		t.Errorf("CustomErr = %v", e)
	}
	want := []string{"Unnamed u 1", "Blank b 2", "Variadic 2", "BlankVariadic p,q", "Named ab", "NoResults",
		"NonError", "ErrorFirst", "Many", "NoContext id", "ContextLater later", "Aliased 21", "Ping", "CustomErr"}
	if !slices.Equal(f.got, want) {
		t.Fatalf("calls = %q\nwant    %q", f.got, want)
	}
	for i, c := range f.ctxs {
		if c != nil && c.Value(ctxKey{}) != "caller" {
			t.Errorf("call %s got another context", f.got[i])
		}
	}
}

// TestSignaturesContextChoice shows which context each method gives Done: a
// caller's cancellation is not a failure, so a method that passes the caller's
// cancelled context never opens the circuit, while one without a context
// parameter (context.Background) records context.Canceled as a failure.
func TestSignaturesContextChoice(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	h := newHarness()
	f := &fakeShapes{err: context.Canceled}
	s := signatures.NewShapesBreaker(f, h.b)
	for range 10 {
		if err := s.ContextLater("x", cancelled); !errors.Is(err, context.Canceled) {
			t.Fatalf("ContextLater: %v", err)
		}
		if _, err := s.Aliased(cancelled, 1); !errors.Is(err, context.Canceled) {
			t.Fatalf("Aliased: %v", err)
		}
	}
	if st := h.status(t, "signatures.Shapes"); st.SampleSize != 0 {
		t.Fatalf("the caller's cancellation was recorded (%d samples): the decorator did not pass the caller's context", st.SampleSize)
	}
	for range 3 {
		_, _ = s.NoContext("x")
	}
	wantOpen(t, s.Ping())
}

func TestSignaturesOpenCircuit(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	f := &fakeShapes{err: errBoom}
	s := signatures.NewShapesBreaker(f, h.b)
	for range 3 {
		_ = s.Unnamed(ctx, "u", 1)
	}
	calls := len(f.got)
	a, b, c, d, e, g, m, err := s.Many(ctx)
	wantOpen(t, err)
	if a != 0 || b != 0 || c != 0 || d != 0 || e != "" || g != nil || m != nil {
		t.Errorf("open Many returned non-zero values")
	}
	n, str, err := s.Named(ctx, "x")
	wantOpen(t, err)
	if n != 0 || str != "" {
		t.Errorf("open Named = %d, %q", n, str)
	}
	_, err = s.BlankVariadic(ctx, "a")
	wantOpen(t, err)
	if len(f.got) != calls {
		t.Fatalf("an open circuit let %d calls through", len(f.got)-calls)
	}
	// Unprotected methods still pass through.
	s.NoResults(ctx)
	s.NonError(ctx)
	s.ErrorFirst(ctx)
	s.CustomErr(ctx)
	if len(f.got) != calls+4 {
		t.Fatalf("unprotected methods did not pass through")
	}
	if h.rec.count("signatures.Shapes", runtime.EventSkipped) != 3 {
		t.Fatalf("want 3 skipped events, got %d", h.rec.count("signatures.Shapes", runtime.EventSkipped))
	}
}

func TestGeneratedMethodDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	s := signatures.NewShapesBreaker(nopShapes{&fakeShapes{}}, runtime.MustNew())
	if n := testing.AllocsPerRun(1000, func() { _ = s.Unnamed(ctx, "x", 1) }); n != 0 {
		t.Fatalf("generated method allocates %v times per call", n)
	}
}

// nopShapes does nothing in Unnamed, so that only the decorator is measured.
type nopShapes struct{ *fakeShapes }

func (nopShapes) Unnamed(context.Context, string, int) error { return nil }

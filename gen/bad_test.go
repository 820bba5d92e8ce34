package gen_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/gen"
)

// TestBadInput checks every problem the generator reports on bad input: the
// exact "file:line:col: message" lines, the sentinel error, and that nothing
// is written.
func TestBadInput(t *testing.T) {
	// Positions outside the package are relative to the module root; export
	// data has no columns.
	hiddenDir := "testdata/bad/deps/hidden/hidden.go"
	placementRule := "a //go:generate line wraps the interface it sits directly above (no blank line between); " +
		"anywhere else (after a blank line, in doc.go) it wraps every interface of the package that has a //breaker: directive"
	tests := []struct {
		dir  string
		cfg  gen.Config
		kind error
		want []string
	}{
		{
			dir: "keys", cfg: gen.Config{Types: []string{"Keys"}}, kind: gen.ErrDirective,
			want: []string{
				`keys.go:7:29: unknown key "color" (want one of name, cooldown, window, rate, samples, exclude, success, slow, slowrate, cooldownmax, ramp, probes, mode, k, fallback, judge, key, maxkeys, skip)`,
				`keys.go:9:32: key cooldown given twice (first at keys.go:9:20)`,
				`keys.go:11:20: "fast" is not key=value`,
				`keys.go:13:12: unknown directive "//breaker:circut" (want //breaker:circuit, //breaker:method or //breaker:skip)`,
				`keys.go:15:17: //breaker:skip takes no arguments`,
				`keys.go:17:12: //breaker:skip and //breaker:circuit on the same method`,
				`keys.go:20:2: method F has a //breaker:circuit directive but no result to judge: no final error result, no result with an Err() error method and no judge=`,
				`keys.go:22:25: name "bad!name": want letters, digits and . _ - : / only`,
			},
		},
		{
			dir: "values", cfg: gen.Config{Types: []string{"Values"}}, kind: gen.ErrValue,
			want: []string{
				`values.go:6:28: cooldown: "10parsecs" is not a duration (examples: 30s, 1m, 1h30m)`,
				`values.go:6:45: window: -1s is outside [1ms, 24h]`,
				`values.go:8:25: rate: "0" is not a number in (0, 1]`,
				`values.go:10:25: rate: "1.5" is not a number in (0, 1]`,
				`values.go:12:25: rate: "NaN" is not a number in (0, 1]`,
				`values.go:12:37: samples: "0" is not a positive integer`,
				`values.go:14:28: samples: "many" is not a positive integer`,
				`values.go:14:40: window: 0s is outside [1ms, 24h]`,
			},
		},
		{
			dir: "policies", cfg: gen.Config{Types: []string{"Values", "Merged"}, Output: "x_breaker.go"}, kind: gen.ErrValue,
			want: []string{
				`policies.go:7:24: slow: "fast" is not a duration (examples: 2s, 30s, 5m)`,
				`policies.go:7:38: slowrate: "2" is not a number in (0, 1]`,
				`policies.go:7:52: cooldownmax: 0s is outside [1ms, 24h]`,
				`policies.go:7:60: ramp: 25h is outside [1ms, 24h]`,
				`policies.go:7:71: probes: "0" is not an integer in [1, 1000]`,
				`policies.go:7:78: mode: "fast" is neither classic nor adaptive`,
				`policies.go:7:85: k: "-1" is not a number in (0, 100]`,
				`policies.go:9:20: slow=1m is not shorter than the evaluation window (window=1m)`,
				`policies.go:9:28: slowrate= needs slow= (the duration past which a call is slow)`,
				`policies.go:11:32: cooldownmax=30s is below the cool-down (cooldown=1m)`,
				`policies.go:13:20: k= applies to mode=adaptive`,
				`policies.go:15:34: ramp= does not go with mode=adaptive, which never opens the circuit`,
				`policies.go:15:43: probes= does not go with mode=adaptive, which never opens the circuit`,
				`policies.go:15:52: slow= does not go with mode=adaptive, which never opens the circuit`,
				`policies.go:15:60: cooldownmax= does not go with mode=adaptive, which never opens the circuit`,
				`policies.go:24:20: ramp= does not go with mode=adaptive, which never opens the circuit`,
			},
		},
		{
			dir: "resolve", cfg: gen.Config{Types: []string{"Resolve", "Both"}, Output: "x_breaker.go"}, kind: gen.ErrResolve,
			want: []string{
				`resolve.go:15:27: cannot resolve ErrMissing: no ErrMissing in package resolve`,
				`resolve.go:15:47: cannot resolve sql.ErrNoRows: package sql is not imported by this file or package`,
				`resolve.go:17:28: NotAnError has type string, which does not implement error`,
				`resolve.go:17:39: Resolve does not implement error`,
				`resolve.go:17:54: cannot resolve io.nope: nope is unexported in package io`,
				`resolve.go:19:28: cannot resolve io.Missing: no Missing in package io`,
				`resolve.go:25:45: ErrKnown is listed in both exclude and success`,
				`resolve.go:27:37: exclude: ErrKnown listed twice`,
			},
		},
		{
			dir: "fallback", cfg: gen.Config{Types: []string{"Fallback", "OnInterface"}, Output: "x_breaker.go"}, kind: gen.ErrFallback,
			want: []string{
				`fallback.go:25:29: fallback wrongArgs has type func(ctx context.Context, id int) (string, error), want func(ctx context.Context, id string) (string, error) (the signature of Fallback.A)`,
				`fallback.go:27:29: fallback wrongResults has type func(ctx context.Context, id string) string, want func(ctx context.Context, id string) (string, error) (the signature of Fallback.B)`,
				`fallback.go:29:29: cannot resolve missing: no missing in package fallback`,
				`fallback.go:31:29: fallback Value is a variable of type int, not a function`,
				`fallback.go:33:29: fallback generic is generic but Fallback is not; a generic fallback has the type parameters of its interface`,
				`fallback.go:35:29: fallback local.Missing: local has no method or field Missing`,
				`fallback.go:37:29: fallback local.Wrong has type func(ctx context.Context) error, want func(ctx context.Context, id string) (string, error) (the signature of Fallback.G)`,
				`fallback.go:39:29: fallback local.Field is a field of type int, not a function`,
				`fallback.go:41:29: fallback "context".Background has type func() context.Context, want func(ctx context.Context, id string) (string, error) (the signature of Fallback.I)`,
				`fallback.go:43:29: cannot resolve "example.com/not/loaded".F: example.com/not/loaded is not in go.mod; run go get example.com/not/loaded`,
				`fallback.go:45:29: fallback "a.b.c.d" is not the name of a function (f, pkg.F, "import/path".F) or of a method value (v.M, pkg.V.M)`,
				`fallback.go:49:19: fallback applies to interface methods, not to an interface`,
			},
		},
		{
			dir: "nothing", cfg: gen.Config{Types: []string{"I"}}, kind: gen.ErrDirective,
			want: []string{
				`nothing.go:6:1: directive annotates nothing: put it in the doc comment of an interface type or of an interface method`,
				`nothing.go:9:1: directive on type S, which is not an interface`,
				`nothing.go:12:1: directive annotates nothing: put it in the doc comment of an interface type or of an interface method`,
				`nothing.go:16:2: directive annotates nothing: put it in the doc comment of an interface type or of an interface method`,
				`nothing.go:23:2: directive on an embedded type; annotate the methods where they are declared`,
				`nothing.go:31:1: directive on a grouped type declaration; put it above a type inside the group`,
			},
		},
		{
			dir: "empty", cfg: gen.Config{Types: []string{"Empty", "Any"}, Output: "x_breaker.go"}, kind: gen.ErrNoMethods,
			want: []string{
				`empty.go:5:6: interface Empty has no methods; there is nothing to protect`,
				`empty.go:8:6: interface Any has no methods; there is nothing to protect`,
			},
		},
		{
			dir: "empty", cfg: gen.Config{Types: []string{"Constraint", "NotIface", "Missing"}, Output: "x_breaker.go"}, kind: gen.ErrTarget,
			want: []string{
				`breakergen: no type Missing in package empty`,
				`empty.go:11:6: Constraint is a constraint interface (it has type terms); only method sets can be wrapped`,
				`empty.go:17:6: NotIface is not an interface type`,
			},
		},
		{
			dir: "conflict", cfg: gen.Config{Types: []string{"A", "B"}, Output: "x_breaker.go"}, kind: gen.ErrConflict,
			want: []string{
				`conflict.go:11:29: circuit "own" gets options "cooldown=1m samples=4" here but "cooldown=1m samples=3" at conflict.go:9:29`,
				`conflict.go:17:31: circuit "shared" gets options "cooldown=2m" here but "cooldown=1m" at conflict.go:7:31`,
				`conflict.go:23:6: ABreaker is already declared; breakergen declares it for A`,
			},
		},
		{
			dir: "placement", cfg: gen.Config{File: "placement.go", Line: 11}, kind: gen.ErrTarget,
			want: []string{`placement.go:11:1: this //go:generate line sits directly above var v, which is not an interface; ` + placementRule},
		},
		{
			dir: "placement", cfg: gen.Config{File: "placement.go", Line: 16}, kind: gen.ErrTarget,
			want: []string{`placement.go:16:1: this //go:generate line sits directly above type T, which is not an interface; ` + placementRule},
		},
		{
			dir: "placement", cfg: gen.Config{File: "placement.go", Line: 19}, kind: gen.ErrTarget,
			want: []string{`placement.go:19:1: no interface of package placement carries a //breaker: directive: annotate one, put the //go:generate line directly above it, or name interfaces with -type`},
		},
		{
			dir: "unwrapped", cfg: gen.Config{File: "unwrapped.go", Line: 9}, kind: gen.ErrTarget,
			want: []string{
				`unwrapped.go:27:6: interface Stock has //breaker: directives but no //go:generate line wraps it (the line at unwrapped.go:9:1 wraps Orders; ` +
					`the line at unwrapped.go:15:1 wraps Users); ` + placementRule,
				`unwrapped.go:32:6: interface Audit has //breaker: directives but no //go:generate line wraps it (the line at unwrapped.go:9:1 wraps Orders; ` +
					`the line at unwrapped.go:15:1 wraps Users); ` + placementRule,
			},
		},
		{
			dir: "methods", cfg: gen.Config{Types: []string{"Stream"}}, kind: gen.ErrDirective,
			want: []string{
				`methods.go:14:18: //breaker:method Write: Stream has no method Write`,
				`methods.go:15:18: method Get has directives at methods.go:19:2 too; give them in one place`,
				`methods.go:16:11: //breaker:method wants a method name first, then key=value options: //breaker:method Get key=$2`,
				`methods.go:21:12: //breaker:method Put belongs in the doc comment of an interface, or beside a -source //go:generate line; on a method, write //breaker:circuit`,
			},
		},
		{
			dir: "placement", cfg: gen.Config{}, kind: gen.ErrUsage,
			want: []string{`breakergen: no target: name interfaces with -type, or run from a //go:generate line ($GOFILE and $GOLINE unset)`},
		},
		{
			dir: "placement", cfg: gen.Config{File: "missing.go", Line: 3}, kind: gen.ErrTarget,
			want: []string{`missing.go:3:1: missing.go is not part of package placement with the current build tags (see -tags)`},
		},
		{
			dir: "unexported",
			cfg: gen.Config{
				Source: "github.com/breakergen/breakergen/testdata/bad/deps/hidden",
				Types:  []string{"Store", "Sealed", "Leaky", "Fields", "cache"}, Output: "x_breaker.go",
			},
			kind: gen.ErrUnnameable,
			want: []string{
				`breakergen: github.com/breakergen/breakergen/testdata/bad/deps/hidden.cache is unexported; package unexported cannot name it`,
				hiddenDir + `:15:1: method Get: type github.com/breakergen/breakergen/testdata/bad/deps/hidden.record is unexported`,
				hiddenDir + `:19:1: method seal of Sealed is unexported in package github.com/breakergen/breakergen/testdata/bad/deps/hidden; no type in package unexported can implement Sealed`,
				hiddenDir + `:26:1: method Get: type github.com/breakergen/breakergen/testdata/bad/deps/internal/secret.Token: internal package github.com/breakergen/breakergen/testdata/bad/deps/internal/secret cannot be imported from github.com/breakergen/breakergen/testdata/bad/unexported`,
				hiddenDir + `:31:1: method Put: struct field x is unexported in package github.com/breakergen/breakergen/testdata/bad/deps/hidden`,
			},
		},
		{
			dir: "placement", cfg: gen.Config{Types: []string{"I"}, Package: "placement_test"}, kind: gen.ErrUsage,
			want: []string{`breakergen: usage: $GOPACKAGE is placement_test but the package in DIR is placement; breakergen does not wrap interfaces of test packages`},
		},
		{
			dir: "values", cfg: gen.Config{Types: []string{"Bounds"}}, kind: gen.ErrValue,
			want: []string{
				`values.go:20:28: cooldown: 2562047h47m16.854775807s is outside [1ms, 24h]`,
				`values.go:20:60: window: 25h is outside [1ms, 24h]`,
				`values.go:22:29: cooldown: 1ns is outside [1ms, 24h]`,
				`values.go:22:40: window: 999us is outside [1ms, 24h]`,
				`values.go:22:54: maxkeys: "0" is not an integer in [1, 1048576]`,
				`values.go:24:28: maxkeys: "2000000" is not an integer in [1, 1048576]`,
			},
		},
		{
			dir: "keyexpr", cfg: gen.Config{Types: []string{"Keys", "Inherited"}, Output: "x_breaker.go"}, kind: gen.ErrKey,
			want: []string{
				`keyexpr.go:16:24: key=hots: method A: undefined: hots`,
				`keyexpr.go:18:24: key=item: method B: it has type Item; want a string or an integer (convert it, or call a function returning one)`,
				`keyexpr.go:20:24: key=$3: method C: $3: the method has 2 parameters ($1 is the first)`,
				`keyexpr.go:22:24: key=func()string{return""}(): method D: a function literal cannot be used in a key; call a function of the package instead`,
				`keyexpr.go:24:32: key=req.URL.Hots: method E: req.URL.Hots undefined (type *url.URL has no field or method Hots)`,
				`keyexpr.go:26:26: key=id): method F: expected 'EOF', found ')'`,
				`keyexpr.go:28:28: maxkeys needs key= (a circuit per key value)`,
				`keyexpr.go:32:20: circuit "shared" is not keyed here but keyed (key=) at keyexpr.go:30:36`,
				`keyexpr.go:36:35: circuit "byint" is keyed by a string here but by a signed integer at keyexpr.go:34:35`,
				`keyexpr.go:42:38: key=host of Inherited does not fit 1 of its 2 methods: Stat (undefined: host). An interface's key= applies to every method it protects: ` +
					`give the key to the methods it fits instead (//breaker:method <Method> key=host beside a -source line), or skip= the others`,
			},
		},
		{
			dir: "judge", cfg: gen.Config{Types: []string{"Judged"}}, kind: gen.ErrJudge,
			want: []string{
				`judge.go:27:26: cannot resolve missing: no missing in package judge`,
				`judge.go:29:26: judge wrongArity has type func(err error) error, want func(string, error) error (the results of Judged.B, returning the error to record)`,
				`judge.go:31:26: judge wrongResult has type func(s string, err error) bool, want func(string, error) error (the results of Judged.C, returning the error to record)`,
				`judge.go:33:26: judge variadic has type func(s string, errs ...error) error, want func(string, error) error (the results of Judged.D, returning the error to record)`,
				`judge.go:35:26: judge NotAFunc is a variable of type int, not a function`,
				`judge.go:37:26: judge generic cannot judge the results of Judged.F, (string, error): in call to generic, cannot infer T`,
				`judge.go:40:2: method G: while its circuit is open it cannot return the open-circuit error: its last result Health is not error and has no SetErr(error) method that a new value could carry it with; give the method a fallback=, or leave it unprotected with skip=`,
				`judge.go:41:2: method H: while its circuit is open it cannot return the open-circuit error: its last result *Cmd is not error and has no SetErr(error) method that a new value could carry it with; give the method a fallback=, or leave it unprotected with skip=`,
				`judge.go:42:26: cannot resolve nopkg.Judge: package nopkg is not imported by this file or package`,
			},
		},
		{
			dir: "skips", cfg: gen.Config{Types: []string{"Skips"}}, kind: gen.ErrDirective,
			want: []string{
				`skips.go:9:11: //breaker:skip applies to interface methods; on an interface, list them: //breaker:circuit skip=Name,Close`,
				`skips.go:10:24: skip: Gone is not a method of Skips`,
				`skips.go:10:24: skip: Nope is not a method of Skips`,
				`skips.go:10:38: key skip given twice (first at skips.go:10:19)`,
				`skips.go:12:20: skip= lists methods of an interface; on a method, write //breaker:skip`,
				`skips.go:14:2: method Get is listed in skip= at skips.go:10:24 but has a directive`,
			},
		},
		{
			dir: "protect", cfg: gen.Config{Types: []string{"Sink", "Closer", "Skipped"}, Output: "x_breaker.go"}, kind: gen.ErrNothingToProtect,
			want: []string{
				`protect.go:7:6: Sink: no method can be protected (Len, Write (no final error result, no Err() error result and no judge=)); an empty decorator would only hide it`,
				`protect.go:13:6: Closer: no method can be protected (Close (cleanup: it must close even while the circuit is open; a directive on it opts in)); an empty decorator would only hide it`,
				`protect.go:20:6: Skipped: no method can be protected (Do (skip= of the interface)); an empty decorator would only hide it`,
			},
		},
		{
			dir: "protect", cfg: gen.Config{Source: "net/http", Types: []string{"Handler"}}, kind: gen.ErrNothingToProtect,
			want: []string{`$GOROOT/src/net/http/server.go:88:1: http.Handler: no method can be protected (ServeHTTP (no final error result, no Err() error result and no judge=)); an empty decorator would only hide it`},
		},
		{
			dir: "typed", cfg: gen.Config{Types: []string{"Typed"}}, kind: gen.ErrResolve,
			want: []string{
				`typed.go:28:28: *ErrVar: ErrVar is a variable, not a type`,
				`typed.go:30:28: PtrError does not implement error but *PtrError does; write *PtrError`,
				`typed.go:32:28: GenericError is generic; only non-generic error types can be matched`,
				`typed.go:34:28: *net.Error: Error is an interface; list it without *`,
				`typed.go:36:28: NotError does not implement error`,
				`typed.go:36:37: *NotError does not implement error`,
			},
		},
		{
			dir: "collide", cfg: gen.Config{File: "collide.go", Line: 6, Source: "net", Types: []string{"Conn"}}, kind: gen.ErrConflict,
			want: []string{
				`collide.go:6:1: this //go:generate line and the one at collide.go:7:1 both write conn_breaker.go and declare ConnBreaker and NewConnBreaker; give one of them -name (or -output)`,
				`collide.go:6:1: this //go:generate line and the one at collide.go:8:1 both declare ConnBreaker and NewConnBreaker; give one of them -name (or -output)`,
			},
		},
		{
			dir: "collide", cfg: gen.Config{File: "collide.go", Line: 8, Source: "net", Types: []string{"Conn"}, Output: "net_breaker.go"}, kind: gen.ErrConflict,
			want: []string{
				`collide.go:8:1: this //go:generate line and the one at collide.go:6:1 both declare ConnBreaker and NewConnBreaker; give one of them -name (or -output)`,
				`collide.go:8:1: this //go:generate line and the one at collide.go:7:1 both declare ConnBreaker and NewConnBreaker; give one of them -name (or -output)`,
			},
		},
		{
			dir: "collide", cfg: gen.Config{File: "local.go", Line: 18}, kind: gen.ErrConflict,
			want: []string{
				`local.go:18:1: this //go:generate line and the one at local.go:7:1 both write store_breaker.go and declare StoreBreaker and NewStoreBreaker; give one of them -name (or -output)`,
			},
		},
		{
			dir: "collide", cfg: gen.Config{Types: []string{"Store", "Other"}, Name: "One"}, kind: gen.ErrUsage,
			want: []string{`breakergen: -name names one decorator, but this run wraps 2 interfaces`},
		},
		{
			dir: "unexported", cfg: gen.Config{Source: "./relative", Types: []string{"X"}}, kind: gen.ErrUsage,
			want: []string{`breakergen: usage: -source wants an import path such as net/http, not "./relative"`},
		},
		{
			dir: "unexported", cfg: gen.Config{Source: "example.com/does/not/exist", Types: []string{"X"}}, kind: gen.ErrLoad,
		},
		{
			dir: "unexported", cfg: gen.Config{Source: "github.com/breakergen/breakergen/testdata/bad/deps/hidden"}, kind: gen.ErrUsage,
			want: []string{`breakergen: -source needs -type to name the interfaces to wrap`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join("..", "testdata", "bad", tt.dir)
			before := listDir(t, dir)
			tt.cfg.Dir, tt.cfg.WorkDir = dir, dir
			res, err := gen.Run(context.Background(), tt.cfg)
			if !assert.Error(t, err) {
				for _, f := range res.Files {
					t.Errorf("wrote %s", f.Path)
				}
				return
			}
			abs, _ := filepath.Abs(dir)
			for i, w := range tt.want {
				tt.want[i] = strings.ReplaceAll(w, "DIR", abs)
			}
			if tt.want != nil {
				assert.Equal(t, strings.Join(tt.want, "\n"), err.Error())
			}
			assert.ErrorIs(t, err, tt.kind)
			var list gen.ErrorList
			if errors.As(err, &list) {
				for _, e := range list {
					assert.True(t, e.Kind != nil && errors.Is(e, e.Kind), "%v: no sentinel kind", e)
				}
			}
			assert.Equal(t, before, listDir(t, dir), "files changed on error")
		})
	}
}

// TestInterfaceKeyOneErrorPerCause is the first-hour report on -source:
// key=$2 on go-redis's Cmdable gave 20 errors (one printed 8 times, citing
// its own position twice). One cause is one error now, at the key, naming a
// few of the methods it does not fit and the way out.
func TestInterfaceKeyOneErrorPerCause(t *testing.T) {
	dir := filepath.Join("..", "testdata", "bad", "cmdkey")
	_, err := gen.Generate(context.Background(), gen.Config{
		Dir: dir, WorkDir: dir, File: "cmdkey.go", Line: 5,
		Source: "github.com/redis/go-redis/v9", Types: []string{"Cmdable"},
	})
	var list gen.ErrorList
	require.ErrorAs(t, err, &list)
	require.Len(t, list, 1, "%v", err)
	assert.ErrorIs(t, err, gen.ErrKey)
	assert.Equal(t, "cmdkey.go:6:34", list[0].Pos.String())
	assert.Regexp(t, `^key=\$2 of redis.Cmdable does not fit [0-9]+ of its [0-9]+ methods: ACLCat \(\$2: the method has 1 parameters`, list[0].Msg)
	assert.Contains(t, list[0].Msg, "; and ")
	assert.Contains(t, list[0].Msg, "(//breaker:method <Method> key=$2 beside a -source line)")
}

// TestRefusesToOverwriteHandWrittenFile checks that an output name taken by a
// file the generator did not write is an error, and the file survives.
func TestRefusesToOverwriteHandWrittenFile(t *testing.T) {
	dir := filepath.Join("..", "testdata", "bad", "overwrite")
	path := filepath.Join(dir, "i_breaker.go")
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	_, err = gen.Run(context.Background(), gen.Config{Dir: dir, Types: []string{"I"}})
	require.ErrorIs(t, err, gen.ErrWrite)
	assert.Contains(t, err.Error(), "refusing to overwrite")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after), "the hand-written file is untouched")
}

// listDir returns the names and sizes of the files in dir.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		info, err := e.Info()
		require.NoError(t, err)
		out = append(out, e.Name()+":"+info.ModTime().String())
	}
	return out
}

package gen

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecoratorAndOutputNames(t *testing.T) {
	for _, c := range []struct{ iface, custom, typ, ctor, file string }{
		{"Payments", "", "PaymentsBreaker", "NewPaymentsBreaker", "payments_breaker.go"},
		{"store", "", "storeBreaker", "newStoreBreaker", "store_breaker.go"},
		{"Conn", "NetConn", "NetConn", "NewNetConn", "netconn_breaker.go"},
		{"Conn", "NetConnBreaker", "NetConnBreaker", "NewNetConnBreaker", "netconn_breaker.go"},
		{"RoundTripper", "perHost", "perHost", "newPerHost", "perhost_breaker.go"},
		{"Conn", "Breaker", "Breaker", "NewBreaker", "breaker_breaker.go"},
	} {
		typ, ctor := decoratorNames(c.iface, c.custom)
		assert.Equal(t, c.typ, typ)
		assert.Equal(t, c.ctor, ctor)
		assert.Equal(t, c.file, outputName(c.iface, c.custom))
	}
}

func TestGroupImports(t *testing.T) {
	src := "// header\n\npackage p\n\nimport (\n\t\"context\"\n\tredis \"github.com/redis/go-redis/v9\"\n\t\"net/http\"\n\t\"time\"\n)\n\nvar x = 1\n"
	want := "// header\n\npackage p\n\nimport (\n\t\"context\"\n\t\"net/http\"\n\t\"time\"\n\n\tredis \"github.com/redis/go-redis/v9\"\n)\n\nvar x = 1\n"
	assert.Equal(t, want, string(groupImports([]byte(src))))
	single := "package p\n\nimport \"context\"\n"
	assert.Equal(t, single, string(groupImports([]byte(single))), "a single import is left alone")
	stdOnly := "package p\n\nimport (\n\t\"context\"\n\t\"time\"\n)\n"
	assert.Equal(t, stdOnly, string(groupImports([]byte(stdOnly))))
}

func TestUnPositional(t *testing.T) {
	assert.Equal(t, "$1.URL undefined (type string has no field or method URL)", unPositional("_1.URL undefined (type string has no field or method URL)"))
	assert.Equal(t, "a_1 and $12", unPositional("a_1 and _12"))
}

func TestRelPosition(t *testing.T) {
	pos := token.Position{Filename: "/m/svc/a.go", Line: 3, Column: 4}
	assert.Equal(t, "svc/a.go:3:4", relPosition(pos, []string{"/other", "/m"}).String(), "the first base holding the file")
	assert.Equal(t, "a.go:3:4", relPosition(pos, []string{"/m/svc", "/m"}).String())
	assert.Equal(t, "/m/svc/a.go:3:4", relPosition(pos, []string{"/m/svcx"}).String(), "absolute when no base holds it")
	assert.Equal(t, "-", relPosition(token.Position{}, []string{"/m"}).String())
}

func TestDeclBelowAndAnnotatedSpecs(t *testing.T) {
	// The //go:generate lines are hidden from go generate ./... in this file.
	src := strings.ReplaceAll(`package p

//go:generate-hidden breakergen
type A interface{ M() error }

//go:generate-hidden breakergen
var v int

//breaker:circuit name=b
type B interface{ M() error }

type C interface {
	//breaker:skip
	M() error
}

//go:generate-hidden breakergen

type D interface{ M() error }

type (
	//go:generate-hidden breakergen
	E interface{ M() error }
)

// F is documented.
//
//go:generate-hidden breakergen
func F() {}

//go:generate-hidden breakergen
type (
	G interface{ M() error }
)
`, "-hidden", "")
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
	require.NoError(t, err)
	assert.Equal(t, "A", declBelow(fset, f, 3).spec.Name.Name)
	assert.Equal(t, below{other: "var v"}, declBelow(fset, f, 6), "a line directly above a var")
	assert.Equal(t, below{}, declBelow(fset, f, 17), "a blank line below: package mode")
	assert.Equal(t, "E", declBelow(fset, f, 22).spec.Name.Name, "inside a group")
	assert.Equal(t, below{other: "func F"}, declBelow(fset, f, 28), "in a function's doc comment")
	assert.Equal(t, below{other: "a grouped type declaration"}, declBelow(fset, f, 31))
	assert.Equal(t, below{}, declBelow(fset, f, 35), "at the end of the file")
	var names []string
	for _, s := range annotatedSpecs(f) {
		names = append(names, s.Name.Name)
	}
	assert.Equal(t, []string{"B", "C"}, names)
}

func TestGenerateArgs(t *testing.T) {
	for text, want := range map[string][]string{
		"//go:generate breakergen":                                                     {},
		"//go:generate go tool breakergen -type A":                                     {"-type", "A"},
		"//go:generate go run github.com/breakergen/breakergen/cmd/breakergen -name N": {"-name", "N"},
		"//go:generate   go run ./cmd/breakergen -source net -type Conn -output c.go":  {"-source", "net", "-type", "Conn", "-output", "c.go"},
	} {
		got, ok := generateArgs(text)
		assert.True(t, ok, text)
		assert.Equal(t, want, append([]string{}, got...), text)
	}
	for _, text := range []string{"//go:generate stringer -type T", "// go:generate breakergen", "//go:generate breakergenx"} {
		_, ok := generateArgs(text)
		assert.False(t, ok, text)
	}
}

func TestOptionsOver(t *testing.T) {
	iface := circuitOpts{set: bitCoolDown | bitSamples, coolDown: 30 * time.Second, samples: 20}
	method := circuitOpts{set: bitSamples | bitRate, samples: 5, rate: 0.25}
	got := method.over(iface)
	assert.Equal(t, bitCoolDown|bitSamples|bitRate, got.set)
	assert.Equal(t, 30*time.Second, got.coolDown, "inherited")
	assert.Equal(t, 5, got.samples, "overridden")
	assert.Equal(t, 0.25, got.rate)
	assert.Equal(t, "cooldown=30s rate=0.25 samples=5", got.String())
}

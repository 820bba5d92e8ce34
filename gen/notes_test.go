package gen_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/gen"
)

// notes returns the notes of a run as strings.
func notes(t *testing.T, cfg gen.Config) []string {
	t.Helper()
	res, err := gen.Generate(context.Background(), cfg)
	require.NoError(t, err)
	var out []string
	for _, n := range res.Notes {
		out = append(out, n.String())
	}
	return out
}

func TestNotesOneLinePerInterfaceAndVerbose(t *testing.T) {
	netConn := gen.Config{
		Dir: filepath.Join("..", "testdata", "conns"), File: "conns.go", Line: 12,
		Source: "net", Types: []string{"Conn"}, Name: "NetConn",
	}
	assert.Equal(t, []string{
		"testdata/conns/conns.go:12:1: note: net.Conn: 3 of 8 methods pass through unprotected: Close (cleanup: it must close even while the circuit is open; a directive on it opts in); LocalAddr, RemoteAddr (no final error result, no Err() error result and no judge=)",
	}, notes(t, netConn), "one line, file names relative to the module root")

	netConn.Verbose = true
	got := notes(t, netConn)
	require.Len(t, got, 7, "the summary and one line per unprotected method, the skipped ones too")
	assert.Equal(t, "testdata/conns/conns.go:12:1: note: net.Conn.SetDeadline passes through unprotected (skip= of the interface)", got[4])

	netConn.WorkDir = netConn.Dir
	assert.Equal(t, "conns.go:12:1: note: net.Conn.Close passes through unprotected (cleanup: it must close even while the circuit is open; a directive on it opts in)",
		notes(t, netConn)[1], "relative to WorkDir when it holds the file")

	stream := gen.Config{Dir: filepath.Join("..", "testdata", "conns"), Types: []string{"Stream"}}
	assert.Empty(t, notes(t, stream), "nothing passes through: no note")
	queue := gen.Config{Dir: filepath.Join("..", "testdata", "pkgmode"), Types: []string{"Queue"}}
	assert.Empty(t, notes(t, queue), "a method the user skipped needs no note")
}

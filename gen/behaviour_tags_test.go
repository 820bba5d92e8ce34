package gen_test

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// TestBuildTaggedExtra compiles and tests the decorator of an interface that
// exists only with -tags breakergen_extra: go test ./... never builds it, so
// this test runs the go command on it with the tag.
func TestBuildTaggedExtra(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"vet", "-tags", "breakergen_extra", "./testdata/buildtags/"},
		{"test", "-count=1", "-tags", "breakergen_extra", "-run", "TestExtra", "./testdata/buildtags/"},
	} {
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %v: %v\n%s", args, err, out)
		}
	}
}

// Command policysvg draws the README's timeline pictures of the policies
// beyond Faulty's (slow calls, backoff, ramped recovery, several probes,
// adaptive mode) into docs/policies: each replays a scenario with the fake
// clock of internal/testing/policysim, with and without the policy, and
// draws what became of the calls second by second, with the circuit's state
// beneath. The runs are deterministic, so the files only change when the
// runtime's behaviour does; CI runs go generate and fails on a difference.
//
//	go generate ./internal/tools/policysvg
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/breakergen/breakergen/internal/testing/policysim"
)

//go:generate go run . -out ../../../docs/policies

func main() {
	out := flag.String("out", ".", "the `directory` to write the pictures into")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "policysvg:", err)
		os.Exit(1)
	}
}

// run draws every figure into dir, writing only the files that changed.
func run(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range figures() {
		var panels []panel
		for _, v := range f.variants {
			res, err := policysim.Run(f.scenario, v.options)
			if err != nil {
				return fmt.Errorf("%s, %s: %w", f.file, v.label, err)
			}
			panels = append(panels, panel{label: v.label, intervals: res.Intervals})
		}
		if err := write(filepath.Join(dir, f.file), render(f, panels)); err != nil {
			return err
		}
	}
	return nil
}

// write writes data to path unless the file holds it already.
func write(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return os.WriteFile(path, data, 0o644)
}

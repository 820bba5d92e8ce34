// Command apifile records the exported API of every package of every module
// of this repository in api/, one file per package, so that an API change is
// a reviewed diff: CI regenerates the files (go generate) and fails when they
// differ from the committed ones.
//
// Run it from anywhere in the repository, after a change of API or a merge:
//
//	go generate ./internal/tools/apifile
//
// Packages under internal/, testdata/ and examples/, and commands, have no API
// to record.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

//go:generate go run . -root ../../..

func main() {
	root := flag.String("root", ".", "the repository's root `directory`")
	flag.Parse()
	if err := run(*root); err != nil {
		fmt.Fprintln(os.Stderr, "apifile:", err)
		os.Exit(1)
	}
}

// run writes the API files of every module under root.
func run(root string) error {
	root, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	modules, err := findModules(root)
	if err != nil {
		return err
	}
	files := make(map[string][]byte) // by path relative to api/
	for _, dir := range modules {
		pkgs, err := load(dir)
		if err != nil {
			return err
		}
		for _, p := range pkgs {
			rel, err := filepath.Rel(root, p.dir)
			if err != nil {
				return err
			}
			if !recorded(rel, p.name) {
				continue
			}
			files[filepath.ToSlash(rel)+".txt"] = render(p)
		}
	}
	return write(filepath.Join(root, "api"), files)
}

package main

import (
	"errors"
	"fmt"
	"go/types"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/packages"
)

// pkg is one loaded package.
type pkg struct {
	path, name, dir string
	types           *types.Package
}

// findModules returns the directories of the modules under root: every
// go.mod outside testdata, hidden and underscore directories.
func findModules(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		if !d.IsDir() && name == "go.mod" {
			out = append(out, filepath.Dir(path))
		}
		return nil
	})
	return out, err
}

// load type-checks the packages of the module in dir.
func load(dir string) ([]pkg, error) {
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedTypes,
		Dir:  dir,
		Env:  append(os.Environ(), "GOWORK=off"),
	}
	loaded, err := packages.Load(cfg, "./...")
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", dir, err)
	}
	var out []pkg
	var errs []error
	for _, p := range loaded {
		for _, e := range p.Errors {
			errs = append(errs, fmt.Errorf("%s: %v", p.PkgPath, e))
		}
		if len(p.GoFiles) == 0 || p.Types == nil {
			continue
		}
		out = append(out, pkg{path: p.PkgPath, name: p.Name, dir: filepath.Dir(p.GoFiles[0]), types: p.Types})
	}
	return out, errors.Join(errs...)
}

// recorded reports whether the package in the directory rel (relative to the
// repository's root) has an API to record.
func recorded(rel, name string) bool {
	if name == "main" {
		return false
	}
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		switch part {
		case "internal", "testdata", "examples":
			return false
		}
	}
	return true
}

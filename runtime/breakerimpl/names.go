package breakerimpl

import (
	"reflect"
	"regexp"
	"strings"
)

// TypeName returns how the default circuit name of a generic decorator shows
// the type argument T: "string", "model.Order", "*model.Order",
// "[]model.Order", "map[string]int", "model.Box[int]". Types are qualified
// by their package's name, never by its import path, so every process of a
// fleet names a circuit alike, whatever its build.
func TypeName[T any]() string {
	return shortTypeName(reflect.TypeFor[T]().String())
}

// importPath matches the import path part of a qualified type name that
// reflect writes for the type arguments of a generic type
// ("example.com/model.Order" in "model.Box[example.com/model.Order]").
var importPath = regexp.MustCompile(`[A-Za-z0-9_.~\-]+(?:/[A-Za-z0-9_.~\-]+)*/`)

// shortTypeName shortens the import paths in a type's reflect name to their
// last element, and writes the empty interface as any.
func shortTypeName(s string) string {
	s = strings.ReplaceAll(s, "interface {}", "any")
	if !strings.Contains(s, "/") {
		return s
	}
	return importPath.ReplaceAllString(s, "")
}

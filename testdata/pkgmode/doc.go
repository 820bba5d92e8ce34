// Package pkgmode is a golden case: one //go:generate line, not above any
// type, wraps every interface of the package that carries a //breaker:
// directive, in one package load. Interfaces without one are left alone.
package pkgmode

//go:generate go run github.com/breakergen/breakergen/cmd/breakergen

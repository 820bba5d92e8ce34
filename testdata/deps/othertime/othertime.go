// Package time is a dependency of the golden cases whose name clashes with the
// standard library's time package.
package time

// Stamp is a point in some other notion of time.
type Stamp struct{ Tick uint64 }

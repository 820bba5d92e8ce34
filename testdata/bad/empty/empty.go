// Package empty has interfaces that cannot be wrapped.
package empty

// Empty has no methods.
type Empty interface{}

// Any is just as empty.
type Any = interface{}

// Constraint has type terms.
type Constraint interface {
	~int
	String() string
}

// NotIface is a struct.
type NotIface struct{}

//go:generate breakergen
func notAType() {}

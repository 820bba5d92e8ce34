// Package nilness tells a nil interface value, or one holding a typed nil, from a
// usable one, so that constructors can reject a nil dependency with an error
// instead of panicking on its first use.
package nilness

import "reflect"

// Is reports whether v is nil, or holds a nil pointer, map, slice, channel,
// function or interface: a typed nil, which compares unequal to nil as an
// interface value but panics on its first method call.
func Is(v any) bool {
	if v == nil {
		return true
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface:
		return r.IsNil()
	}
	return false
}

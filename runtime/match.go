package runtime

import (
	"errors"
	"reflect"
)

// ErrorAs returns an error to list in Options.Exclude or Options.Success that
// matches every error whose tree holds an error of type T, as errors.AsType[T]
// finds it: ErrorAs[*NotFoundError]() for an error type with a pointer
// receiver, ErrorAs[NotFoundError]() for a value type, ErrorAs[net.Error]()
// for an interface. Generated decorators use it for the error types a
// directive's exclude= or success= lists. Two calls with the same T return
// equal values. The returned error is a matcher, not an error anyone returns:
// errors.Is(err, ErrorAs[T]()) is false.
func ErrorAs[T error]() error { return asMatcher[T]{} }

// asMatcher is the error ErrorAs returns.
type asMatcher[T error] struct{}

// Error names the type the matcher looks for.
func (asMatcher[T]) Error() string {
	return "breakergen: any error of type " + reflect.TypeFor[T]().String()
}

// matchError reports whether err's tree holds a T.
func (asMatcher[T]) matchError(err error) bool {
	_, ok := errors.AsType[T](err)
	return ok
}

// errorMatcher is implemented by the matchers ErrorAs returns.
type errorMatcher interface {
	matchError(err error) bool
}

// matches reports whether err matches listed, an entry of Exclude or Success:
// with the matcher's own rule for a matcher of ErrorAs, else with errors.Is.
func matches(err, listed error) bool {
	if m, ok := listed.(errorMatcher); ok {
		return m.matchError(err)
	}
	return errors.Is(err, listed)
}

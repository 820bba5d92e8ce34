package runtime

import (
	"fmt"
	"reflect"
	goruntime "runtime"
	"strings"
)

// resolve returns the effective options of the circuit name when the code
// gives it o: o merged in order over the Breaker's defaults, the operator's
// options for name over them. It reports an invalid o, naming the circuit.
func (b *Breaker) resolve(name string, o []Options) (Options, error) {
	resolved := defaultOptions.merge(b.defaults)
	for _, code := range o {
		if err := code.Validate(); err != nil {
			return Options{}, fmt.Errorf("%w (circuit %q)", err, name)
		}
		resolved = resolved.merge(code)
	}
	resolved = resolved.merge(b.overrides[name]).withDefaults()
	if err := resolved.policy().Validate(); err != nil {
		return Options{}, fmt.Errorf("breakergen: invalid options (circuit %q): %w", name, err)
	}
	return resolved, nil
}

// givesOptions reports whether o sets any option: a registration without
// options joins a circuit as it is.
func givesOptions(o []Options) bool {
	for i := range o {
		if !reflect.ValueOf(&o[i]).Elem().IsZero() {
			return true
		}
	}
	return false
}

// conflictError is the error of a second registration of a circuit whose
// effective options differ from the first's.
func conflictError(name string, first, now Options) error {
	return fmt.Errorf("%w: circuit %q is already registered with other options (%s); "+
		"registrations of one circuit must agree: give this one a circuit of its own with "+
		"runtime.WithInstance(name) (a decorator option) or name= in its directive, or another name",
		ErrInvalid, name, first.differ(now))
}

// differ describes the fields in which o (the first registration's) and p
// (a later one's) differ, "" when they give one circuit the same options.
// Functions are the same when they have one code pointer (reflect's
// Value.Pointer): method values of one method count as the same whatever
// their receivers, closures only when the compiler made them at one site. Error
// lists are the same when they hold the same errors by identity (==, or
// reflect.DeepEqual for errors of a type that cannot be compared), in any
// order. Other fields compare by value.
func (o Options) differ(p Options) string {
	a, b := reflect.ValueOf(o), reflect.ValueOf(p)
	var diffs []string
	for i := range a.NumField() {
		f := a.Type().Field(i)
		if !f.IsExported() || sameValue(a.Field(i), b.Field(i)) {
			continue
		}
		diffs = append(diffs, fmt.Sprintf("%s: %s first, %s now", f.Name, describe(a.Field(i)), describe(b.Field(i))))
	}
	return strings.Join(diffs, "; ")
}

// sameValue reports whether two values of one Options field are the same.
func sameValue(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Func:
		return a.IsNil() == b.IsNil() && (a.IsNil() || a.Pointer() == b.Pointer())
	case reflect.Slice:
		return sameSet(a, b)
	}
	if a.Type().Comparable() {
		return a.Equal(b)
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// sameSet reports whether two slices hold the same elements, in any order.
func sameSet(a, b reflect.Value) bool {
	if a.Len() != b.Len() {
		return false
	}
	used := make([]bool, b.Len())
	for i := range a.Len() {
		found := false
		for j := range b.Len() {
			if !used[j] && sameElem(a.Index(i), b.Index(j)) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// sameElem reports whether two elements of an error list are one error.
func sameElem(a, b reflect.Value) bool {
	x, y := a.Interface(), b.Interface()
	if x == nil || y == nil {
		return x == y
	}
	if reflect.TypeOf(x) != reflect.TypeOf(y) {
		return false
	}
	if reflect.TypeOf(x).Comparable() {
		return x == y
	}
	return reflect.DeepEqual(x, y)
}

// describe renders a field's value for a conflict message: a function by its
// name, an error list by the errors' texts.
func describe(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Func:
		if v.IsNil() {
			return "nil"
		}
		if fn := goruntime.FuncForPC(v.Pointer()); fn != nil {
			return fn.Name()
		}
		return "a function"
	case reflect.Slice:
		items := make([]string, v.Len())
		for i := range v.Len() {
			items[i] = fmt.Sprint(v.Index(i).Interface())
		}
		return "[" + strings.Join(items, ", ") + "]"
	}
	return fmt.Sprint(v.Interface())
}

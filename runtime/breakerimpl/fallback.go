package breakerimpl

import (
	"fmt"
	"reflect"

	"github.com/breakergen/breakergen/runtime"
)

// WithFallback returns the decorator option of a generated fallback option
// (WithXChargeFallback(f)): f answers the method named by key, of F's type,
// while its circuit is open, instead of the directive's fallback= if any. A
// nil f is an error the constructor panics with.
func WithFallback[F any](key string, f F) runtime.DecoratorOption {
	return hooks.Option(func(s *settings) error {
		if v := reflect.ValueOf(f); !v.IsValid() || v.IsNil() {
			return fmt.Errorf("%w: nil fallback for %s", runtime.ErrInvalid, key)
		}
		if s.Fallbacks == nil {
			s.Fallbacks = map[string]any{}
		}
		s.Fallbacks[key] = f
		return nil
	})
}

// Fallback returns the fallback a generated fallback option gave the
// decorator for the method named by key, or the zero F (nil) when none did.
func Fallback[F any](d Decoration, key string) F {
	f, _ := d.s.Fallbacks[key].(F)
	return f
}

// CountFallback tells the call counters of c that a call its circuit refused
// was answered by a fallback (callcount.Fallback; the refusal itself was
// counted as callcount.Skipped). Generated methods call it before they call
// a fallback.
func CountFallback(c *runtime.Circuit) { hooks.CountFallback(c) }

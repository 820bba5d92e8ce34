package runtime

import "github.com/breakergen/breakergen/runtime/callcount"

// callCounters combines the counting functions of a circuit's listeners that
// are callcount.Counters into one, nil when there is none.
func callCounters(name string, specs []listenerSpec) func(callcount.Outcome) {
	var fns []func(callcount.Outcome)
	for _, s := range specs {
		if cc, ok := s.l.(callcount.Counter); ok {
			if fn := cc.CountCalls(name); fn != nil {
				fns = append(fns, fn)
			}
		}
	}
	switch len(fns) {
	case 0:
		return nil
	case 1:
		return fns[0]
	}
	return func(o callcount.Outcome) {
		for _, fn := range fns {
			fn(o)
		}
	}
}

package breakergrpc

import (
	"strings"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc"

	"github.com/breakergen/breakergen/runtime"
)

// circuit is one circuit of the interceptors, with the error that its
// current open period's skipped calls return, so a skip allocates nothing
// after the first of its period, and whether its last stream was refused,
// which tells the stream interceptor where to take a wrapper from (a hint:
// a stale one costs time, never correctness). They are written only when
// an open period starts (skipped) or the circuit starts or stops refusing
// (refusing), so calls on a closed circuit only read them.
type circuit struct {
	c        *runtime.Circuit
	skipped  atomic.Pointer[SkippedError]
	refusing atomic.Bool
}

// methodKey is the key of a per-method circuit: the ClientConn's target and
// the full method.
type methodKey struct{ target, method string }

// circuits finds the circuit of a call without a lock or an allocation:
// copy-on-write maps behind atomic pointers, written under mu when a service
// or method is first seen. They grow with the services and methods a program
// calls, which its code bounds.
type circuits struct {
	b         *runtime.Breaker
	cfg       *config
	mu        sync.Mutex
	byService atomic.Pointer[map[string]*circuit]
	byMethod  atomic.Pointer[map[methodKey]*circuit]
}

// lookup returns the circuit of a call of method on cc.
func (cs *circuits) lookup(cc *grpc.ClientConn, method string) *circuit {
	if cs.cfg.perMethod {
		key := methodKey{target(cc), method}
		if m := cs.byMethod.Load(); m != nil {
			if c, ok := (*m)[key]; ok {
				return c
			}
		}
		return add(cs, &cs.byMethod, key, key.target+method)
	}
	svc := service(method)
	if m := cs.byService.Load(); m != nil {
		if c, ok := (*m)[svc]; ok {
			return c
		}
	}
	return add(cs, &cs.byService, svc, svc)
}

// add makes the circuit of key, named cs.cfg.name[label], unless another
// call just did.
func add[K comparable](cs *circuits, p *atomic.Pointer[map[K]*circuit], key K, label string) *circuit {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	old := p.Load()
	if old != nil {
		if c, ok := (*old)[key]; ok {
			return c
		}
	}
	next := make(map[K]*circuit, 1)
	if old != nil {
		for k, v := range *old {
			next[k] = v
		}
	}
	// The options were validated when the interceptors were made; Circuit
	// panics only if the storage refuses the circuit, a programming error.
	c := &circuit{c: cs.b.Circuit(cs.cfg.name+"["+label+"]", cs.cfg.opts)}
	next[key] = c
	p.Store(&next)
	return c
}

// service returns the service of a full method, "/pkg.Service/Method" →
// "pkg.Service", without allocating.
func service(method string) string {
	s := strings.TrimPrefix(method, "/")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[:i]
	}
	return s
}

// target returns the target of cc, "" without one.
func target(cc *grpc.ClientConn) string {
	if cc == nil {
		return ""
	}
	return cc.Target()
}

package adaptertest

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Gate holds server handlers for a Fixture's Hang behaviour: a handler calls
// Hold, which returns when the fixture calls Release or the request's context
// ends; AwaitHeld waits until so many handlers hold. Use one per target. The
// zero value is ready to use; a Gate is safe for concurrent use.
type Gate struct {
	mu      sync.Mutex
	open    chan struct{} // closed by Release; a new one for later holders
	held    int
	changed chan struct{} // closed and replaced whenever held changes
}

// Hold blocks until Release or until ctx ends, and reports whether it was
// released.
func (g *Gate) Hold(ctx context.Context) bool {
	g.mu.Lock()
	g.init()
	open := g.open
	g.held++
	g.notify()
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.held--
		g.notify()
		g.mu.Unlock()
	}()
	select {
	case <-open:
		return true
	case <-ctx.Done():
		return false
	}
}

// Release lets every handler holding now go on; handlers that call Hold later
// wait for the next Release.
func (g *Gate) Release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.init()
	close(g.open)
	g.open = make(chan struct{})
}

// Held returns how many handlers hold.
func (g *Gate) Held() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.held
}

// AwaitHeld blocks until at least n handlers hold, failing the test when that
// does not happen within a generous real-time bound.
func (g *Gate) AwaitHeld(t testing.TB, n int) {
	t.Helper()
	limit := time.After(30 * time.Second)
	for {
		g.mu.Lock()
		g.init()
		held, changed := g.held, g.changed
		g.mu.Unlock()
		if held >= n {
			return
		}
		select {
		case <-changed:
		case <-limit:
			t.Fatalf("adaptertest: %d of %d calls held after 30s", held, n)
		}
	}
}

func (g *Gate) init() {
	if g.open == nil {
		g.open = make(chan struct{})
		g.changed = make(chan struct{})
	}
}

// notify wakes AwaitHeld; g.mu is held.
func (g *Gate) notify() {
	close(g.changed)
	g.changed = make(chan struct{})
}

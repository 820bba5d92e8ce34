package runtime

import (
	"time"
)

// Clock tells the time. Inject one with WithClock to make every time decision of
// in-memory storage deterministic in tests. Implementations must be safe for
// concurrent use.
type Clock interface {
	Now() time.Time
}

// systemClock is the default Clock: the wall clock.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

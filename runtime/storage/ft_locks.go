package storage

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// lockKeeper is what a fault-tolerant handle knows of its circuit's lock. Every
// change increments gen; a lock read from the backend is learnt only if gen did
// not change while it was being read, so a slow read never overwrites a newer
// lock. A lock set here that the backend did not get is pending: it is shown in
// every status and re-sent before the backend's lock is trusted again.
type lockKeeper struct {
	mu      sync.Mutex
	gen     uint64
	known   Lock
	pending atomic.Bool // known did not reach the backend; read without mu by Admit
}

// begin notes the generation before a backend read.
func (k *lockKeeper) begin() uint64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.gen
}

// learn takes l, read from the backend in a read that began at gen, as the
// known lock unless it is stale or a local lock is pending. It returns the lock
// to show and, when it changed, applies it to fb (may be nil).
func (k *lockKeeper) learn(gen uint64, l Lock, fb *memHandle) Lock {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.gen != gen || k.pending.Load() || k.known == l {
		return k.shown(l)
	}
	k.gen++
	k.known = l
	if fb != nil {
		_ = fb.Lock(context.Background(), time.Time{}, l)
	}
	return l
}

// shown is the lock to show with a backend status whose lock is l: the local
// one while it is pending, else l.
func (k *lockKeeper) shown(l Lock) Lock {
	if k.pending.Load() {
		return k.known
	}
	return l
}

// change records a local lock change; reached says whether the backend got it.
func (k *lockKeeper) change(l Lock, reached bool, fb *memHandle) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.gen++
	k.known = l
	k.pending.Store(!reached)
	if fb != nil {
		_ = fb.Lock(context.Background(), time.Time{}, l)
	}
}

// resend sends a pending lock to the backend with send; on success it is no
// longer pending, unless it changed meanwhile. It returns the lock to show.
func (k *lockKeeper) resend(send func(Lock) error) Lock {
	k.mu.Lock()
	l, gen := k.known, k.gen
	k.mu.Unlock()
	if send(l) != nil {
		return l
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.gen == gen {
		k.pending.Store(false)
	}
	return k.known
}

// current returns the known lock.
func (k *lockKeeper) current() Lock {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.known
}

package engine

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// giveBack releases, in the background, a reservation whose caller gave up
// waiting for its reply (its storage budget spent; the script may have run and
// won): it sends the reservation again with the same token, which wins again
// if the first did, and releases what it won. Without it a reply lost or late
// cost the fleet's probe a cool-down, the reservation held by nobody. A
// reservation that had not run is taken and given back likewise, in
// milliseconds. The attempts back off from 50 ms and stop at the first answer,
// or after giveBackAttempts; Shutdown waits for them.
func (s *Engine) giveBack(h *handle, openedAt, reservedAt time.Time, token string) {
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	if s.stopped {
		return // the reservation, if it ran, ends with its cool-down
	}
	s.bg.Go(func() {
		wait := 50 * time.Millisecond
		for range giveBackAttempts {
			select {
			case <-s.stop:
				return
			case <-time.After(wait):
			}
			wait *= 2
			ctx, cancel := context.WithTimeout(context.Background(), roundTimeout)
			r, err := h.reserveStatus(ctx, openedAt, reservedAt, token)
			if err == nil && r.won {
				_, err = h.Release(ctx, time.Time{}, r.status.ReservedAt)
			}
			cancel()
			var rerr redis.Error
			if err == nil || errors.As(err, &rerr) {
				return
			}
		}
	})
}

// giveBackAttempts bounds the attempts of a give-back: about 3 s of backing
// off, longer than a connection's recovery from a lost reply.
const giveBackAttempts = 6

package redisstore

import "time"

// Advance moves the store's view of the server's time forward by d (backward for
// a negative d), for tests that must not sleep.
func (s *Store) Advance(d time.Duration) { s.offset.Add(d.Microseconds()) }

// Keys returns the state, window and lock keys of the named circuit.
func (s *Store) Keys(name string) []string { return s.keys(name) }

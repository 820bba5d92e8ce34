package engine

import (
	"fmt"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
)

// Config is a store's configuration, as package redisstore's options leave
// it: every field set, the defaults already applied.
type Config struct {
	Prefix   string
	StateTTL time.Duration
	LockTTL  time.Duration // 0: locks never expire
	Buckets  int
	Strict   bool
	Flush    time.Duration
	Refresh  time.Duration
	Stale    time.Duration // the staleness bound in force
	Quorum   int
	// Acks is how many replicas must acknowledge a reservation or an
	// operator's write, within AckTimeout; -1: every replica the master has.
	Acks       int
	AckTimeout time.Duration
}

// ErrInvalid is wrapped by the errors of a bad configuration or argument. It
// wraps storage.ErrInvalid; package redisstore exports it as its own.
var ErrInvalid = fmt.Errorf("%w: redisstore", storage.ErrInvalid)

// MaxBuckets is the largest bucket count of a window (redisstore.MaxBuckets):
// a geometry read back with more is corrupt.
const MaxBuckets = 1000

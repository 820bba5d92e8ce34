package redisstore

import "github.com/breakergen/breakergen/runtime/storage/redisstore/internal/engine"

// The errors are declared by the engine, which wraps them, and exported here
// as the same values, so errors.Is holds for either name.
var (
	// ErrInvalid is wrapped by the errors New returns for a nil client or a bad
	// option. It wraps storage.ErrInvalid, so errors.Is(err, storage.ErrInvalid)
	// holds too, as for every invalid configuration of breakergen.
	ErrInvalid = engine.ErrInvalid

	// ErrStale is wrapped by the storage failure a fleet store reports, once for
	// the store (through one of its circuits, the error naming how many), when it
	// has had no answer from Redis for longer than its staleness bound
	// (WithStaleAfter): it no longer trusts what it last learnt of the fleet and
	// decides from this process's own outcomes alone until Redis answers.
	// It wraps storage.ErrDetached.
	ErrStale = engine.ErrStale

	// ErrUnacknowledged is wrapped by the error of an operator's write (a lock, an
	// unlock, a reset) that ran on the master but that fewer replicas than the
	// store wants acknowledged in time (WithReplicaAcks): a failover now could
	// lose it. The write holds on the master; send it again to be sure. A
	// reservation that no replica acknowledged is not granted instead.
	ErrUnacknowledged = engine.ErrUnacknowledged
)

// Package redisstore keeps circuit state in Redis, so that every process of a fleet
// shares one view of each dependency's health. It works with every
// redis.UniversalClient of github.com/redis/go-redis/v9: a standalone or Sentinel
// (failover) *redis.Client, a *redis.ClusterClient, or a *redis.Ring.
//
// # Atomicity and time
//
// Every Storage method is one Lua script, run with EVALSHA (falling back to EVAL
// when the server does not have it cached), so each decision is one round trip and
// atomic: the status read, the outcome record with its threshold check and
// transition, open, reopen, close, the reservation compare-and-set, release,
// lock, unlock and reset. There are no WATCH/MULTI chains and no read-then-write
// races between clients.
//
// The scripts read the time with Redis's TIME command. The now arguments of the
// Storage methods are ignored, and Status.CurrentTime is the Redis server's
// instant, so clients whose clocks disagree make exactly the same decisions.
//
// # Keys
//
// A circuit named N under the prefix P (WithPrefix, default "breakergen") has up
// to three keys, all with the hash tag {P:N} so that they live in one slot of a
// Redis Cluster and every script touches a single slot:
//
//	{P:N}:s  hash   state ("open" or "closed"), opened and reserved (Unix
//	                microseconds); expires StateTTL plus CoolDown after its last change
//	{P:N}:w  hash   the window: field i (0 ≤ i < buckets) is "start:successes:failures"
//	                of one time bucket, start in Unix microseconds; expires one
//	                EvaluationWindow plus one bucket after its last outcome
//	{P:N}:l  string the lock, "open" or "closed"; expires after LockTTL, or never
//
// The characters '%', '{' and '}' of P and N are written as %25, %7B and %7D, so
// the hash tag stays intact whatever the names hold. A key that is missing reads
// as the default: closed, unlocked, never opened, no reservation, empty window.
//
// The window is a ring of time buckets (WithBuckets, default 10), each
// EvaluationWindow/buckets wide: the outcomes counted are those of the current
// bucket and the buckets-1 before it, and a slot is overwritten when its bucket
// is reused, so a circuit's memory in Redis is flat however busy it is.
//
// # Listing
//
// List and Clear keep no registry (which would cost a write to another slot on
// the hot path). They SCAN for the keys of the prefix: on a *redis.ClusterClient
// every master is scanned, on a *redis.Ring every shard. They are meant for
// operators, not for the request path, and are not atomic across circuits.
//
// # Failures
//
// Every method returns Redis's and the network's errors, wrapped; data under our
// keys that the scripts cannot read (a key of another type, an unknown state, an
// unparsable number) yields an error that wraps storage.ErrCorrupt. The Store is
// not fault tolerant: the runtime wraps it (runtime.WithStorage does it by
// itself) so that a Redis outage fails open.
package redisstore

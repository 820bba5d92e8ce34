// Package redisstore keeps circuit state in Redis, so that every process of
// a fleet shares one view of each dependency's health. It works with every
// redis.UniversalClient of github.com/redis/go-redis/v9: a standalone or Sentinel
// (failover) *redis.Client, a *redis.ClusterClient, or a *redis.Ring.
//
// # Modes
//
// A Store runs in fleet mode unless WithStrict is given.
//
// In fleet mode a protected call on a closed, unlocked circuit makes no round
// trip. Each process keeps every circuit's status in memory and decides from it,
// and counts outcomes in a local ring of time buckets. Every flush interval
// (WithFlushInterval, default 100 ms) a round visits the circuits that counted
// outcomes since they last sent them, and sends those whose outcomes can matter
// now: the process's own failure rate has reached half the rate threshold,
// other processes vote to open, or it has not reported the circuit yet (each
// in a flush script of its own, which decides the transition). The others are
// lazy: once the bucket of their oldest outcome has closed (two buckets when
// the process's own failure rate is under a quarter of the threshold and the
// window has eight buckets or more), and the circuit's turn in the first
// quarter of the next bucket has come, so that a fleet's reports do not reach
// Redis at once, they travel in report scripts, up to 64 circuits a script off
// a cluster or ring, which merge them without deciding a transition; a report
// whose failures may open the circuit with the votes Redis holds is handed
// back to the flush script. Healthy traffic therefore costs Redis about one
// cheap update per (process, busy circuit) every two buckets, whatever the
// call rate. A failure that, added to the shared counts last known
// and the local ones not yet sent, would fail the threshold is sent at once,
// and its script opens the circuit in Redis before the call returns.
//
// Every script that changes a circuit's state or lock announces the change
// on the circuit's pub/sub channel, and one pattern subscription per process
// carries every circuit of the prefix (one per shard on a ring), so an
// opening, a probe's result or an operator's lock reaches the fleet within
// milliseconds, and binding a circuit costs Redis no subscription. Circuits
// in trouble (open, locked, open here, or not read yet) are also re-read by
// the refresh rounds (WithRefreshInterval, default 1 s), each by a process
// once per refresh interval times the most processes seen reporting it (up to
// 600), jittered: the fleet as a whole about once per interval, which repairs
// a lost announcement. A circuit bound and never called is read once, then
// waits for traffic or an announcement. When Redis answers again after an
// outage, or a subscription comes back, every circuit is read again, at most
// 512 a round. A store that has sent nothing for a sixth of its
// staleness bound pings Redis, so an outage is noticed without traffic.
// Decisions about time (is the cool-down over? is the reservation still held?)
// use an estimate of the Redis server's clock, learnt from replies, so hosts
// whose clocks disagree decide alike. The probe's reservation is always a
// script: exactly one caller in the fleet probes per cool-down, as in strict
// mode. Shutdown sends what was counted and stops the goroutines and the
// subscription. Status, Peek and the scrapes that use it (circuitstats, the
// status page, the metrics) read the process's view and cost Redis nothing.
//
// What fleet mode trades: a healthy process's successes reach Redis up to two
// buckets and a quarter (plus a flush interval) late, so the rate the fleet
// shares lags by that much where it is far below the threshold (a bucket and
// a quarter between a quarter and half of it), and by a flush interval near
// it; failures that several processes count at the same instant
// may each stay under the threshold alone and open the circuit at the next
// flush instead of at once; and a process sees another's transition after its
// announcement arrives (about a millisecond on a LAN), or after a refresh when
// it was lost.
//
// # Two verdicts
//
// Every circuit has two verdicts, in both modes. The fleet's is the shared
// window in Redis: when it fails the circuit's thresholds, the circuit opens
// for every process, but only with a quorum (WithQuorum, default 2): at least
// that many processes must vote, a process voting when its own outcomes in the
// window failed the rate threshold at its last report (no minimum of samples),
// or every process that reported within the window must, when fewer did. The
// process's own verdict is its own window, which it counts anyway: when its
// own outcomes fail the thresholds while the fleet's circuit is closed, the
// circuit opens in this process only (a local opening, Status.Scope
// storage.ScopeProcess), so a host whose own network, DNS or pool is broken
// stops calling without taking the dependency away from the others. It probes
// and closes a local opening by itself, at its own cool-down, one probe at a
// time in the process, and keeps reporting its outcomes to the fleet. A
// transition of the fleet's circuit ends a local opening: the fleet's verdict
// supersedes it, and a closing starts the process's window afresh.
//
// What each verdict guarantees: the fleet's opening reaches every process
// (within milliseconds by announcement, within the refresh interval if one is
// lost) and one probe runs per cool-down in the whole fleet; a local opening
// holds for its process alone, with one probe per cool-down in that process,
// and never opens the circuit elsewhere; one process alone, among processes
// that reported within the window, never opens the fleet's circuit unless the
// quorum is one.
//
// # Cut off from Redis
//
// A fleet store with an exchange that has waited longer than its staleness
// bound (WithStaleAfter, default three refresh intervals), with nothing
// answered since, is cut off: it stops trusting what it last learnt of the
// fleet and decides from its own verdict alone. An opening of the fleet's that
// it knew becomes its own, which it probes alone; the store reports a storage
// failure wrapping ErrStale once; no call waits on Redis, and
// operator writes fail at once (the runtime keeps them and sends them again).
// Its outcomes are kept and sent, once, when Redis answers; at that answer it
// trusts the fleet again and re-reads every circuit. A strict store keeps no
// cache to decide from: while Redis fails, its calls are answered by the
// runtime's in-process fallback.
//
// In strict mode every decision is a script: a closed call reads the status
// and records its outcome in two round trips, a skipped call one, a probe
// three. Nothing is kept in the process. Choose it for low-traffic circuits
// where a flush interval of lag matters more than the round trips.
//
// # Policies
//
// Of the policies beyond the classic ones (storage.PolicySupport), a Store
// applies CoolDownMax: the script that reopens a circuit after a failed
// probe backs its cool-down off (doubled, up to CoolDownMax, less a jitter of
// up to a fifth that the probing process draws) and keeps it in the state
// hash with the number of failed recoveries; a close starts again from
// CoolDown. Replies and announcements carry the open period's cool-down
// (Status.CoolDown), so every process of the fleet waits out the same one.
// It applies HalfOpenProbes: the reserve script takes one of the open
// period's HalfOpenProbes reservations, the flush script counts the probes
// that passed and closes the circuit on the last, and replies and
// announcements carry the reservations (Status.Probes, Passed), so a fleet
// process lets no call through while they are all taken; a process's own
// opening takes one probe at a time. In fleet mode it applies Ramp too: the
// probe's close writes its instant, which replies and announcements carry
// (Status.ClosedAt), and every process admits the schedule's share of its own
// calls on the server's clock, so the fleet ramps together; an opening during
// the ramp backs the cool-down off. It refuses the others (and a strict store
// Ramp), with an error wrapping ErrInvalid.
//
// # Atomicity and time
//
// Every change is one Lua script, run with EVALSHA (falling back to EVAL when
// the server does not have it cached): the status read, the outcome record or
// batch with its threshold check and transition, open, reopen, close, the
// reservation's compare-and-set on (opened, reserved), release, lock, unlock and
// reset. There are no WATCH/MULTI chains and no read-then-write races between
// clients. The scripts read the time with Redis's TIME command; the now
// arguments of the handle methods are ignored, and Status.CurrentTime is the
// server's instant.
//
// # Exactly once
//
// Every batch of outcomes a process sends carries its process id and a
// sequence number of its own for the circuit (a strict store numbers its
// records in lanes); Redis keeps, per process, the highest number counted and
// which of the 52 before it were, so a script that go-redis retried, or whose
// reply was lost and that a fleet store sends again (before or after a later
// batch), counts nothing twice, whatever the clocks say. A reservation carries
// a token, so a reservation whose reply was lost and that is sent again wins
// again, and its caller still probes; when the caller stopped waiting first
// (its storage budget spent), the store sends it again in the background and
// releases it (Shutdown waits for that), so the next caller probes at once,
// not a cool-down later. A fleet store drops a batch older than
// its window, or than 52 batches of the circuit, rather than risk counting it
// twice: counting is then at most once, and an outcome a strict store could
// not send is counted only in the runtime's fallback. A fleet store's probe
// outcome, sent at once, rides with its batch when its script fails, under the
// batch's number; and the outcome of a call whose Record the runtime's storage
// guard refused (Redis failing, the guard open) is counted here for the next
// flush (storage.Deferrer) while the fallback decides: every call that ran
// reaches the window once.
//
// # State Redis loses
//
// A failover to a replica that had not received the last writes, a restart
// without persistence, or an eviction can take an opening or a lock from Redis.
// A fleet store that knew them, and finds them gone while they should still
// be held (a reset or an operator's unlock leaves a tombstone, an absence
// does not), writes them back in its next refresh round and reports a storage
// failure wrapping storage.ErrStateLost. Reservations of probes and operator
// writes wait, by default, for every replica the master has to acknowledge them
// (WithReplicaAcks), so a failover neither grants a second probe nor loses an
// acknowledged lock; a write that was not acknowledged in time is refused
// (ErrUnacknowledged for an operator, no probe for a caller).
//
// # Keys
//
// A circuit named N under the prefix P (WithPrefix, default "breakergen") has up
// to seven keys and a channel, all with the hash tag {P:N} so that they live in
// one slot of a Redis Cluster and every script touches a single slot:
//
//	{P:N}:s  hash        state ("open" or "closed"), opened and reserved (Unix
//	                     microseconds), the reservation's token, the last
//	                     transition's batch and kind, the cool-down of the
//	                     open period and the failed recoveries that backed it
//	                     off, the instant a probe closed it with a ramp to
//	                     follow, and the open period's reservations and
//	                     passed probes; expires StateTTL plus CoolDown (or
//	                     CoolDownMax) after its last change
//	{P:N}:b  hash        the window: field "w:n:b" is bucket b of the geometry of n
//	                     buckets w microseconds wide, its value "successes:failures"
//	{P:N}:l  string      the lock, "open" or "closed" ("none" after an unlock);
//	                     expires after LockTTL, or never
//	{P:N}:q  hash        per process (and lane), the last sequence number counted
//	                     and a mask of the 52 before it ("last:mask"; "last"
//	                     alone when all 52 were counted)
//	{P:N}:r  sorted set  the processes that reported outcomes, by the time of their
//	                     last report
//	{P:N}:v  sorted set  the processes whose own outcomes voted to open, likewise
//	{P:N}:z  string      the tombstone of a reset
//	{P:N}:c  channel     announcements of the circuit's changes
//
// In P the characters '%', '{', '}' and ':' are written as %25, %7B, %7D and %3A,
// and in N the first three, so the hash tag stays intact whatever the names hold
// and different prefixes and names never share a key. A key that is missing
// reads as the default: closed, unlocked, never opened, no reservation, empty
// window.
//
// The window is a set of time buckets (WithBuckets, default 10), each
// EvaluationWindow/buckets wide, keyed by their geometry: processes that use
// different windows or bucket counts for one circuit (a rolling deploy that
// changes window=) write different fields and each counts the others' outcomes
// in the part of its window they overlap, so no count is erased or misplaced.
// A script deletes its own geometry's buckets that left the window, and the
// bucket key expires between one and two windows (plus a bucket) after the
// last outcome of its longest geometry, so an idle circuit's keys disappear by
// themselves.
//
// # Listing
//
// List and Clear keep no registry (which would cost a write to another slot on the
// hot path). They SCAN for the keys of the prefix: on a *redis.ClusterClient every
// master is scanned, on a *redis.Ring every shard. They are meant for operators,
// not for the request path, and are not atomic across circuits. Inspect reads
// one circuit as an operator sees it, without a policy.
//
// # Inside
//
// The machinery (the scripts, the handles and the fleet machine) lives in the
// internal package redisstore/internal/engine, whose documentation maps which
// goroutine owns what and which lock guards what; a Store holds an engine and
// delegates to it.
//
// # Failures
//
// Every method returns Redis's and the network's errors, wrapped; data under our
// keys that the scripts cannot read (a key of another type, an unknown state,
// an unparsable number) yields an error that wraps storage.ErrCorrupt. The Store
// is not fault tolerant: runtime.WithStorage wraps it so that a Redis outage
// fails open, and bounds every call made for a protected call by the runtime's
// storage deadline, whatever the client's own timeouts. A fleet store's
// background rounds are bounded by a second each, in pipelines of at most 128
// circuits each bounded by a quarter of it (a slow chunk fails only its
// circuits, whose batches wait for the next round), back off while Redis
// fails, and report failures to the runtime (EventStorageFailure): a chunk the
// network failed once for the store, not once per circuit, and at most once a
// second per cause.
package redisstore

// Package engine is what a redisstore.Store does: the Lua scripts (embedded
// from lua/, one typed Go call each), the handles of both modes, and the fleet
// machine that keeps, in fleet mode, every circuit's status and outcomes in
// the process. Package redisstore holds one Engine per Store and delegates to
// it; its documentation says what the store promises, this one how the
// machine keeps it.
//
// # Who owns what
//
// A fleet store's goroutines start with its first binding and end with
// Shutdown:
//
//	flush loop       fleet.go, fleet_rounds.go, fleet_flush.go, fleet_report.go: every
//	                 flush interval, the dirty circuits' due batches, in flush and
//	                 report scripts; the circuits assumed closed at binding, read once
//	refresh loop     fleet_rounds.go, fleet_restore.go: the watched circuits whose turn
//	                 came, and writing back what Redis lost
//	link watcher     fleet_stale.go: pings a quiet link; detaches and attaches every
//	                 circuit; renews the subscriptions after an outage
//	subscriber       fleet_pubsub.go: one goroutine makes subscription changes in order,
//	                 one per subscription receives announcements
//	background       Engine.bg, in both modes: giveback.go, one per reservation
//	                 whose caller gave up; acks.go, the first count of a master's
//	                 replicas; Shutdown stops and waits for them
//	callers          fleet_handle.go (fhandle), strict_handle.go (shandle): the hot
//	                 path reads the cached status and counts in the ring without a
//	                 lock; a failure that may open the circuit, a probe's outcome, a
//	                 reservation and operator calls run scripts on the caller's
//	                 goroutine, through handle.go
//
// # What guards what
//
//	fcircuit.cache       an immutable snapshot (cached), replaced by compare-and-swap:
//	                     every decision is one load of it
//	fcircuit.flushing    a token (a channel of one): one batch of a circuit on its way at
//	                     a time, in sequence order; rounds take tokens in name order
//	fcircuit.mu          the outbox of batches and the process's own window
//	fcircuit.openMu      the order of failures' opening decisions
//	fcircuit.pending     the ring of outcomes not yet in a batch: lock-free lanes
//	fleet.mu             the circuits by name and channel, the retired ones, the
//	                     circuits to verify
//	fleet.dmu, fleet.wmu the dirty list, the watched set
//	storeFailures.mu     when each cause of a store's failures was last reported
//	subscriber.mu        the subscriptions, their channels and the queue of changes
//	acks.mu              the replicas counted behind each master
//	Engine.bgMu          starting a background goroutine against Shutdown's stopping
//	link, serverClock    atomics only
//
// Listeners are told of transitions after the tokens are given back, so a
// listener may call the circuit.
//
// # Time
//
// Decisions about time read the estimate of the Redis server's clock
// (serverClock), learnt from the scripts' replies, so hosts whose clocks
// disagree decide alike; tests move it with the engine's offset (Advance),
// which every script adds to the server's time too. The local monotonic time
// (batch stamps, the link's staleness bound and pings, the refresh turns, the
// estimate's progress between replies) is read through the Clock the engine
// is given, RealClock unless a test gives a fake one.
package engine

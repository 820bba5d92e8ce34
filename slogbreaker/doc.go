// Package slogbreaker logs breakergen's events with log/slog: one structured
// record per event, with the circuit's name, the event, the error and the
// circuit's status as attributes.
//
// The default levels fit an incident, when every call may fail or be refused:
//
//	opened, reopened, storage failure   Warn  (a storage failure at most once a second per circuit)
//	closed, probe, lock changed         Info
//	failure, skipped, success           Debug (one per call)
//
// WithLevel changes the level of any event type. The listener asks the
// breaker only for the events its logger's level lets through (its Events
// method), so a logger at Info keeps every call on the breaker's hot path:
//
//	l := slogbreaker.MustNewListener(logger)
//	b := runtime.MustNew(runtime.WithListener(l))
//
// The state attribute is runtime.Status.String: "closed", "open", "half-open",
// "open, probe in flight", "open (locked open)", "closed (locked closed)" or
// "unknown (storage failed)", followed by " (this process)" when the verdict
// is this process's own. The scope attribute says whose verdict the status
// is: "fleet" (the storage's shared state; the only one with in-memory
// storage) or "process" (a local opening of a fleet circuit, or a process cut
// off from Redis deciding alone). A transition or lock change that another
// process of the fleet made and this one learnt (runtime.Event.Remote) is
// logged by every process, once, with remote=true; the process that made it
// logs it without, and with the error of the call that caused it when one
// did. A lock change's record says "circuit locked", or "circuit unlocked"
// when the lock was removed, and its lock attribute names the lock set.
//
// Records are written synchronously, on the goroutine of the call. For a
// handler that may block (one that ships logs over the network), put the
// listener behind async.New.
package slogbreaker

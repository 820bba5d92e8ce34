// Package slogbreaker logs breakergen's events with log/slog: one structured
// record per event, with the circuit's name, the event, the error and the
// circuit's status as attributes.
//
// The default levels fit an incident, when every call may fail or be refused:
//
//	opened, reopened, storage failure   Warn  (a storage failure at most once a second per circuit)
//	closed, probe                       Info
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
// "unknown (storage failed)".
//
// Records are written synchronously, on the goroutine of the call. For a
// handler that may block (one that ships logs over the network), put the
// listener behind runtime.NewAsync.
package slogbreaker

// Package slogbreaker logs breakergen's events with log/slog: one structured
// record per event, with the circuit's name, the event, the error and the
// circuit's status as attributes.
//
// Levels follow Faulty's log listener: a failure, an opening, a reopening and a
// storage failure are errors; a skipped call is a warning; a closing and a
// granted probe are information; a success is debug. The listener asks the
// breaker only for the events its logger's level lets through, so that a
// logger at Info keeps every success on the breaker's hot path:
//
//	l := slogbreaker.NewListener(logger)
//	b := runtime.MustNew(runtime.WithListener(l, l.Events()...))
//
// Records are written synchronously, on the goroutine of the call. For a
// handler that may block (one that ships logs over the network), put the
// listener behind runtime.Async.
package slogbreaker

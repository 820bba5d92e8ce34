// Package async puts a runtime.Listener that may block (a log sink on the
// network, a webhook) behind a bounded queue, delivered on a goroutine of its
// own, so that it never holds up a call:
//
//	logs, err := async.New(webhook, async.WithQueue(4096))
//	if err != nil {
//		return err
//	}
//	b := runtime.MustNew(runtime.WithListener(logs))
//	defer b.Shutdown(ctx) // delivers what is queued, then stops the goroutine
//
// The Breaker given the Listener owns it: Breaker.Shutdown shuts it down.
package async

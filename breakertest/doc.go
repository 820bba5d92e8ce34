// Package breakertest is a test kit for code protected by breakergen: a
// Breaker whose circuits a test can force open, half-open or closed, a clock
// the test controls (standing still, or following a testing/synctest bubble's
// time), and a Recorder that keeps every event with helpers that assert the
// events a test expects.
//
//	kit := breakertest.New(t)
//	svc := NewService(payments.NewPaymentsBreaker(client, kit.Breaker))
//	kit.ForceOpen("payments")
//	// ... the service answers from its fallback ...
//	kit.Events.AssertTypes(t, "payments", runtime.EventSkipped)
//
// Nothing in the kit sleeps: cool-downs pass when the test moves the clock.
package breakertest

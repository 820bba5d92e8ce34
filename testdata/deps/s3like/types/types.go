// Package types holds the error types of the s3like SDK, as AWS SDKs do: a
// missing object is a *NoSuchKey, matched with errors.As.
package types

// NoSuchKey says the object does not exist.
type NoSuchKey struct{ Key string }

// Error describes the missing key.
func (e *NoSuchKey) Error() string { return "NoSuchKey: " + e.Key }

// SlowDown says the service throttles the caller.
type SlowDown struct{}

// Error describes the throttling.
func (SlowDown) Error() string { return "SlowDown: reduce your request rate" }

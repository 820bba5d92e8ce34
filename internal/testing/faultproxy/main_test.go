package faultproxy_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when any test, example or cleanup leaves a
// goroutine behind: a closed proxy must leave nothing running.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

package adaptertest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/breakergen/breakergen/adaptertest"
)

func TestGateReleasesOnContext(t *testing.T) {
	var g adaptertest.Gate
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan bool)
	go func() { done <- g.Hold(ctx) }()
	g.AwaitHeld(t, 1)
	cancel()
	assert.False(t, <-done, "a cancelled holder is not released")
	assert.Zero(t, g.Held())
}

func TestGateReleaseIsPerRound(t *testing.T) {
	var g adaptertest.Gate
	g.Release() // nobody holds: nothing to do, and later holders wait
	done := make(chan bool, 2)
	for range 2 {
		go func() { done <- g.Hold(context.Background()) }()
	}
	g.AwaitHeld(t, 2)
	g.Release()
	assert.True(t, <-done)
	assert.True(t, <-done)
}

func TestBehaviorNames(t *testing.T) {
	for b, want := range map[adaptertest.Behavior]string{
		adaptertest.Succeed: "succeed", adaptertest.NotFound: "not-found", adaptertest.Fail: "fail",
		adaptertest.Hang: "hang", adaptertest.Panic: "panic", 0: "unknown",
	} {
		assert.Equal(t, want, b.String())
	}
}

package storagetest

import (
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testAdaptiveNeverOpens: in adaptive mode no failure opens the circuit.
func testAdaptiveNeverOpens(e *env) {
	p := adaptivePolicy
	e.supports(p)
	assert.Empty(e.t, e.recordN("c", p, failure, 20), "20 failures in adaptive mode")
	e.checkState("after 20 failures", e.status("c", p), storage.StateClosed)
}

// testAdaptiveRejects: after a bucket of failures, calls are rejected with
// Google SRE's probability, (requests − K·accepts) / (requests + 1): 10/11.
func testAdaptiveRejects(e *env) {
	p := adaptivePolicy
	e.supports(p)
	run, _ := e.admitAt("c", p, 10)
	require.Equal(e.t, 10, run, "calls of a fresh circuit")
	e.recordN("c", p, failure, 10)
	e.advance(bucketMax)
	run, rejected := e.admitAt("c", p, 110)
	assert.InDelta(e.t, 100, rejected, 10, "calls rejected of 110 with 10 requests and no accept")
	st := e.status("c", p)
	assert.Equal(e.t, rejected, st.Rejected, "Status.Rejected")
	assert.Equal(e.t, 120, st.Requests, "Status.Requests: every call asked for")
	assert.Equal(e.t, 110, run+rejected)
}

// testAdaptiveHealthy: while successes keep up with requests, nothing is
// rejected.
func testAdaptiveHealthy(e *env) {
	p := adaptivePolicy
	e.supports(p)
	e.admitAt("c", p, 10)
	e.recordN("c", p, success, 8)
	e.recordN("c", p, failure, 2)
	e.advance(bucketMax)
	run, rejected := e.admitAt("c", p, 100)
	assert.Equal(e.t, 100, run, "calls admitted with 10 requests and 8 accepts")
	assert.Zero(e.t, rejected)
}

// testAdaptiveAbandoned: a call whose outcome is not recorded is no longer
// requested.
func testAdaptiveAbandoned(e *env) {
	p := adaptivePolicy
	e.supports(p)
	g := e.gate("c", p)
	e.admitAt("c", p, 10)
	for range 4 {
		g.Abandoned(e.now.UnixNano())
	}
	assert.Equal(e.t, 6, e.status("c", p).Requests, "Status.Requests after 10 calls, 4 abandoned")
}

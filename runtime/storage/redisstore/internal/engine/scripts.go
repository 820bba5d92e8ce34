package engine

import (
	"embed"

	"github.com/redis/go-redis/v9"
)

// The Lua scripts, one a file in lua/, each run after the helpers of
// lua/prelude.lua. Every decision about a circuit is one of them (EVALSHA,
// with EVAL when the server does not have it cached): atomic, with no
// WATCH/MULTI chain. Each file says its arguments and reply.
//
// Every script is sent through a typed Go function, which alone turns Go
// values into its arguments (a call) and its reply into Go values:
//
//	status                 handle.statusCall, read; the reply an answer (decode.go)
//	flush                  handle.flushCall (flushArgs), flush; an answer
//	report                 fleet.reportUnit; reported, decodeReport (fleet_report.go)
//	reserve, release       handle.reserveStatus (reserved), Release
//	open, reopen, close    handle.Open, Reopen, Close
//	lock, reset            handle.Lock, Reset
//	restore                fcircuit.restoreCall; restored (fleet_restore.go)
//	history, inspect       handle.History, Engine.Inspect (decode.go)
//
//go:embed lua/*.lua
var lua embed.FS

// load returns the script of lua/name.lua, after the prelude.
func load(name string) *redis.Script {
	prelude, err := lua.ReadFile("lua/prelude.lua")
	if err != nil {
		panic(err) // embedded: cannot happen
	}
	body, err := lua.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic(err)
	}
	return redis.NewScript(string(prelude) + string(body))
}

var (
	scriptStatus  = load("status")  // a circuit's status and the processes of its window
	scriptFlush   = load("flush")   // a batch of outcomes (or one), and the transition it causes
	scriptReport  = load("report")  // lazy batches of many circuits, merged without a transition
	scriptOpen    = load("open")    // an operator's opening
	scriptReopen  = load("reopen")  // an operator's reopening
	scriptClose   = load("close")   // an operator's closing
	scriptReserve = load("reserve") // the probe's compare-and-set
	scriptRelease = load("release") // gives the probe's reservation back
	scriptLock    = load("lock")    // sets or removes the lock
	scriptReset   = load("reset")   // forgets the circuit, leaving tombstones
	scriptRestore = load("restore") // writes back an opening or a lock Redis lost
	scriptHistory = load("history") // the window's buckets
	scriptInspect = load("inspect") // a circuit as an operator sees it
)

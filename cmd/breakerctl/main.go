// Command breakerctl lists, shows, locks, unlocks and resets the circuits that
// breakergen services keep in Redis, for an on-call engineer:
//
//	breakerctl [-redis-url URL] [-prefix P] [-json] list
//	breakerctl status NAME
//	breakerctl lock-open NAME | lock-closed NAME | unlock NAME | reset NAME
//	breakerctl lock-open -force NAME   # a circuit no service has made yet
//
// States are runtime.Status.String's words ("closed", "open", "half-open",
// "open, probe in flight", "open (locked open)", "closed (locked closed)");
// a closed circuit's last opening is marked as history.
// The Redis URL (go-redis format, rediss:// for TLS, user:password@ for ACL
// users) comes from -redis-url or REDIS_URL; its credentials never appear in
// the output. Run breakerctl -h for the flags. Exit status: 0 done, 1 failed
// (Redis unreachable, no such circuit), 2 bad command line or URL.
package main

import (
	"os"

	"github.com/breakergen/breakergen/cmd/breakerctl/internal/breakerctl"
)

func main() {
	os.Exit(breakerctl.Main(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// Package breakerctl is the operator command breakerctl: it lists, shows,
// locks, unlocks and resets the circuits that services keep in Redis
// (redisstore), for an on-call engineer during an incident. cmd/breakerctl
// calls Main; everything else lives here, where it is tested.
//
// Credentials in the Redis URL never reach the output: every message that
// could hold the URL or its password is redacted before it is printed.
package breakerctl

// Package keys is a golden case: methods with one circuit per key value
// (key=), keys from parameters, their fields, positional references, package
// functions and imported packages, of string and integer types.
package keys

import (
	"context"
	"net/http"
	"strings"
)

// Host is a named string type.
type Host string

// Account is a customer.
type Account struct {
	Tenant string
	ID     int64
}

// tenantOf is the key of an account's calls.
func tenantOf(a Account) string { return a.Tenant }

// Hosts talks to many hosts; each host has circuits of its own.
//
//go:generate go run github.com/breakergen/breakergen/cmd/breakergen
//breaker:circuit name=hosts samples=2 cooldown=1m key=host maxkeys=64
type Hosts interface {
	// Ping has the interface's key: one circuit per host in family "hosts".
	Ping(ctx context.Context, host string) error
	//breaker:circuit key=req.URL.Host
	Fetch(req *http.Request) ([]byte, error)
	//breaker:circuit name=hosts.resolve key=strings.ToLower(string($2))
	Resolve(context.Context, Host) ([]string, error)
	//breaker:circuit name=accounts key=tenantOf(acct) maxkeys=8
	Bill(ctx context.Context, acct Account, cents uint32) error
	//breaker:circuit name=accounts.byid key=acct.ID
	Load(ctx context.Context, acct Account) (string, error)
	//breaker:circuit name=shards key=shard
	Put(ctx context.Context, shard uint16, value []byte) error
	//breaker:circuit name=lookups key=host fallback=cachedLookup
	Lookup(ctx context.Context, host string) (string, error)
	//breaker:skip
	Close() error
}

// cachedLookup answers Lookup while the host's circuit is open.
func cachedLookup(ctx context.Context, host string) (string, error) { return "cached:" + host, nil }

// The key of Resolve calls strings.ToLower: the directive's file imports it.
var _ = strings.ToLower

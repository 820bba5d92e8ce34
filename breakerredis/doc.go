// Package breakerredis puts go-redis v9 commands behind circuits of a
// runtime.Breaker: a redis.Hook with one circuit per server address, so each
// node of a Cluster or Ring is cut off alone when it fails.
//
//	client.AddHook(breakerredis.NewHook(b))  // a *redis.Client
//	err := breakerredis.Instrument(cluster, b) // a *redis.ClusterClient or *redis.Ring: a hook per node
//
// The circuit of a server is "redis[host:port]", the address its client
// dials. Judging, by default:
//
//   - a reply is a success; redis.Nil (no such key) is not recorded;
//   - an error reply that says the server cannot serve (LOADING, BUSY,
//     MASTERDOWN, CLUSTERDOWN, TRYAGAIN, READONLY, NOREPLICAS, OOM, MISCONF;
//     WithFailureReplies changes the list) is a failure, and any other error
//     reply (ERR, WRONGTYPE, NOSCRIPT, ...), an answer about the command, is
//     not recorded;
//   - an error that is no reply (a refused dial, a reset connection, a read
//     timeout, a deadline the server missed) is a failure;
//   - a command whose caller's context was cancelled, or a client that was
//     closed, is not recorded;
//   - go-redis's connection set-up commands (HELLO, AUTH, SELECT, READONLY,
//     CLIENT ...), which it sends through the hooks on each new connection and
//     which an older Redis may answer "ERR unknown subcommand", pass through:
//     never skipped, never recorded.
//
// A command the circuit refuses is not sent: its Err() is the
// *runtime.OpenCircuitError (errors.Is(err, runtime.ErrOpen), with
// RetryAfter), so its String() names the command, and the hook returns that
// error too. A pipeline (or transaction) is one call: skipped whole, each
// command given the error, and judged by its worst command.
//
// Pub/sub: go-redis sends SUBSCRIBE and receives messages outside the
// command hooks, so a subscription is neither protected nor judged (only its
// dials reach the hook). Blocking commands (BLPOP, BRPOP, XREAD BLOCK, WAIT)
// are judged when they return: a timeout Redis answers with a nil reply is
// not recorded, a client read timeout is a failure, so give them a context
// or a ReadTimeout longer than the block.
package breakerredis

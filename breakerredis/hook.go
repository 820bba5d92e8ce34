package breakerredis

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"github.com/breakergen/breakergen/runtime"
)

// Hook is a redis.Hook that runs the commands of one client through the
// circuit of the server that client talks to, "redis[host:port]". A Hook
// made by NewHook learns the address from its client's first dial, so add a
// new one to each client; the commands sent before that first dial run
// unprotected, and are recorded once the address is known. A Hook that sees
// a command end without having seen a dial is not on a client that dials:
// added to a *redis.ClusterClient or *redis.Ring (whose nodes dial) or to a
// client whose connections were made before, it protects every command of
// its client with one circuit, "redis[client]", rather than none. Instrument
// makes hooks that know their address from the start, for a client and for
// every node of a Cluster or Ring: a circuit per node. A Hook is safe for
// concurrent use.
type Hook struct {
	b       *runtime.Breaker
	cfg     config
	circuit atomic.Pointer[runtime.Circuit]
}

var _ redis.Hook = (*Hook)(nil)

// NewHook returns a Hook on b, for one client's
// client.AddHook(breakerredis.NewHook(b)). It panics with an error wrapping
// runtime.ErrInvalid when b is nil or an option is invalid, as a Must form
// does: a hook is made in start-up code, and a misconfigured breaker must not
// reach production silently. Instrument returns the same errors instead.
func NewHook(b *runtime.Breaker, opts ...Option) *Hook {
	cfg, err := build(b, opts)
	if err != nil {
		panic(err)
	}
	return &Hook{b: b, cfg: cfg}
}

// Instrument adds hooks to client, each bound to its server's address from the
// start: a Hook to a *redis.Client (standalone, or
// Sentinel's fail-over client, whose circuit is then "redis[FailoverClient]",
// the master role rather than one host), and to each node of a
// *redis.ClusterClient or *redis.Ring a Hook of its own as go-redis makes
// the node, so each node has its own circuit. Call it before the client's
// first command: cluster nodes made earlier, and ring shards already marked
// down, get no hook. It returns NewHook's errors,
// and an error wrapping runtime.ErrInvalid for another client type.
func Instrument(client redis.UniversalClient, b *runtime.Breaker, opts ...Option) error {
	cfg, err := build(b, opts)
	if err != nil {
		return err
	}
	bound := func(addr string) *Hook {
		h := &Hook{b: b, cfg: cfg}
		h.bind(addr)
		return h
	}
	perNode := func(node *redis.Client) { node.AddHook(bound(node.Options().Addr)) }
	switch c := client.(type) {
	case *redis.Client:
		c.AddHook(bound(c.Options().Addr))
	case *redis.ClusterClient:
		c.OnNewNode(perNode)
	case *redis.Ring:
		// A Ring makes its shards when it is made: hook those now, and the
		// ones SetAddrs adds later as they come.
		c.OnNewNode(perNode)
		_ = c.ForEachShard(context.Background(), func(_ context.Context, node *redis.Client) error {
			perNode(node)
			return nil
		})
	default:
		return fmt.Errorf("%w: breakerredis: cannot instrument a %T", runtime.ErrInvalid, client)
	}
	return nil
}

// Circuit returns the hook's circuit, or nil before its client's first dial.
func (h *Hook) Circuit() *runtime.Circuit { return h.circuit.Load() }

// DialHook learns the server's address from the client's dial.
func (h *Hook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if h.circuit.Load() == nil {
			h.bind(addr)
		}
		return next(ctx, network, addr)
	}
}

// clientWide is the address in the circuit name of a hook that sees no dial:
// "redis[client]", one circuit for its client's every server.
const clientWide = "client"

// bind makes the circuit of the server at addr the hook's.
func (h *Hook) bind(addr string) {
	c, err := h.b.Register("redis["+addr+"]", h.cfg.opts)
	if err != nil {
		// The options were validated when the hook was made; only a storage that refuses
		// the circuit gets here, and then the commands run unprotected rather
		// than fail.
		return
	}
	h.circuit.CompareAndSwap(nil, c)
}

// ProcessHook runs one command through the circuit.
func (h *Hook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if setup(cmd) {
			return next(ctx, cmd)
		}
		c := h.circuit.Load()
		if c == nil {
			err := next(ctx, cmd)
			h.recordLate(ctx, h.judge(ctx, err))
			return err
		}
		a, err := c.Allow(ctx)
		if err != nil {
			cmd.SetErr(err)
			return err
		}
		defer a.RecordPanic()
		err = next(ctx, cmd)
		record(ctx, &a, h.judge(ctx, err))
		return err
	}
}

// ProcessPipelineHook runs a pipeline or transaction through the circuit as
// one call.
func (h *Hook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if allSetup(cmds) {
			return next(ctx, cmds)
		}
		c := h.circuit.Load()
		if c == nil {
			err := next(ctx, cmds)
			h.recordLate(ctx, h.judgePipeline(ctx, cmds, err))
			return err
		}
		a, err := c.Allow(ctx)
		if err != nil {
			for _, cmd := range cmds {
				cmd.SetErr(err)
			}
			return err
		}
		defer a.RecordPanic()
		err = next(ctx, cmds)
		record(ctx, &a, h.judgePipeline(ctx, cmds, err))
		return err
	}
}

// recordLate records the outcome of a call that ran before the hook knew its
// circuit, if the client's dial has taught it by now, or the call ended
// without a dial the hook saw (see Hook: its circuit is then the client's),
// and the circuit would have let the call run.
func (h *Hook) recordLate(ctx context.Context, v verdict) {
	c := h.circuit.Load()
	if c == nil {
		h.bind(clientWide)
		if c = h.circuit.Load(); c == nil {
			return
		}
	}
	if a, err := c.Allow(ctx); err == nil {
		record(ctx, &a, v)
	}
}

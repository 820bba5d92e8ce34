package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/redis/go-redis/v9"
)

// A call is one run of a script for one circuit, made by the script's typed
// function in the file that owns the script (Go values in, the script's
// arguments out): run sends it alone, runAcked with WAIT after it, and a
// round's pipeline with others.
type call struct {
	script *redis.Script
	op     string // the operation its errors name
	args   []any  // the script's arguments, after the test offset (argv)
}

// announced appends the announce arguments of every script that changes a
// circuit: the store's process id, the publish command and the circuit's
// channel.
func (h *handle) announced(args ...any) []any {
	return append(args, h.s.pid, h.s.pub, h.channel)
}

// run sends c on the circuit's keys, alone, and maps its errors.
func (h *handle) run(ctx context.Context, c call) (any, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	h.s.link.sent(h.s.clock.Now())
	v, err := c.script.Run(ctx, h.s.client, h.keys(), h.argv(c.args)...).Result()
	h.s.link.done(err)
	if err != nil {
		return nil, h.fail(c.op, err)
	}
	return v, nil
}

// argv returns a script's arguments: the test offset as ARGV[1], then args.
func (h *handle) argv(args []any) []any {
	argv := make([]any, 0, len(args)+1)
	argv = append(argv, h.s.offset.Load())
	return append(argv, args...)
}

// runBool runs c, whose script replies 1 for done and 0 for not.
func (h *handle) runBool(ctx context.Context, c call) (bool, error) {
	v, err := h.run(ctx, c)
	if err != nil {
		return false, err
	}
	n, ok := v.(int64)
	if !ok {
		return false, h.fail(c.op, fmt.Errorf("%w: reply %T", storage.ErrCorrupt, v))
	}
	return n == 1, nil
}

// fail wraps err with the operation and circuit. Errors that mean our keys hold
// data we cannot read (CORRUPT from the scripts, WRONGTYPE from Redis) wrap
// storage.ErrCorrupt as well as Redis's error.
func (h *handle) fail(op string, err error) error {
	var rerr redis.Error
	if errors.As(err, &rerr) && !errors.Is(err, storage.ErrCorrupt) {
		if hasPrefix(rerr.Error(), "CORRUPT") || hasPrefix(rerr.Error(), "WRONGTYPE") {
			return fmt.Errorf("breakergen: redisstore: %s %q: %w: %w", op, h.name, storage.ErrCorrupt, err)
		}
	}
	return fmt.Errorf("breakergen: redisstore: %s %q: %w", op, h.name, err)
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

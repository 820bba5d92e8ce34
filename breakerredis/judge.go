package breakerredis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/breakergen/breakergen/runtime"
)

// verdict is what the hook makes of a call's outcome.
type verdict struct {
	kind uint8 // success, failure or ignored
	err  error // the failure's error
}

const (
	success uint8 = iota
	failure
	ignored
)

// notRecorded is what the hook gives Done for an outcome it leaves out:
// nothing is recorded, and a probe's reservation is released.
var notRecorded = fmt.Errorf("breakerredis: %w", runtime.ErrNotRecorded)

// errHungUp is what the hook records for io.EOF itself, which go-redis
// returns when the server closed the connection without answering: the
// runtime takes a bare io.EOF for a stream's end, not recorded, while here it
// is a failure of the server.
var errHungUp = fmt.Errorf("breakerredis: the server closed the connection without answering: %w", io.ErrUnexpectedEOF)

// record gives the attempt the verdict.
func record(ctx context.Context, a *runtime.Attempt, v verdict) {
	switch {
	case v.kind == success:
		a.Done(ctx, nil)
	case v.kind == failure && v.err == io.EOF: //nolint:errorlint // io.EOF itself, as go-redis returns it
		a.Done(ctx, errHungUp)
	case v.kind == failure:
		a.Done(ctx, v.err)
	default:
		a.Done(ctx, notRecorded)
	}
}

// judge judges one command's error.
func (h *Hook) judge(ctx context.Context, err error) verdict {
	switch {
	case err == nil:
		return verdict{kind: success}
	case err == redis.Nil: //nolint:errorlint // go-redis returns redis.Nil itself
		return verdict{kind: ignored}
	case ctx.Err() == context.Canceled: //nolint:errorlint // Err returns the sentinel itself
		return verdict{kind: ignored} // the caller gave up, whatever the command ended with
	case errors.Is(err, redis.ErrClosed):
		return verdict{kind: ignored} // the client was closed: not the server's doing
	}
	var reply redis.Error
	if errors.As(err, &reply) && !h.failureReply(reply.Error()) {
		return verdict{kind: ignored} // an answer about the command
	}
	return verdict{kind: failure, err: err}
}

// failureReply reports whether an error reply says the server cannot serve.
func (h *Hook) failureReply(msg string) bool {
	for _, p := range h.cfg.failures {
		if strings.HasPrefix(msg, p) && (len(msg) == len(p) || msg[len(p)] == ' ') {
			return true
		}
	}
	return false
}

// judgePipeline judges a pipeline by its commands: a failure if one failed,
// else a success if one succeeded, else (every command nil or an answer about
// itself) not recorded.
func (h *Hook) judgePipeline(ctx context.Context, cmds []redis.Cmder, err error) verdict {
	out := verdict{kind: ignored}
	for _, cmd := range cmds {
		if setup(cmd) {
			continue
		}
		switch v := h.judge(ctx, cmd.Err()); v.kind {
		case failure:
			return v
		case success:
			out = v
		}
	}
	if len(cmds) == 0 {
		return h.judge(ctx, err)
	}
	return out
}

// setup reports whether cmd is one of the commands go-redis sends to set up
// a new connection (or a client sends to manage its own): they pass through
// unjudged, since an older server's "ERR unknown subcommand" to CLIENT
// SETINFO says nothing of its health.
func setup(cmd redis.Cmder) bool {
	args := cmd.Args()
	if len(args) == 0 {
		return false
	}
	name, ok := args[0].(string)
	if !ok {
		return false
	}
	switch len(name) {
	case 4:
		return strings.EqualFold(name, "auth")
	case 5:
		return strings.EqualFold(name, "hello")
	case 6:
		return strings.EqualFold(name, "client") || strings.EqualFold(name, "select")
	case 8:
		return strings.EqualFold(name, "readonly")
	case 9:
		return strings.EqualFold(name, "readwrite")
	}
	return false
}

// allSetup reports whether every command of a pipeline is a set-up command.
func allSetup(cmds []redis.Cmder) bool {
	for _, cmd := range cmds {
		if !setup(cmd) {
			return false
		}
	}
	return len(cmds) > 0
}

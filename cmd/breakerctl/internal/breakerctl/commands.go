package breakerctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
)

// commands are breakerctl's commands and the number of arguments each takes.
var commands = map[string]int{
	"list": 0, "status": 1, "lock-open": 1, "lock-closed": 1, "unlock": 1, "reset": 1,
}

// anyPolicy binds a handle for the operator's calls, Lock and Reset, which
// do not depend on the circuit's policy.
var anyPolicy = storage.Policy{CoolDown: time.Minute, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 3}

// command runs one command against a store.
type command struct {
	store *redisstore.Store
	json  bool
	force bool // lock circuits that Redis holds no state for
	out   io.Writer
}

func (c *command) run(ctx context.Context, name string, args []string) error {
	switch name {
	case "list":
		return c.list(ctx)
	case "status":
		return c.status(ctx, args[0])
	}
	return c.mutate(ctx, name, args[0])
}

// list prints every circuit under the prefix.
func (c *command) list(ctx context.Context) error {
	names, err := c.store.List(ctx)
	if err != nil {
		return fmt.Errorf("list: %w", deadline(err))
	}
	views := make([]view, 0, len(names))
	for _, n := range names {
		in, err := c.store.Inspect(ctx, n)
		if err != nil {
			return fmt.Errorf("list: %w", deadline(err))
		}
		views = append(views, newView(in))
	}
	if c.json {
		return writeJSON(c.out, views)
	}
	return writeTable(c.out, views)
}

// status prints one circuit in detail.
func (c *command) status(ctx context.Context, name string) error {
	in, err := c.inspectExisting(ctx, "status", name)
	if err != nil {
		return err
	}
	if c.json {
		return writeJSON(c.out, newView(in))
	}
	return writeDetail(c.out, newView(in))
}

// mutate locks, unlocks or resets a circuit and prints what changed.
func (c *command) mutate(ctx context.Context, action, name string) error {
	var before redisstore.Inspection
	var err error
	if c.force {
		// A circuit never written reads as closed and empty.
		before, err = c.store.Inspect(ctx, name)
		err = wrapIf(err, action, name)
	} else {
		before, err = c.inspectExisting(ctx, action, name)
	}
	if err != nil {
		return err
	}
	h, err := c.store.Bind(name, anyPolicy)
	if err != nil {
		return fmt.Errorf("%s %q: %w", action, name, err)
	}
	if u, ok := h.(storage.Unbinder); ok {
		defer u.Unbind()
	}
	now := time.Now() // Redis uses its own clock
	switch action {
	case "lock-open":
		err = h.Lock(ctx, now, storage.LockOpen)
	case "lock-closed":
		err = h.Lock(ctx, now, storage.LockClosed)
	case "unlock":
		err = h.Lock(ctx, now, storage.LockNone)
	case "reset":
		err = h.Reset(ctx, now)
	}
	if err != nil {
		return fmt.Errorf("%s %q: %w", action, name, deadline(err))
	}
	after, err := c.store.Inspect(ctx, name)
	if err != nil {
		return fmt.Errorf("%s %q done, but reading it back failed: %w", action, name, deadline(err))
	}
	ch := change{Circuit: name, Action: action, Before: newView(before), After: newView(after)}
	if c.json {
		return writeJSON(c.out, ch)
	}
	return writeChange(c.out, ch)
}

// inspectExisting reads a circuit that List shows, or fails.
func (c *command) inspectExisting(ctx context.Context, action, name string) (redisstore.Inspection, error) {
	names, err := c.store.List(ctx)
	if err != nil {
		return redisstore.Inspection{}, fmt.Errorf("%s %q: %w", action, name, deadline(err))
	}
	if _, found := slices.BinarySearch(names, name); !found {
		return redisstore.Inspection{}, fmt.Errorf("%s: no circuit %q under prefix %q (breakerctl list shows them)", action, name, c.store.Prefix())
	}
	in, err := c.store.Inspect(ctx, name)
	if err != nil {
		return redisstore.Inspection{}, fmt.Errorf("%s %q: %w", action, name, deadline(err))
	}
	return in, nil
}

// wrapIf names the action and circuit of a non-nil err.
func wrapIf(err error, action, name string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %q: %w", action, name, deadline(err))
}

// deadline says what a deadline means here.
func deadline(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w (Redis did not answer in time; see -timeout)", err)
	}
	return err
}

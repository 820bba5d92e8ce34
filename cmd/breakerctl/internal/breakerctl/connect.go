package breakerctl

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
)

// connection is the Redis client and the store on it.
type connection struct {
	client redis.UniversalClient
	store  *redisstore.Store
}

// connect makes the client and store the options describe. It contacts no
// server. Its errors never hold the URL.
func connect(o options) (*connection, error) {
	u, err := url.Parse(o.redisURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the whole URL, password included
		}
		return nil, fmt.Errorf("invalid Redis URL: %v", err)
	}
	q := u.Query()
	var client redis.UniversalClient
	if o.cluster {
		co, err := redis.ParseClusterURL(o.redisURL)
		if err != nil {
			return nil, fmt.Errorf("invalid Redis Cluster URL: %v", err)
		}
		co.MaxRetries = retries(q, co.MaxRetries)
		co.DialerRetries = max(co.DialerRetries, 1)
		client = redis.NewClusterClient(co)
	} else {
		ro, err := redis.ParseURL(o.redisURL)
		if err != nil {
			return nil, fmt.Errorf("invalid Redis URL: %v", err)
		}
		ro.MaxRetries = retries(q, ro.MaxRetries)
		ro.DialerRetries = max(ro.DialerRetries, 1)
		client = redis.NewClient(ro)
	}
	// Strict: an operator's command is a script of its own, and a one-shot
	// tool has no hot path to batch, so the fleet's background work would
	// only cost a subscription.
	store, err := redisstore.New(client, redisstore.WithPrefix(o.prefix), redisstore.WithStrict())
	if err != nil {
		_ = client.Close()
		return nil, err
	}
	return &connection{client: client, store: store}, nil
}

// retries is the MaxRetries of a command-line tool: none, so that an
// unreachable Redis fails at once, unless the URL says otherwise.
func retries(q url.Values, parsed int) int {
	if q.Has("max_retries") {
		return parsed
	}
	return -1
}

// shutdowner is what a store that runs in the background (Redis fleet mode)
// offers to stop.
type shutdowner interface {
	Shutdown(context.Context) error
}

// close stops the store, if it runs anything, and closes the client.
func (c *connection) close() {
	if s, ok := any(c.store).(shutdowner); ok {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	}
	_ = c.client.Close()
}

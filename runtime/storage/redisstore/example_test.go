package redisstore_test

import (
	"fmt"
	"time"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
)

// Example wires a Redis store into a runtime breaker. Nothing contacts Redis
// until a circuit is called; every process that uses the same Redis and prefix
// shares the state of each circuit.
func Example() {
	client := redis.NewClient(&redis.Options{
		Addr: "127.0.0.1:6379",
		// Give up on a dead or slow Redis quickly: the breaker fails open.
		DialTimeout:   200 * time.Millisecond,
		ReadTimeout:   200 * time.Millisecond,
		WriteTimeout:  200 * time.Millisecond,
		MaxRetries:    -1,
		DialerRetries: 1,
	})
	defer client.Close()

	store, err := redisstore.New(client,
		redisstore.WithPrefix("checkout"),
		redisstore.WithStateTTL(24*time.Hour),
		redisstore.WithBuckets(10),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	b := runtime.MustNew(runtime.WithStorage(store)) // wrapped to fail open by itself
	payments := b.Circuit("payments", runtime.Options{CoolDown: 30 * time.Second})
	fmt.Println(store.Prefix(), payments.Name())

	_, err = redisstore.New(client, redisstore.WithBuckets(0))
	fmt.Println(err)
	// Output:
	// checkout payments
	// breakergen: invalid configuration: redisstore: 0 buckets, want 1 to 1000
}

package breakerredis_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/breakergen/breakergen/breakerredis"
	"github.com/breakergen/breakergen/runtime"
)

// Example puts a client's commands behind the circuit of its server. The
// server here is down: the first failure opens the circuit (one sample is
// enough in this example), and the next command is not sent.
func Example() {
	l, _ := net.Listen("tcp", "127.0.0.1:0") // an address nobody will answer on
	addr := l.Addr().String()
	l.Close()

	b := runtime.MustNew(runtime.WithDefaults(runtime.Options{SampleThreshold: 1}))
	client := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer client.Close()
	if err := breakerredis.Instrument(client, b); err != nil {
		panic(err)
	}

	ctx := context.Background()
	err := client.Get(ctx, "user:42").Err()
	fmt.Println("refused dial:", err != nil && !errors.Is(err, runtime.ErrOpen))

	cmd := client.Get(ctx, "user:42")
	fmt.Println("skipped:", errors.Is(cmd.Err(), runtime.ErrOpen))
	fmt.Println("names the command:", strings.HasPrefix(cmd.String(), "get user:42: "))
	// Output:
	// refused dial: true
	// skipped: true
	// names the command: true
}

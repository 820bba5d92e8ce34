package redistest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// recorder is a testing.TB that records Skipf and Fatalf instead of stopping.
type recorder struct {
	testing.TB
	skipped, fatal string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Skipf(format string, a ...any)  { r.skipped = fmt.Sprintf(format, a...) }
func (r *recorder) Fatalf(format string, a ...any) { r.fatal = fmt.Sprintf(format, a...) }

func TestBinaryMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	tests := []struct {
		require             string
		wantSkip, wantFatal bool
	}{
		{require: "", wantSkip: true},
		{require: "0", wantSkip: true},
		{require: "1", wantFatal: true},
	}
	for _, tt := range tests {
		t.Run("require="+tt.require, func(t *testing.T) {
			t.Setenv(RequireEnv, tt.require)
			r := &recorder{TB: t}
			if got := Binary(r); got != "" {
				t.Fatalf("Binary = %q, want empty", got)
			}
			if (r.skipped != "") != tt.wantSkip || (r.fatal != "") != tt.wantFatal {
				t.Fatalf("skipped %q, fatal %q; want skip %v, fatal %v", r.skipped, r.fatal, tt.wantSkip, tt.wantFatal)
			}
			msg := r.skipped + r.fatal
			if !strings.Contains(msg, "Debian package redis-server") {
				t.Errorf("message %q does not name the Debian package redis-server", msg)
			}
		})
	}
}

func TestServerKillRestart(t *testing.T) {
	s := Start(t)
	ctx := context.Background()
	c := s.Client(t, &redis.Options{MaxRetries: -1})
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	s.Kill(t)
	if s.Running() {
		t.Fatal("Running after Kill")
	}
	if err := c.Get(ctx, "k").Err(); err == nil {
		t.Fatal("GET succeeded against a killed server")
	}
	s.Restart(t)
	if !s.Running() {
		t.Fatal("not Running after Restart")
	}
	// The restarted server is empty and on the same address.
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := c.Get(ctx, "k").Err()
		if err == redis.Nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET after restart: %v, want redis.Nil", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServerDebugSleep(t *testing.T) {
	s := Start(t)
	c := s.Client(t, nil)
	if err := c.Do(context.Background(), "DEBUG", "SLEEP", "0").Err(); err != nil {
		t.Fatalf("DEBUG SLEEP: %v", err)
	}
}

func TestCluster(t *testing.T) {
	cl := StartCluster(t, 3)
	if len(cl.Addrs()) != 3 {
		t.Fatalf("Addrs = %v", cl.Addrs())
	}
	ctx := context.Background()
	c := cl.Client(t, nil)
	// Keys spread over every master.
	for i := 0; i < 100; i++ {
		k := fmt.Sprintf("key-%d", i)
		if err := c.Set(ctx, k, i, 0).Err(); err != nil {
			t.Fatalf("SET %s: %v", k, err)
		}
	}
	var (
		mu             sync.Mutex
		masters, total int
	)
	// ForEachMaster calls fn concurrently.
	err := c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		n, err := m.DBSize(ctx).Result()
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if n > 0 {
			masters++
		}
		total += int(n)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total != 100 || masters != 3 {
		t.Fatalf("%d keys on %d masters, want 100 on 3", total, masters)
	}
}

func TestSentinel(t *testing.T) {
	master := Start(t)
	s := StartSentinel(t, master, "breakergen")
	ctx := context.Background()
	c := s.Client(t, nil)
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	direct := master.Client(t, nil)
	if got := direct.Get(ctx, "k").Val(); got != "v" {
		t.Fatalf("the failover client did not write to the master: GET = %q", got)
	}
}

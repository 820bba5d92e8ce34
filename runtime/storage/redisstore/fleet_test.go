package redisstore_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/breakergen/breakergen/internal/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
)

// Environment of a child process of TestProbeAcrossProcesses.
const (
	envChild  = "BREAKERGEN_REDISSTORE_CHILD"
	envAddr   = "BREAKERGEN_REDISSTORE_ADDR"
	envPrefix = "BREAKERGEN_REDISSTORE_PREFIX"
)

// Settings of the fleet race. The cool-down is real: the processes share only
// Redis's clock, so the test waits for it, a second and a half in all. A probe
// takes far less than the cool-down, so its reservation never expires under it.
const (
	fleetProcesses  = 4
	fleetGoroutines = 4
	fleetCoolDown   = 250 * time.Millisecond
	fleetRun        = 1500 * time.Millisecond
	fleetProbeTime  = 10 * time.Millisecond
	fleetCircuit    = "fleet"
)

var errProbe = errors.New("dependency still down")

func fleetOptions() runtime.Options {
	return runtime.Options{CoolDown: fleetCoolDown, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 1}
}

// TestProbeAcrossProcesses re-executes the test binary as several processes, each
// with several goroutines calling one half-open circuit through the runtime.
// Every probe fails, so the circuit goes half-open again after each cool-down;
// across the fleet exactly one probe may run per half-open window, and no call
// may run that is not the probe.
func TestProbeAcrossProcesses(t *testing.T) {
	if os.Getenv(envChild) == "1" {
		fleetChild(t)
		return
	}
	srv, admin := server(t)
	ctx := context.Background()
	prefix := uniquePrefix()
	store, err := redisstore.New(admin, redisstore.WithPrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	p := policy
	p.CoolDown = fleetCoolDown
	if ok, err := store.Open(ctx, fleetCircuit, p, time.Time{}); !ok || err != nil {
		t.Fatalf("Open = %v, %v", ok, err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		out []byte
		err error
	}
	results := make(chan result, fleetProcesses)
	for i := 0; i < fleetProcesses; i++ {
		cmd := exec.Command(exe, "-test.run=^TestProbeAcrossProcesses$", "-test.count=1")
		cmd.Env = append(os.Environ(), envChild+"=1", envAddr+"="+srv.Addr(), envPrefix+"="+prefix)
		go func() {
			out, err := cmd.CombinedOutput()
			results <- result{out, err}
		}()
	}
	// Start them together, once all are connected.
	deadline := time.Now().Add(60 * time.Second)
	for admin.Get(ctx, prefix+":ready").Val() != strconv.Itoa(fleetProcesses) {
		if time.Now().After(deadline) {
			t.Fatal("the child processes did not get ready")
		}
		time.Sleep(5 * time.Millisecond)
	}
	admin.Set(ctx, prefix+":go", "1", 0)
	for i := 0; i < fleetProcesses; i++ {
		r := <-results
		if r.err != nil {
			t.Fatalf("child process: %v\n%s", r.err, r.out)
		}
	}
	probes, err := admin.HGetAll(ctx, prefix+":probes").Result()
	if err != nil {
		t.Fatal(err)
	}
	for window, n := range probes {
		if n != "1" {
			t.Errorf("half-open window of OpenedAt %s ran %s probes, want 1", window, n)
		}
	}
	if len(probes) < 3 {
		t.Errorf("%d half-open windows probed, want at least 3", len(probes))
	}
	if n := admin.Get(ctx, prefix+":others").Val(); n != "" {
		t.Errorf("%s calls ran that were not the probe", n)
	}
	skipped, _ := admin.Get(ctx, prefix+":skipped").Int()
	if skipped == 0 {
		t.Error("no call was skipped; the processes did not race")
	}
	t.Logf("%d processes × %d goroutines: %d half-open windows, one probe each; %d calls skipped",
		fleetProcesses, fleetGoroutines, len(probes), skipped)
}

// fleetChild is one process of TestProbeAcrossProcesses. It counts, in Redis,
// the probes it ran by the OpenedAt of their half-open window.
func fleetChild(t *testing.T) {
	ctx := context.Background()
	prefix := os.Getenv(envPrefix)
	client := redis.NewClient(&redis.Options{Addr: os.Getenv(envAddr), PoolSize: fleetGoroutines + 2})
	defer client.Close()
	store, err := redisstore.New(client, redisstore.WithPrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var failures []error
	b := runtime.New(runtime.WithStorage(store), runtime.WithListener(runtime.ListenerFunc(func(e runtime.Event) {
		if e.Type == runtime.EventStorageFailure {
			mu.Lock()
			failures = append(failures, e.Err)
			mu.Unlock()
		}
	})))
	c := b.Circuit(fleetCircuit, fleetOptions())
	p := policy
	p.CoolDown = fleetCoolDown
	client.Incr(ctx, prefix+":ready")
	for client.Exists(ctx, prefix+":go").Val() == 0 {
		time.Sleep(time.Millisecond)
	}
	end := time.Now().Add(fleetRun)
	var wg sync.WaitGroup
	for g := 0; g < fleetGoroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				a, err := c.Allow(ctx)
				if err != nil {
					if !errors.Is(err, runtime.ErrOpen) {
						t.Errorf("Allow: %v", err)
						return
					}
					client.Incr(ctx, prefix+":skipped")
					time.Sleep(time.Millisecond)
					continue
				}
				if !a.Probe() {
					client.Incr(ctx, prefix+":others")
					a.Done(ctx, errProbe)
					continue
				}
				st, err := store.Status(ctx, fleetCircuit, p, time.Time{})
				if err != nil {
					t.Errorf("Status: %v", err)
				}
				client.HIncrBy(ctx, prefix+":probes", strconv.FormatInt(st.OpenedAt.UnixMicro(), 10), 1)
				time.Sleep(fleetProbeTime) // the probe's call to the dependency
				a.Done(ctx, errProbe)
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(failures) > 0 {
		t.Errorf("%d storage failures, first: %v", len(failures), failures[0])
	}
}

// TestClockSkew gives two runtime breakers, with stores of their own on one
// Redis, clocks an hour apart: at every step both see the same status and make
// the same decision, because every decision uses Redis's time.
func TestClockSkew(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	prefix := uniquePrefix()
	base := time.Now()
	clocks := []fixedClock{{base}, {base.Add(time.Hour)}}
	var stores []*redisstore.Store
	var circuits []*runtime.Circuit
	opts := runtime.Options{CoolDown: time.Minute, EvaluationWindow: time.Minute, RateThreshold: 0.5, SampleThreshold: 3}
	for _, clk := range clocks {
		s, err := redisstore.New(srv.Client(t, nil), redisstore.WithPrefix(prefix))
		if err != nil {
			t.Fatal(err)
		}
		stores = append(stores, s)
		b := runtime.New(runtime.WithStorage(s), runtime.WithClock(clk))
		circuits = append(circuits, b.Circuit("skew", opts))
	}
	advance := func(d time.Duration) {
		for _, s := range stores {
			s.Advance(d)
		}
	}
	// same checks that both breakers see one status and would decide alike.
	same := func(step string) runtime.Status {
		t.Helper()
		var sts []runtime.Status
		for _, c := range circuits {
			st, err := c.Status(ctx)
			if err != nil || st.Stub {
				t.Fatalf("%s: Status = %+v, %v", step, st, err)
			}
			sts = append(sts, st)
		}
		a, b := sts[0], sts[1]
		if a.State != b.State || !a.OpenedAt.Equal(b.OpenedAt) || !a.ReservedAt.Equal(b.ReservedAt) ||
			a.Open() != b.Open() || a.HalfOpen() != b.HalfOpen() || a.Reserved() != b.Reserved() ||
			a.CanRun() != b.CanRun() || a.SampleSize != b.SampleSize {
			t.Fatalf("%s: the skewed breakers disagree:\n%+v\n%+v", step, a, b)
		}
		if d := b.CurrentTime.Sub(a.CurrentTime); d < 0 || d > time.Second {
			t.Fatalf("%s: CurrentTime %v and %v are not both Redis's", step, a.CurrentTime, b.CurrentTime)
		}
		return a
	}
	boom := errors.New("boom")
	// Failures from both breakers open the circuit once.
	for i := 0; i < 3; i++ {
		_ = circuits[i%2].Run(ctx, func(context.Context) error { return boom })
	}
	if st := same("after 3 failures"); !st.Open() {
		t.Fatalf("circuit not open after 3 failures: %+v", st)
	}
	// The breaker an hour ahead does not take the circuit for half-open.
	for i, c := range circuits {
		if err := c.Run(ctx, func(context.Context) error { return nil }); !errors.Is(err, runtime.ErrOpen) {
			t.Fatalf("breaker %d ran a call on an open circuit: %v", i, err)
		}
	}
	advance(time.Minute)
	if st := same("after the cool-down"); !st.HalfOpen() {
		t.Fatalf("circuit not half-open after the cool-down: %+v", st)
	}
	// Exactly one of the two gets the probe, whichever asks first.
	a1, err1 := circuits[1].Allow(ctx)
	_, err0 := circuits[0].Allow(ctx)
	if err1 != nil || !a1.Probe() || !errors.Is(err0, runtime.ErrOpen) {
		t.Fatalf("probe race: ahead %v (probe %v), behind %v; want the first asker to probe", err1, a1.Probe(), err0)
	}
	if st := same("probe reserved"); !st.Reserved() {
		t.Fatalf("no reservation: %+v", st)
	}
	a1.Done(ctx, nil)
	if st := same("after the probe"); !st.Closed() || st.SampleSize != 0 {
		t.Fatalf("circuit not closed with a fresh window after a good probe: %+v", st)
	}
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// recorder collects a breaker's storage failure events.
type recorder struct {
	mu     sync.Mutex
	events []runtime.Event
}

func (r *recorder) Handle(e runtime.Event) {
	if e.Type != runtime.EventStorageFailure {
		return
	}
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// counter is a go-redis hook that counts the commands a client sends.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.mu.Lock()
		c.n++
		c.mu.Unlock()
		return next(ctx, cmd)
	}
}
func (c *counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.mu.Lock()
		c.n++
		c.mu.Unlock()
		return next(ctx, cmds)
	}
}
func (c *counter) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// eventually polls cond every 20ms until it holds or limit passes.
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// quickClient returns a client that gives up fast on a dead or slow server.
func quickClient(t *testing.T, srv *redistest.Server) (*redis.Client, *counter) {
	c := srv.Client(t, &redis.Options{
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 100 * time.Millisecond,
		WriteTimeout: 100 * time.Millisecond, MaxRetries: -1, DialerRetries: 1,
	})
	n := &counter{}
	c.AddHook(n)
	return c, n
}

// TestRedisRestart kills Redis under a running breaker and starts it again on
// the same port: calls keep running, EventStorageFailure is emitted, the dead
// server is not called on every call, and the shared state is used again
// within seconds, without restarting anything in the process.
func TestRedisRestart(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	client, sent := quickClient(t, srv)
	store := newStore(t, client)
	events := &recorder{}
	b := runtime.New(runtime.WithStorage(store), runtime.WithListener(events))
	c := b.Circuit("dep", runtime.Options{CoolDown: time.Minute})
	ran := 0
	call := func(context.Context) error { ran++; return nil }
	if err := c.Run(ctx, call); err != nil || ran != 1 {
		t.Fatalf("Run = %v, ran %d", err, ran)
	}

	srv.Kill(t)
	before := sent.get()
	start := time.Now()
	const calls = 200
	for i := 0; i < calls; i++ {
		if err := c.Run(ctx, call); err != nil {
			t.Fatalf("Run during the outage: %v", err)
		}
	}
	if ran != 1+calls {
		t.Fatalf("%d of %d calls ran during the outage", ran-1, calls)
	}
	elapsed := time.Since(start)
	if elapsed > 2*time.Second {
		t.Errorf("%d calls took %v during the outage; the storage proxy should answer without waiting", calls, elapsed)
	}
	if events.count() == 0 {
		t.Fatal("no EventStorageFailure during the outage")
	}
	tries := sent.get() - before
	if tries > 20 {
		t.Errorf("%d commands sent to the dead server for %d calls; the storage proxy should hold them back", tries, calls)
	}
	if st, _ := c.Status(ctx); !st.Stub {
		t.Errorf("Status during the outage is not a stub: %+v", st)
	}
	t.Logf("outage: %d calls ran in %v, %d commands tried, %d storage failure events", calls, elapsed, tries, events.count())

	srv.Restart(t)
	// Another process locks the circuit open in the restarted Redis; this process
	// must see it within seconds.
	other := newStoreWithPrefix(t, srv.Client(t, nil), store)
	if err := other.Lock(ctx, "dep", storage.LockOpen); err != nil {
		t.Fatal(err)
	}
	took := eventually(t, 10*time.Second, "the breaker seeing the lock set in the restarted Redis", func() bool {
		return errors.Is(c.Run(ctx, call), runtime.ErrOpen)
	})
	t.Logf("shared state used again %v after the restart", took.Round(time.Millisecond))
	if st, err := c.Status(ctx); err != nil || st.Stub || !st.LockedOpen() {
		t.Fatalf("Status after recovery = %+v, %v", st, err)
	}
}

// TestRedisSlow blocks Redis with DEBUG SLEEP for longer than the client's read
// timeout: the store's call fails with a timeout, protected calls keep running
// without waiting for Redis, and once Redis answers again it is used again.
func TestRedisSlow(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	client, _ := quickClient(t, srv)
	store := newStore(t, client)
	events := &recorder{}
	b := runtime.New(runtime.WithStorage(store), runtime.WithListener(events))
	c := b.Circuit("slow", runtime.Options{CoolDown: time.Minute})
	if err := c.Run(ctx, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	admin := srv.Client(t, nil)
	slept := make(chan error, 1)
	go func() { slept <- admin.Do(ctx, "DEBUG", "SLEEP", "1.5").Err() }()
	// Wait until the server is asleep: a command with a short deadline times out.
	eventually(t, 5*time.Second, "the server to fall asleep", func() bool {
		_, err := store.Status(ctx, "slow", policy, time.Time{})
		return err != nil
	})
	_, err := store.Status(ctx, "slow", policy, time.Time{})
	var timeout interface{ Timeout() bool }
	if !errors.As(err, &timeout) || !timeout.Timeout() {
		t.Fatalf("Status on a sleeping server: %v, want a timeout", err)
	}
	start := time.Now()
	ran := 0
	for i := 0; i < 20; i++ {
		if err := c.Run(ctx, func(context.Context) error { ran++; return nil }); err != nil {
			t.Fatalf("Run while Redis sleeps: %v", err)
		}
	}
	if took := time.Since(start); took > time.Second || ran != 20 {
		t.Fatalf("20 calls while Redis sleeps: %d ran in %v, want all, well within the sleep", ran, took)
	}
	if events.count() == 0 {
		t.Fatal("no EventStorageFailure while Redis sleeps")
	}
	if err := <-slept; err != nil {
		t.Fatalf("DEBUG SLEEP: %v", err)
	}
	eventually(t, 10*time.Second, "the breaker using Redis again", func() bool {
		st, err := c.Status(ctx)
		return err == nil && !st.Stub
	})
}

// newStoreWithPrefix returns a store on client that shares like's prefix.
func newStoreWithPrefix(t *testing.T, client redis.UniversalClient, like *redisstore.Store) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(client, redisstore.WithPrefix(like.Prefix()))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

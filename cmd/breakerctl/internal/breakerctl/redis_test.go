package breakerctl_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/breakergen/breakergen/cmd/breakerctl/internal/breakerctl"
	"github.com/breakergen/breakergen/internal/testing/redistest"
	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/runtime/storage"
	"github.com/breakergen/breakergen/runtime/storage/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	password    = "s3rv1ce-Secret"
	opsPassword = "0ps-Secret"
)

// guarded starts a redis-server that requires a password, with an ACL user
// "ops", and returns URLs for both.
func guarded(t *testing.T) (srv *redistest.Server, url, opsURL string) {
	t.Helper()
	srv = redistest.Start(t)
	c := srv.Client(t, nil)
	ctx := context.Background()
	require.NoError(t, c.Do(ctx, "ACL", "SETUSER", "ops", "on", ">"+opsPassword, "~*", "&*", "+@all").Err())
	require.NoError(t, c.ConfigSet(ctx, "requirepass", password).Err())
	return srv, "redis://:" + password + "@" + srv.Addr(), "redis://ops:" + opsPassword + "@" + srv.Addr() + "/0"
}

// service is a breaker on the Redis at url, as a service of the fleet has,
// and its store, whose Flush sends what the breaker counted.
func service(t *testing.T, url string) (*runtime.Breaker, *redisstore.Store) {
	t.Helper()
	opt, err := redis.ParseURL(url)
	require.NoError(t, err)
	client := redis.NewClient(opt)
	t.Cleanup(func() { _ = client.Close() })
	store, err := redisstore.New(client, redisstore.WithPrefix("shop"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Shutdown(context.Background()) })
	return runtime.MustNew(runtime.WithStorage(store), runtime.WithStorageTimeout(2*time.Second)), store
}

func trip(t *testing.T, c *runtime.Circuit) {
	t.Helper()
	for range 3 {
		_ = c.Run(context.Background(), func(context.Context) error { return errors.New("down") })
	}
	require.ErrorIs(t, c.Run(context.Background(), func(context.Context) error { return nil }), runtime.ErrOpen)
}

func TestCommandsAgainstRedis(t *testing.T) {
	_, url, opsURL := guarded(t)
	b, store := service(t, url)
	trip(t, b.Circuit("payments", runtime.Options{CoolDown: time.Hour}))
	require.NoError(t, b.Circuit("search").Run(context.Background(), func(context.Context) error { return nil }))
	require.NoError(t, store.Flush(context.Background()))
	env := map[string]string{"REDIS_URL": opsURL}

	list := runCtl(env, "-prefix", "shop", "list")
	require.Equal(t, breakerctl.ExitOK, list.code, list.stderr)
	lines := strings.Split(strings.TrimSpace(list.stdout), "\n")
	require.Len(t, lines, 3, list.stdout)
	assert.Regexp(t, `^NAME +STATE +LOCK +OPENED-AT +FAILURE-RATE +SAMPLES +NEXT-PROBE +VOTING$`, lines[0])
	assert.Regexp(t, `^payments +open +none +\d{4}-\d\d-\d\dT[0-9:]+Z +100\.0% +3 +in (59m5\ds|1h0m0s) +1 of 1$`, lines[1])
	assert.Regexp(t, `^search +closed +none +- +0\.0% +1 +- +0 of 1$`, lines[2])
	assert.Equal(t, strings.Index(lines[0], "STATE"), strings.Index(lines[1], "open"), "aligned")

	status := runCtl(env, "status", "payments", "-prefix", "shop", "-json")
	require.Equal(t, breakerctl.ExitOK, status.code, status.stderr)
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(status.stdout), &v))
	assert.Equal(t, "open", v["state"])
	assert.InDelta(t, 3600, v["cool_down_seconds"], 1e-9)
	assert.InDelta(t, 3, v["failures"], 1e-9)

	locked := runCtl(env, "-prefix", "shop", "lock-closed", "payments")
	require.Equal(t, breakerctl.ExitOK, locked.code, locked.stderr)
	assert.Equal(t, "payments: lock none -> closed; state closed (locked closed)\n", locked.stdout)
	again := runCtl(env, "-prefix", "shop", "lock-closed", "payments")
	assert.Equal(t, "payments: lock closed (unchanged); state closed (locked closed)\n", again.stdout)
	require.NoError(t, b.Circuit("payments").Run(context.Background(), func(context.Context) error { return nil }),
		"the service honours the lock")

	reset := runCtl(env, "-prefix", "shop", "-json", "reset", "payments")
	require.Equal(t, breakerctl.ExitOK, reset.code, reset.stderr)
	var ch struct {
		Action        string
		Before, After map[string]any
	}
	require.NoError(t, json.Unmarshal([]byte(reset.stdout), &ch))
	assert.Equal(t, "reset", ch.Action)
	assert.Equal(t, "closed", ch.Before["lock"])
	assert.Equal(t, "none", ch.After["lock"])

	missing := runCtl(env, "-prefix", "shop", "unlock", "payment")
	assert.Equal(t, breakerctl.ExitError, missing.code)
	assert.Equal(t, "breakerctl: unlock: no circuit \"payment\" under prefix \"shop\" (breakerctl list shows them)\n", missing.stderr)
	empty := runCtl(env, "list") // the default prefix holds nothing
	assert.Equal(t, "NAME  STATE  LOCK  OPENED-AT  FAILURE-RATE  SAMPLES  NEXT-PROBE  VOTING\n(no circuits under this prefix)\n", empty.stdout)
}

// TestQuorumView: two services report outcomes of one circuit, one of them
// failing alone: it opens for itself only, and breakerctl shows the fleet's
// circuit closed, two processes reporting and one voting to open, in list,
// status and their JSON.
func TestQuorumView(t *testing.T) {
	_, url, _ := guarded(t)
	healthy, healthyStore := service(t, url)
	bad, badStore := service(t, url)
	ctx := context.Background()
	for range 10 {
		require.NoError(t, healthy.Circuit("search").Run(ctx, func(context.Context) error { return nil }))
	}
	require.NoError(t, healthyStore.Flush(ctx))
	trip(t, bad.Circuit("search"))
	require.NoError(t, badStore.Flush(ctx))
	st, err := bad.Circuit("search").Status(ctx)
	require.NoError(t, err)
	require.Equal(t, storage.ScopeProcess, st.Scope, "the bad service's opening is its own: %v", st)
	env := map[string]string{"REDIS_URL": url}

	status := runCtl(env, "-prefix", "shop", "status", "search")
	require.Equal(t, breakerctl.ExitOK, status.code, status.stderr)
	assert.Regexp(t, `(?m)^state: +closed$`, status.stdout, "the fleet's circuit")
	assert.Regexp(t, `(?m)^processes: +2 reporting, 1 voting to open$`, status.stdout)
	list := runCtl(env, "-prefix", "shop", "list")
	require.Equal(t, breakerctl.ExitOK, list.code, list.stderr)
	assert.Regexp(t, `(?m)^search +closed +none +- +23\.1% +13 +- +1 of 2$`, list.stdout)
	asJSON := runCtl(env, "-prefix", "shop", "-json", "list")
	var views []map[string]any
	require.NoError(t, json.Unmarshal([]byte(asJSON.stdout), &views))
	require.Len(t, views, 1)
	assert.InDelta(t, 2, views[0]["reporting_processes"], 1e-9)
	assert.InDelta(t, 1, views[0]["voting_processes"], 1e-9)
}

// TestStatusLabelsHistory: a closed circuit's last opening is history, and
// the words are the runtime's: a circuit reopened by a failed probe is open.
func TestStatusLabelsHistory(t *testing.T) {
	_, url, _ := guarded(t)
	b, store := service(t, url)
	c := b.Circuit("payments", runtime.Options{CoolDown: 50 * time.Millisecond})
	trip(t, c)
	require.Eventually(t, func() bool {
		return c.Run(context.Background(), func(context.Context) error { return nil }) == nil
	}, 5*time.Second, 10*time.Millisecond, "the probe closes it")
	require.NoError(t, store.Flush(context.Background()))
	env := map[string]string{"REDIS_URL": url}

	status := runCtl(env, "-prefix", "shop", "status", "payments")
	require.Equal(t, breakerctl.ExitOK, status.code, status.stderr)
	assert.Regexp(t, `(?m)^state: +closed$`, status.stdout)
	assert.Regexp(t, `(?m)^opened-at: +\S+Z \(history: the circuit has closed since\)$`, status.stdout)
	assert.Regexp(t, `(?m)^failure-rate: +0\.0% \(0 failures of \d+\)$`, status.stdout)
	list := runCtl(env, "-prefix", "shop", "list")
	assert.Regexp(t, `(?m)^payments +closed +none +\S+Z \(history\) `, list.stdout)
	asJSON := runCtl(env, "-prefix", "shop", "-json", "status", "payments")
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(asJSON.stdout), &v))
	assert.Equal(t, true, v["opened_at_is_history"])
}

// TestLockOpenForceLocksACircuitAheadOfItsFirstCall: maintenance can be
// locked in before any service made the circuit; without -force the name is
// refused, as a typo would be.
func TestLockOpenForceLocksACircuitAheadOfItsFirstCall(t *testing.T) {
	_, url, _ := guarded(t)
	env := map[string]string{"REDIS_URL": url}
	refused := runCtl(env, "-prefix", "shop", "lock-open", "billing")
	assert.Equal(t, breakerctl.ExitError, refused.code)
	assert.Contains(t, refused.stderr, `no circuit "billing"`)

	forced := runCtl(env, "-prefix", "shop", "lock-open", "-force", "billing")
	require.Equal(t, breakerctl.ExitOK, forced.code, forced.stderr)
	assert.Equal(t, "billing: lock none -> open; state open (locked open)\n", forced.stdout)

	b, _ := service(t, url)
	err := b.Circuit("billing").Run(context.Background(), func(context.Context) error { return nil })
	require.ErrorIs(t, err, runtime.ErrOpen, "the service's first call meets the lock")
	assert.Contains(t, err.Error(), "open (locked open)")
	list := runCtl(env, "-prefix", "shop", "list")
	assert.Regexp(t, `(?m)^billing +open \(locked open\) +open .* -$`, list.stdout, "no process reported")
	status := runCtl(env, "-prefix", "shop", "status", "billing")
	assert.Regexp(t, `(?m)^processes: +none reported within the last window$`, status.stdout)
}

func TestWrongPasswordIsOneLineWithoutIt(t *testing.T) {
	srv, _, _ := guarded(t)
	const wrong = "N0tTheP4ssword"
	for _, url := range []string{
		"redis://:" + wrong + "@" + srv.Addr(),
		"redis://ops:" + wrong + "@" + srv.Addr(),
		"redis://" + srv.Addr(),
	} {
		r := runCtl(map[string]string{"REDIS_URL": url}, "list")
		assert.Equal(t, breakerctl.ExitError, r.code)
		assert.Equal(t, 1, strings.Count(r.stderr, "\n"), r.stderr)
		assert.NotContains(t, r.stderr, wrong)
		assert.Regexp(t, `WRONGPASS|NOAUTH`, r.stderr)
	}
}

func TestHostileNamesStayOnTheirLine(t *testing.T) {
	_, url, _ := guarded(t)
	b, store := service(t, url)
	require.NoError(t, b.Circuit("evil\n\x1b[31mname").Run(context.Background(), func(context.Context) error { return nil }))
	require.NoError(t, store.Flush(context.Background()))
	r := runCtl(map[string]string{"REDIS_URL": url}, "-prefix", "shop", "list")
	require.Equal(t, breakerctl.ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"evil\n\x1b[31mname"`)
	assert.NotContains(t, r.stdout, "\x1b")
}

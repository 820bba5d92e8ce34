package gen_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakergen/breakergen/runtime"
	"github.com/breakergen/breakergen/testdata/keys"
	"github.com/breakergen/breakergen/testdata/repo"
)

// User and Order are rows of two tables.
type (
	User  struct{ Name string }
	Order struct{ Cents int }
)

// table is a repo.Repo on a map that fails with err.
type table[K comparable, V any] struct {
	rows map[K]V
	err  error
}

func (t *table[K, V]) Get(ctx context.Context, id K) (V, error) {
	v, ok := t.rows[id]
	if t.err != nil {
		return v, t.err
	}
	if !ok {
		return v, fmt.Errorf("row %v: %w", id, repo.ErrNotFound)
	}
	return v, nil
}

func (t *table[K, V]) Find(ctx context.Context, id K) (V, error) { return t.Get(ctx, id) }
func (t *table[K, V]) Save(ctx context.Context, v V) error       { return t.err }

func (t *table[K, V]) Put(ctx context.Context, id K, v V) error {
	if t.err == nil {
		t.rows[id] = v
	}
	return t.err
}

func TestRepoInstancesDoNotShareCircuits(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	users := &table[string, User]{rows: map[string]User{}, err: errBoom}
	orders := &table[int, Order]{rows: map[int]Order{1: {Cents: 5}}}
	u := repo.NewRepoBreaker[string, User](users, h.b, runtime.WithInstance("users"))
	o := repo.NewRepoBreaker[int, Order](orders, h.b, runtime.WithInstance("orders"))
	assert.Equal(t, []string{"repo.Get@orders", "repo.Get@users", "repo@orders", "repo@users"}, circuitNames(h.b))
	for range 20 { // samples=20, inherited by Get
		_, err := u.Get(ctx, "ann")
		require.ErrorIs(t, err, errBoom)
	}
	_, err := u.Get(ctx, "ann")
	wantOpen(t, err, "the users table's circuit opened")
	order, err := o.Get(ctx, 1)
	require.NoError(t, err, "the healthy orders table is not refused")
	assert.Equal(t, 5, order.Cents)
}

func TestRepoMethodInheritsTheInterfaceOptions(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	orders := &table[int, Order]{rows: map[int]Order{}}
	o := repo.NewRepoBreaker[int, Order](orders, h.b)
	for range 30 {
		_, err := o.Get(ctx, 7)
		require.ErrorIs(t, err, repo.ErrNotFound, "returned untouched")
	}
	st := h.status(t, "repo.Get")
	assert.Zero(t, st.SampleSize, "exclude=ErrNotFound: not recorded")
	assert.Equal(t, 30*time.Second, st.Options.CoolDown, "inherited: cooldown=30s")
	assert.Equal(t, 20, st.Options.SampleThreshold, "inherited: samples=20")
}

// hosts is a keys.Hosts whose calls fail for the hosts, tenants, IDs and
// shards listed in down.
type hosts struct {
	down  map[string]bool
	calls map[string]int
}

func (f *hosts) fail(key string) error {
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[key]++
	if f.down[key] {
		return errBoom
	}
	return nil
}

func (f *hosts) Ping(ctx context.Context, host string) error { return f.fail(host) }
func (f *hosts) Fetch(req *http.Request) ([]byte, error)     { return nil, f.fail(req.URL.Host) }
func (f *hosts) Resolve(ctx context.Context, h keys.Host) ([]string, error) {
	return []string{string(h)}, f.fail(strings.ToLower(string(h)))
}
func (f *hosts) Bill(ctx context.Context, a keys.Account, cents uint32) error {
	return f.fail(a.Tenant)
}
func (f *hosts) Load(ctx context.Context, a keys.Account) (string, error) {
	return a.Tenant, f.fail(fmt.Sprint(a.ID))
}
func (f *hosts) Put(ctx context.Context, shard uint16, v []byte) error {
	return f.fail(fmt.Sprint(shard))
}
func (f *hosts) Lookup(ctx context.Context, host string) (string, error) {
	return "fresh:" + host, f.fail(host)
}
func (f *hosts) Close() error { return nil }

func TestKeysOneCircuitPerValue(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	f := &hosts{down: map[string]bool{"dead.example": true, "acme": true, "42": true, "7": true}}
	d := keys.NewHostsBreaker(f, h.b)

	for range 2 { // samples=2
		require.ErrorIs(t, d.Ping(ctx, "dead.example"), errBoom)
	}
	wantOpen(t, d.Ping(ctx, "dead.example"), "the dead host's circuit opened")
	require.NoError(t, d.Ping(ctx, "ok.example"), "a healthy host is not refused")

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://dead.example/x", nil)
	require.NoError(t, err)
	for range 2 {
		_, err = d.Fetch(req)
		require.ErrorIs(t, err, errBoom)
	}
	_, err = d.Fetch(req)
	wantOpen(t, err, "Fetch has a family of its own, keyed by req.URL.Host")

	for range 2 {
		_, err = d.Resolve(ctx, "DEAD.example")
		require.ErrorIs(t, err, errBoom)
	}
	_, err = d.Resolve(ctx, "dead.EXAMPLE")
	wantOpen(t, err, "the key is strings.ToLower of the second parameter")

	acme, other := keys.Account{Tenant: "acme", ID: 42}, keys.Account{Tenant: "other", ID: 7}
	for range 2 {
		require.ErrorIs(t, d.Bill(ctx, acme, 1), errBoom)
	}
	wantOpen(t, d.Bill(ctx, acme, 1))
	require.NoError(t, d.Bill(ctx, keys.Account{Tenant: "globex", ID: 42}, 1), "the key is the tenant, not the ID")
	for range 2 {
		_, err = d.Load(ctx, other)
		require.ErrorIs(t, err, errBoom)
	}
	_, err = d.Load(ctx, other)
	wantOpen(t, err, "the key is the account's ID")
	for range 2 {
		require.ErrorIs(t, d.Put(ctx, 7, nil), errBoom)
	}
	wantOpen(t, d.Put(ctx, 7, nil))
	require.NoError(t, d.Put(ctx, 8, nil))

	for range 2 {
		_, err = d.Lookup(ctx, "dead.example")
		require.ErrorIs(t, err, errBoom)
	}
	v, err := d.Lookup(ctx, "dead.example")
	require.NoError(t, err, "the fallback answers for the host whose circuit is open")
	assert.Equal(t, "cached:dead.example", v)
	v, err = d.Lookup(ctx, "ok.example")
	require.NoError(t, err)
	assert.Equal(t, "fresh:ok.example", v)

	for _, name := range []string{
		"hosts[dead.example]", "hosts[ok.example]", "hosts.Fetch[dead.example]", "hosts.resolve[dead.example]",
		"accounts[acme]", "accounts[globex]", "accounts.byid[7]", "shards[7]", "shards[8]",
	} {
		assert.Contains(t, circuitNames(h.b), name)
	}
	assert.Equal(t, 2, h.status(t, "hosts[dead.example]").Options.SampleThreshold)
}

func TestKeysAreBoundedByMaxKeys(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	d := keys.NewHostsBreaker(&hosts{}, h.b, runtime.WithInstance("x"))
	for i := range 100 {
		require.NoError(t, d.Bill(ctx, keys.Account{Tenant: fmt.Sprint("tenant-", i)}, 1))
	}
	n := 0
	for _, name := range circuitNames(h.b) {
		var rest string
		if _, err := fmt.Sscanf(name, "accounts@x[%s", &rest); err == nil {
			n++
		}
	}
	assert.LessOrEqual(t, n, 8, "maxkeys=8 bounds the live circuits of accounts@x")
	assert.Positive(t, n)
}

func TestKeysWithInstanceAndOverrides(t *testing.T) {
	ctx := context.Background()
	h := newHarness(runtime.WithOverrides("hosts@eu", runtime.Options{SampleThreshold: 1}))
	d := keys.NewHostsBreaker(&hosts{down: map[string]bool{"h": true}}, h.b, runtime.WithInstance("eu"))
	require.Error(t, d.Ping(ctx, "h"))
	wantOpen(t, d.Ping(ctx, "h"), "the family's override applies to every key")
	assert.Contains(t, circuitNames(h.b), "hosts@eu[h]")
	assert.True(t, errors.Is(d.Ping(ctx, "h"), runtime.ErrOpen))
}

// TestGenericDefaultNamesCarryTypeArguments is the first-hour report: every
// instantiation of a generic interface shared one circuit, so a healthy
// Repository[Order] was refused because Repository[User] failed. Without
// name=, each instantiation's circuits are named after its type arguments.
func TestGenericDefaultNamesCarryTypeArguments(t *testing.T) {
	ctx := context.Background()
	h := newHarness()
	users := repo.NewRepositoryBreaker[User](&table[string, User]{rows: map[string]User{}, err: errBoom}, h.b)
	orders := repo.NewRepositoryBreaker[Order](&table[string, Order]{rows: map[string]Order{"o": {Cents: 9}}}, h.b)
	assert.Equal(t, []string{
		"repo.Repository[gen_test.Order]", "repo.Repository[gen_test.Order].Save",
		"repo.Repository[gen_test.User]", "repo.Repository[gen_test.User].Save",
	}, circuitNames(h.b))
	for range 3 {
		_, err := users.Find(ctx, "ann")
		require.ErrorIs(t, err, errBoom)
	}
	_, err := users.Find(ctx, "ann")
	wantOpen(t, err, "the users' circuit opened")
	order, err := orders.Find(ctx, "o")
	require.NoError(t, err, "Repository[Order] has a circuit of its own")
	assert.Equal(t, 9, order.Cents)
	assert.Equal(t, 5, h.status(t, "repo.Repository[gen_test.User].Save").Options.SampleThreshold)
}

package breakerimpl

import (
	"fmt"
	"hash/maphash"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/breakergen/breakergen/runtime"
)

// DefaultMaxKeys is how many circuits of one keyed family may live at once
// when the directive gives no maxkeys=: one per host, tenant or table, up to
// this many.
const DefaultMaxKeys = 1024

// MaxKeyLen is the longest key a circuit name carries whole. A longer key is
// cut to its first MaxKeyLen-17 bytes followed by "~" and 16 hexadecimal digits
// of its FNV-1a hash, the same in every process, so hostile keys cannot make
// names (or Redis keys) of unbounded length.
const MaxKeyLen = 128

// evictSample is how many shards an eviction looks at for the least recently
// used circuit.
const evictSample = 4

// Keyed is a family of circuits of one decorator, one per key value: the
// circuits of a method whose directive says key=req.URL.Host are named
// "<name>[<key>]" ("http[api.example.com]", "http@eu[api.example.com]" under
// runtime.WithInstance), so a dead host trips its own circuit and no other.
// Get one from Decoration.Keyed, once, and look up a key's circuit per call
// with Circuit.
//
// At most maxKeys circuits of a family live at once. A circuit unused for
// longer than its CoolDown and EvaluationWindow (it holds nothing a new one
// would not) is evicted as new keys arrive, and when the family is full the
// least recently used of a sample is evicted: the Breaker drops it
// (runtime.Breaker.Drop), so in-memory storage forgets it and its Redis keys expire.
// A key seen again gets a new circuit, which finds any state the storage
// still holds (Redis) or starts closed (memory). So memory stays bounded
// whatever keys callers send, at the price of forgetting idle state.
//
// Keyed circuits belong to their family: do not Drop them, nor rely on a
// *runtime.Circuit of a key after it may have been evicted. A Keyed is safe for
// concurrent use; looking up a key that has a circuit takes no lock and
// allocates nothing.
type Keyed struct {
	st *keyedState
}

// keyedState is what a Keyed holds, apart from it so that the cleanup run when
// the Keyed is collected can reach it.
type keyedState struct {
	b       *runtime.Breaker
	name    string            // the family's full name
	opts    []runtime.Options // of every circuit: code options, then the family's override
	eff     runtime.Options   // the family's effective options, for conflicts
	now     func() int64      // the Breaker's clock, in Unix nanoseconds
	max     int64
	seed    maphash.Seed
	intSeed uint64 // of integer keys
	shards  []keyedShard
	mask    uint64
	live    atomic.Int64  // circuits in the shards' maps
	cursor  atomic.Uint64 // next shard to sweep or evict from
}

// keyedShard is one part of a family's keys: an immutable list of slots,
// replaced whole under mu, so a lookup only loads it and compares hashes.
type keyedShard struct {
	slots atomic.Pointer[[]keyedSlot]
	mu    sync.Mutex
}

// keyedSlot is one key of a shard: its hash and its entry.
type keyedSlot struct {
	hash uint64
	e    *keyedEntry
}

// keyedKey is a key of a family.
type keyedKey struct {
	key  string  // the key as the circuit's name shows it
	ikey uint64  // an integer key's bits
	kind keyKind // of the key
}

// keyedEntry is one key's circuit and when it was last looked up.
type keyedEntry struct {
	keyedKey
	c    *runtime.Circuit
	idle int64        // nanoseconds without use after which it may go
	used atomic.Int64 // Unix nanoseconds of the last lookup, by the circuit's clock
}

// keyKind tells string keys from integer keys of one family.
type keyKind uint8

const (
	keyString keyKind = iota
	keySigned
	keyUnsigned
)

// families memoizes Keyed families by Breaker and full name, so decorators
// sharing a family name share one bound. Values are weak: a family nobody
// holds is collected, and its cleanup drops its circuits.
var families = struct {
	sync.Mutex
	m map[familyKey]weak.Pointer[Keyed]
}{m: map[familyKey]weak.Pointer[Keyed]{}}

// familyKey identifies a family.
type familyKey struct {
	b    weak.Pointer[runtime.Breaker]
	name string
}

// Keyed returns the family of circuits named name (see Name) whose keys are
// given per call, with at most maxKeys circuits alive (DefaultMaxKeys when
// maxKeys <= 0). Each circuit has the options o, those of
// runtime.WithOptions laid over them, then runtime.WithOverrides of the
// family's full name, then those of the circuit's own name
// ("http[api.example.com]"). Decorators that ask one Breaker for one family
// name share it, and must agree on its options and maxKeys, as registrations
// of one circuit must (runtime.Breaker.Register). Keyed panics, as Decorate
// does, when an o is invalid or the family exists with other options.
func (d Decoration) Keyed(name string, maxKeys int, o ...runtime.Options) *Keyed {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	full := d.Name(name)
	for _, opt := range o {
		if err := opt.Validate(); err != nil {
			panic(fmt.Errorf("%w (circuit family %q)", err, full))
		}
	}
	opts := d.options(o)
	eff, err := hooks.Resolve(d.b, full, opts)
	if err != nil {
		panic(err) // WithOptions validated its layers already
	}
	key := familyKey{b: weak.Make(d.b), name: full}
	families.Lock()
	defer families.Unlock()
	if k := families.m[key].Value(); k != nil {
		if err := k.st.conflict(eff, hooks.GivesOptions(opts), maxKeys); err != nil {
			panic(fmt.Errorf("%w (building %s)", err, d.decorator))
		}
		return k
	}
	opts = append(slices.Clone(opts), hooks.Override(d.b, full))
	k := &Keyed{st: newKeyedState(d.b, full, maxKeys, opts)}
	k.st.eff = eff
	families.m[key] = weak.Make(k)
	goruntime.AddCleanup(k, forgetFamily, familyCleanup{key: key, st: k.st})
	return k
}

// conflict returns the error of a second request for the family with the
// effective options eff (when it gives options) and maxKeys, or nil when
// they are the family's.
func (st *keyedState) conflict(eff runtime.Options, gives bool, maxKeys int) error {
	var diff string
	if gives {
		diff = hooks.Differ(st.eff, eff)
	}
	if int64(maxKeys) != st.max {
		if diff != "" {
			diff += "; "
		}
		diff += fmt.Sprintf("maxkeys: %d first, %d now", st.max, maxKeys)
	}
	if diff == "" {
		return nil
	}
	return fmt.Errorf("%w: circuit family %q is already registered with other options (%s); "+
		"registrations of one circuit must agree: give this one a circuit of its own with "+
		"runtime.WithInstance(name) (a decorator option) or name= in its directive",
		runtime.ErrInvalid, st.name, diff)
}

// newKeyedState returns an empty family with about eight keys per shard.
func newKeyedState(b *runtime.Breaker, name string, maxKeys int, opts []runtime.Options) *keyedState {
	seed := maphash.MakeSeed()
	n := 1
	for n*8 < maxKeys && n < 4096 {
		n *= 2
	}
	return &keyedState{
		b: b, name: name, opts: opts, now: hooks.Clock(b), max: int64(maxKeys),
		seed: seed, intSeed: maphash.String(seed, "int"), shards: make([]keyedShard, n), mask: uint64(n - 1),
	}
}

// familyCleanup is what forgetFamily needs of a collected family.
type familyCleanup struct {
	key familyKey
	st  *keyedState
}

// forgetFamily runs when a Keyed is collected: unless a newer Keyed took its
// place, the family is forgotten and its circuits are dropped.
func forgetFamily(fc familyCleanup) {
	families.Lock()
	defer families.Unlock()
	if families.m[fc.key].Value() != nil {
		return
	}
	delete(families.m, fc.key)
	for i := range fc.st.shards {
		sh := &fc.st.shards[i]
		sh.mu.Lock()
		for _, s := range sh.load() {
			fc.st.b.Drop(s.e.c.Name())
		}
		sh.slots.Store(nil)
		sh.mu.Unlock()
	}
}

// Name returns the family's full name: the directive's name, with
// "@instance" under WithInstance.
func (k *Keyed) Name() string { return k.st.name }

// Len returns how many circuits of the family are alive.
func (k *Keyed) Len() int { return int(k.st.live.Load()) }

// KeyedName returns the name of the circuit of key in the family named family:
// "family[key]", key shortened as MaxKeyLen says.
func KeyedName(family, key string) string {
	return family + "[" + shortKey(key) + "]"
}

// Circuit returns the circuit of key, making it on the key's first use (or
// first use since its eviction).
func (k *Keyed) Circuit(key string) *runtime.Circuit {
	st := k.st
	if len(key) > MaxKeyLen {
		key = shortKey(key)
	}
	h := maphash.String(st.seed, key)
	sh := &st.shards[h&st.mask]
	if p := sh.slots.Load(); p != nil {
		for _, s := range *p {
			if s.hash == h && s.e.key == key {
				s.e.touch(st.now)
				return s.e.c
			}
		}
	}
	return st.add(sh, h, keyedKey{key: key})
}

// CircuitInt returns the circuit of an integer key, named in decimal. A
// family's keys should be all strings or all integers: the string "42" and the
// integer 42 name one circuit but are two keys.
func (k *Keyed) CircuitInt(key int64) *runtime.Circuit {
	return k.circuitInt(uint64(key), keySigned)
}

// CircuitUint returns the circuit of an unsigned integer key, named in
// decimal.
func (k *Keyed) CircuitUint(key uint64) *runtime.Circuit {
	return k.circuitInt(key, keyUnsigned)
}

// circuitInt is Circuit for an integer key: hashed by a mixer, not as a
// string, and formatted only when its circuit is made.
func (k *Keyed) circuitInt(key uint64, kind keyKind) *runtime.Circuit {
	st := k.st
	h := mixInt(key, st.intSeed)
	sh := &st.shards[h&st.mask]
	if p := sh.slots.Load(); p != nil {
		for _, s := range *p {
			if s.hash == h && s.e.ikey == key && s.e.kind == kind {
				s.e.touch(st.now)
				return s.e.c
			}
		}
	}
	var name string
	if kind == keySigned {
		name = strconv.FormatInt(int64(key), 10)
	} else {
		name = strconv.FormatUint(key, 10)
	}
	return st.add(sh, h, keyedKey{key: name, ikey: key, kind: kind})
}

// mixInt hashes an integer key with the family's seed (SplitMix64's
// finalizer).
func mixInt(x, seed uint64) uint64 {
	x ^= seed
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// touch records a lookup at now(), writing only when the clock moved.
func (e *keyedEntry) touch(now func() int64) {
	if now := now(); e.used.Load() != now {
		e.used.Store(now)
	}
}

// load returns the shard's slots, nil when it is empty.
func (sh *keyedShard) load() []keyedSlot {
	if p := sh.slots.Load(); p != nil {
		return *p
	}
	return nil
}

// shortKey returns key, or its shortened form when it is longer than
// MaxKeyLen.
func shortKey(key string) string {
	if len(key) <= MaxKeyLen {
		return key
	}
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(key); i++ {
		h = (h ^ uint64(key[i])) * prime
	}
	return fmt.Sprintf("%s~%016x", strings.ToValidUTF8(key[:MaxKeyLen-17], ""), h)
}

// add returns the circuit of key, whose hash is h, making it when no other
// goroutine did in the meantime. Before it takes the shard's lock it makes
// room: it sweeps one shard for idle circuits and, while the family is full,
// evicts the least recently used circuit of a sample.
func (st *keyedState) add(sh *keyedShard, h uint64, want keyedKey) *runtime.Circuit {
	st.sweep(&st.shards[st.cursor.Add(1)&st.mask])
	for tries := 0; st.live.Load() >= st.max && tries < 4*evictSample; tries++ {
		if !st.evictOne() {
			break
		}
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for _, s := range sh.load() {
		if s.hash == h && s.e.key == want.key && s.e.kind == want.kind {
			s.e.touch(st.now)
			return s.e.c
		}
	}
	key := strings.Clone(want.key) // keep no caller's larger string alive
	c := st.b.Circuit(st.name+"["+key+"]", st.opts...)
	o := c.Options()
	e := &keyedEntry{keyedKey: keyedKey{key: key, ikey: want.ikey, kind: want.kind}, c: c, idle: int64(max(o.CoolDown, o.EvaluationWindow))}
	now := st.now()
	e.used.Store(now)
	st.live.Add(1)
	st.rebuild(sh, keyedSlot{hash: h, e: e}, func(o *keyedEntry) bool { return now-o.used.Load() <= o.idle })
	return c
}

// rebuild replaces sh's slots with those keep accepts, plus extra when it has
// an entry, and drops the circuits of the others. The caller holds sh.mu.
func (st *keyedState) rebuild(sh *keyedShard, extra keyedSlot, keep func(*keyedEntry) bool) {
	old := sh.load()
	fresh := make([]keyedSlot, 0, len(old)+1)
	for _, s := range old {
		if !keep(s.e) {
			st.live.Add(-1)
			st.b.Drop(s.e.c.Name())
			continue
		}
		fresh = append(fresh, s)
	}
	if extra.e != nil {
		fresh = append(fresh, extra)
	}
	sh.slots.Store(&fresh)
}

// sweep evicts the circuits of sh that have been idle for longer than their
// CoolDown and EvaluationWindow. It takes the lock only when there is one.
func (st *keyedState) sweep(sh *keyedShard) {
	slots := sh.load()
	if len(slots) == 0 {
		return
	}
	now := st.now()
	fresh := func(e *keyedEntry) bool { return now-e.used.Load() <= e.idle }
	if !slices.ContainsFunc(slots, func(s keyedSlot) bool { return !fresh(s.e) }) {
		return
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	st.rebuild(sh, keyedSlot{}, fresh)
}

// evictOne evicts the least recently used circuit of the first evictSample
// shards that hold any, starting at the family's cursor. It reports false when
// the family is empty; a victim another goroutine evicted first counts too.
func (st *keyedState) evictOne() bool {
	var (
		victim   *keyedEntry
		victimSh *keyedShard
		seen     int
	)
	start := st.cursor.Add(1)
	for i := uint64(0); i <= st.mask && seen < evictSample; i++ {
		sh := &st.shards[(start+i)&st.mask]
		slots := sh.load()
		if len(slots) == 0 {
			continue
		}
		seen++
		for _, s := range slots {
			if victim == nil || s.e.used.Load() < victim.used.Load() {
				victim, victimSh = s.e, sh
			}
		}
	}
	if victim == nil {
		return false
	}
	victimSh.mu.Lock()
	defer victimSh.mu.Unlock()
	st.rebuild(victimSh, keyedSlot{}, func(e *keyedEntry) bool { return e != victim })
	return true
}

package redisstore

import "github.com/redis/go-redis/v9"

// The scripts share a prelude of helpers. Every script reads and checks all the
// data it needs before it writes anything, so a corrupt key aborts it with no
// partial change. Times are Unix microseconds (exact in Lua's doubles until the
// year 2112) and are always written with %d, never tostring, which would round.
//
// KEYS: [1] state hash, [2] bucket hash, [3] lock string, [4] token sorted set,
// [5] reporters and [6] voters, sorted sets of process ids (see fleet).
// ARGV[1] is always the test time offset in microseconds (0 in production).
const prelude = `
if redis.replicate_commands then redis.replicate_commands() end
local function corrupt(what)
  error({err = 'CORRUPT ' .. what})
end
local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2]) + tonumber(ARGV[1])
end
local function int(v, what)
  if v == false or v == nil then return 0 end
  if type(v) ~= 'string' or #v > 17 or not string.match(v, '^%d+$') then
    corrupt(what)
  end
  return tonumber(v)
end
local function fmt(n)
  return string.format('%d', n)
end
-- read_state returns 1 for open or 0 for closed, opened, reserved, the token of
-- the reservation and the token and kind of the last transition.
local function read_state()
  local v = redis.call('HMGET', KEYS[1], 'state', 'opened', 'reserved', 'rtok', 'ttok', 'ttr')
  local st = 0
  if v[1] == 'open' then st = 1
  elseif v[1] ~= false and v[1] ~= 'closed' then corrupt('state of ' .. KEYS[1]) end
  return st, int(v[2], 'opened of ' .. KEYS[1]), int(v[3], 'reserved of ' .. KEYS[1]),
    v[4] or '', v[5] or '', int(v[6], 'ttr of ' .. KEYS[1])
end
-- read_lock returns 0 for none, 1 for open, 2 for closed.
local function read_lock()
  local l = redis.call('GET', KEYS[3])
  if l == false then return 0 end
  if l == 'open' then return 1 end
  if l == 'closed' then return 2 end
  corrupt('lock ' .. KEYS[3])
end
local function expire_state(ttl)
  redis.call('PEXPIRE', KEYS[1], ttl)
end
-- expire_longer makes key live at least ttl ms more, and never shortens its
-- life, so a circuit's shorter windows never cut a longer window's data short.
-- It gives twice the life when it sets one, so most calls only read the TTL.
local function expire_longer(key, ttl)
  ttl = tonumber(ttl)
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, 2 * ttl) end
end
-- read_window reads the buckets of every geometry that wrote the window. A field
-- "w:n:b" is bucket b (starting at b*w) of the geometry whose n buckets are w
-- microseconds wide; its value is "successes:failures". The window of this
-- geometry (width w, n buckets) at now is buckets cur-n+1..cur; a bucket of
-- another geometry counts when it overlaps that span. It returns the failures
-- and samples counted, this geometry's current bucket number and counts, and
-- this geometry's fields that fell out of the window.
local function read_window(now, width, n)
  local cur = math.floor(now / width)
  local from = (cur - n + 1) * width
  local v = redis.call('HGETALL', KEYS[2])
  local failures, samples, cs, cf, stale, own = 0, 0, 0, 0, {}, {}
  for i = 1, #v, 2 do
    local w, wn, b = string.match(v[i], '^(%d+):(%d+):(%d+)$')
    local s, f = string.match(v[i + 1], '^(%d+):(%d+)$')
    if w == nil or s == nil or #w > 12 or #wn > 4 or #b > 15 or #s > 15 or #f > 15 then
      corrupt('bucket ' .. v[i] .. ' of ' .. KEYS[2])
    end
    w, wn, b, s, f = tonumber(w), tonumber(wn), tonumber(b), tonumber(s), tonumber(f)
    if w == 0 or wn == 0 then corrupt('bucket ' .. v[i] .. ' of ' .. KEYS[2]) end
    local mine = w == width and wn == n
    if mine and b == cur then cs, cf = s, f end
    if mine and b < cur - n + 1 then
      stale[#stale + 1] = v[i]
    elseif (b + 1) * w > from and b * w <= now then
      failures = failures + f
      samples = samples + s + f
      if mine then own[b] = {s, f} end
    end
  end
  return failures, samples, cur, cs, cf, stale, own
end
-- write_buckets writes this geometry's buckets that changed, drops the stale
-- fields and keeps the window's key alive for ttl ms.
local function write_buckets(width, n, own, changed, stale, ttl)
  local args = {}
  for b in pairs(changed) do
    args[#args + 1] = fmt(width) .. ':' .. fmt(n) .. ':' .. fmt(b)
    args[#args + 1] = fmt(own[b][1]) .. ':' .. fmt(own[b][2])
  end
  if #args > 0 then redis.call('HSET', KEYS[2], unpack(args)) end
  if #stale > 0 then redis.call('HDEL', KEYS[2], unpack(stale)) end
  if #args > 0 then expire_longer(KEYS[2], ttl) end
end
-- announce tells every process of the circuit's new state, by PUBLISH (or
-- SPUBLISH on a cluster) on the channel the last two arguments name, with the
-- process id before them, which made the change; an empty kind announces
-- nothing.
local function announce(st, lock, opened, reserved, now)
  local actor, kind, channel = ARGV[#ARGV - 2], ARGV[#ARGV - 1], ARGV[#ARGV]
  if kind ~= '' then
    redis.call(kind, channel, string.format('%d %d %d %d %d %s', st, lock, opened, reserved, now, actor))
  end
end
-- fleet counts the processes, other than pid, that reported outcomes (KEYS[5])
-- and that voted to open (KEYS[6]: their own outcomes failed the rate
-- threshold) after from: two sorted sets of process ids scored by the time of
-- their last report. It returns the reporters, then the voters.
local function fleet(from, pid)
  local lo = '(' .. fmt(from)
  local r = redis.call('ZCOUNT', KEYS[5], lo, '+inf')
  local v = redis.call('ZCOUNT', KEYS[6], lo, '+inf')
  local mr = redis.call('ZSCORE', KEYS[5], pid)
  local mv = redis.call('ZSCORE', KEYS[6], pid)
  if mr and tonumber(mr) > from then r = r - 1 end
  if mv and tonumber(mv) > from then v = v - 1 end
  return r, v
end
-- report records that pid reported outcomes at now, with its vote, forgets
-- the reports older than from, and keeps both sets alive for ttl ms.
local function report(now, from, pid, vote, ttl)
  redis.call('ZADD', KEYS[5], fmt(now), pid)
  if vote then
    redis.call('ZADD', KEYS[6], fmt(now), pid)
  else
    redis.call('ZREM', KEYS[6], pid)
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', fmt(from))
  redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', fmt(from))
  expire_longer(KEYS[5], ttl)
  expire_longer(KEYS[6], ttl)
end
-- seen reports whether the token was used within the retention, and records
-- it, forgetting older tokens. Tokens make a script that a client retried, or
-- whose reply was lost and that was sent again, count nothing twice. It is
-- called after every read that may abort the script.
local function seen(token, now, retention_ms)
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', fmt(now - retention_ms * 1000))
  local added = redis.call('ZADD', KEYS[4], 'NX', fmt(now), token)
  redis.call('PEXPIRE', KEYS[4], retention_ms)
  return added == 0
end
`

// scriptStatus reads a circuit's status.
// ARGV: offset, width, buckets, process id.
// It returns {0, state, lock, opened, reserved, failures, samples, now,
// voters, reporters}, the last two counting the other processes of the window.
var scriptStatus = redis.NewScript(prelude + `
local now = now_us()
local width, n = tonumber(ARGV[2]), tonumber(ARGV[3])
local st, opened, reserved = read_state()
local lock = read_lock()
local failures, samples = read_window(now, width, n)
local reporters, voters = fleet(now - width * n, ARGV[4])
return {0, st, lock, opened, reserved, failures, samples, now, voters, reporters}
`)

// scriptFlush merges outcomes counted by one process into the window and
// applies, atomically with them, the transition they cause, once per token. It
// is the Record of a strict store (one outcome, no batch) and the flush of a
// fleet store (a batch of buckets counted locally, and maybe the outcome whose
// threshold check made it flush at once).
//
// A closed circuit opens only with a quorum: the window fails the thresholds
// and at least quorum processes voted to open (their own outcomes failed the
// rate threshold when they last reported within the window), or every process
// that reported within the window did, when fewer than quorum reported. One
// process alone thus opens the circuit of a service of one process, but one bad
// host among many gets only its own local opening.
//
// ARGV: offset, width, buckets, rate threshold, sample threshold, state TTL ms,
// window TTL ms, token, token retention ms, cool-down µs (kept with an opening,
// for operators), probe (0/1), the probe's opened, the outcome ('s', 'f' or ”
// for none), process id, its vote (0/1), quorum, the number k of batch
// entries, then k times: bucket epoch, successes, failures; then the announce
// kind and channel. It returns {transition, state, lock, opened, reserved,
// failures, samples, now, voters, reporters}, the last two counting the other
// processes of the window; a replay returns the transition its first run made,
// and counts nothing.
var scriptFlush = redis.NewScript(prelude + `
local now = now_us()
local width, n = tonumber(ARGV[2]), tonumber(ARGV[3])
local rate, threshold = tonumber(ARGV[4]), tonumber(ARGV[5])
local token, retention = ARGV[8], tonumber(ARGV[9])
local probe, seen_opened, outcome = ARGV[11] == '1', tonumber(ARGV[12]), ARGV[13]
local pid, vote, quorum = ARGV[14], ARGV[15] == '1', tonumber(ARGV[16])
local from = now - width * n
local st, opened, reserved, _, ttok, ttr = read_state()
local lock = read_lock()
local failures, samples, cur, cs, cf, stale, own = read_window(now, width, n)
local reporters, voters = fleet(from, pid)
if seen(token, now, retention) then
  local t = 0
  if ttok == token then t = ttr end
  return {t, st, lock, opened, reserved, failures, samples, now, voters, reporters}
end
local changed, added_failures = {}, 0
local function add(b, s, f)
  if b > cur then b = cur end -- a client clock ahead of the server's
  if b < cur - n + 1 then return end -- older than the window
  if own[b] == nil then own[b] = {0, 0} end
  own[b][1], own[b][2] = own[b][1] + s, own[b][2] + f
  changed[b] = true
  failures, samples, added_failures = failures + f, samples + s + f, added_failures + f
end
local k = tonumber(ARGV[17])
for i = 0, k - 1 do
  add(tonumber(ARGV[18 + 3 * i]), tonumber(ARGV[19 + 3 * i]), tonumber(ARGV[20 + 3 * i]))
end
local success = outcome == 's'
if outcome == 's' then add(cur, 1, 0) elseif outcome == 'f' then add(cur, 0, 1) end
local reported = k > 0 or outcome ~= ''
local votes = voters
if reported and vote then votes = votes + 1 end

local transition = 0
if probe and st == 1 and success then
  transition = 3
elseif probe and st == 1 and outcome == 'f' and opened == seen_opened then
  transition = 2
elseif added_failures > 0 and st == 0 and samples > 0 and samples >= threshold
    and failures / samples >= rate and votes >= math.min(quorum, reporters + 1) then
  transition = 1
end
if reported then report(now, from, pid, vote, ARGV[7]) end

if transition == 3 then
  st, reserved, failures, samples = 0, 0, 0, 0
  redis.call('HSET', KEYS[1], 'state', 'closed', 'ttok', token, 'ttr', '3')
  redis.call('HDEL', KEYS[1], 'reserved', 'rtok')
  redis.call('DEL', KEYS[2], KEYS[6])
  expire_state(ARGV[6])
  announce(st, lock, opened, reserved, now)
  return {transition, st, lock, opened, reserved, failures, samples, now, 0, reporters}
end
write_buckets(width, n, own, changed, stale, ARGV[7])
if transition == 2 then
  opened = now
  redis.call('HSET', KEYS[1], 'opened', fmt(now), 'ttok', token, 'ttr', '2', 'cool', ARGV[10])
  expire_state(ARGV[6])
elseif transition == 1 then
  st, opened, reserved = 1, now, 0
  redis.call('HSET', KEYS[1], 'state', 'open', 'opened', fmt(now), 'ttok', token, 'ttr', '1', 'cool', ARGV[10])
  redis.call('HDEL', KEYS[1], 'reserved', 'rtok')
  expire_state(ARGV[6])
end
if transition ~= 0 then announce(st, lock, opened, reserved, now) end
return {transition, st, lock, opened, reserved, failures, samples, now, voters, reporters}
`)

// scriptOpen opens a closed circuit. ARGV: offset, state TTL ms, cool-down µs,
// announce kind and channel.
var scriptOpen = redis.NewScript(prelude + `
local now = now_us()
local st = read_state()
if st == 1 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'open', 'opened', fmt(now), 'cool', ARGV[3])
redis.call('HDEL', KEYS[1], 'reserved', 'rtok')
expire_state(ARGV[2])
announce(1, read_lock(), now, 0, now)
return 1
`)

// scriptReopen gives an open circuit a new opened if its current one equals the
// previous one. ARGV: offset, previous, state TTL ms, cool-down µs, announce
// kind and channel.
var scriptReopen = redis.NewScript(prelude + `
local now = now_us()
local st, opened, reserved = read_state()
if st ~= 1 or opened ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'opened', fmt(now), 'cool', ARGV[4])
expire_state(ARGV[3])
announce(1, read_lock(), now, reserved, now)
return 1
`)

// scriptClose closes an open circuit, clearing its reservation and window.
// ARGV: offset, state TTL ms, announce kind and channel.
var scriptClose = redis.NewScript(prelude + `
local st, opened = read_state()
if st ~= 1 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'closed')
redis.call('HDEL', KEYS[1], 'reserved', 'rtok')
redis.call('DEL', KEYS[2])
expire_state(ARGV[2])
announce(0, read_lock(), opened, 0, now_us())
return 1
`)

// scriptReserve sets reserved to now if the circuit is open, its opened equals
// the one given and its reserved equals the one given (0 for none): a
// compare-and-set on both. The reservation keeps the caller's token, so a replay
// of the winning script finds its own reservation and still wins. ARGV: offset,
// opened, reserved, state TTL ms, token, announce kind and channel. It returns
// {won (0/1), state, lock, opened, reserved, now}: the loser learns the
// reservation that beat it.
var scriptReserve = redis.NewScript(prelude + `
local now = now_us()
local st, opened, reserved, rtok = read_state()
local lock = read_lock()
if st ~= 1 or opened ~= tonumber(ARGV[2]) then return {0, st, lock, opened, reserved, now} end
if reserved ~= 0 and rtok == ARGV[5] then return {1, st, lock, opened, reserved, now} end
if reserved ~= tonumber(ARGV[3]) then return {0, st, lock, opened, reserved, now} end
redis.call('HSET', KEYS[1], 'reserved', fmt(now), 'rtok', ARGV[5])
expire_state(ARGV[4])
announce(st, lock, opened, now, now)
return {1, st, lock, opened, now, now}
`)

// scriptRelease clears the reservation if it equals the given one.
// ARGV: offset, reserved, announce kind and channel.
var scriptRelease = redis.NewScript(prelude + `
local st, opened, reserved = read_state()
if reserved == 0 or reserved ~= tonumber(ARGV[2]) then return 0 end
redis.call('HDEL', KEYS[1], 'reserved', 'rtok')
announce(st, read_lock(), opened, 0, now_us())
return 1
`)

// scriptLock sets the lock. ARGV: offset, "open", "closed" or "" for none,
// lock TTL ms (0 for none), announce kind and channel.
var scriptLock = redis.NewScript(prelude + `
if ARGV[2] == '' then
  redis.call('DEL', KEYS[3])
elseif ARGV[3] == '0' then
  redis.call('SET', KEYS[3], ARGV[2])
else
  redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
end
local st, opened, reserved = read_state()
announce(st, read_lock(), opened, reserved, now_us())
return 1
`)

// scriptReset deletes every key of the circuit. ARGV: offset, announce kind and
// channel.
var scriptReset = redis.NewScript(prelude + `
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
announce(0, 0, 0, 0, now_us())
return 1
`)

// scriptHistory returns now followed by start, successes, failures of every
// bucket of the window, of every geometry. ARGV: offset, width, buckets.
var scriptHistory = redis.NewScript(prelude + `
local now = now_us()
local width, n = tonumber(ARGV[2]), tonumber(ARGV[3])
read_window(now, width, n) -- checks every field
local cur = math.floor(now / width)
local from = (cur - n + 1) * width
local v = redis.call('HGETALL', KEYS[2])
local out = {now}
for i = 1, #v, 2 do
  local w, wn, b = string.match(v[i], '^(%d+):(%d+):(%d+)$')
  local s, f = string.match(v[i + 1], '^(%d+):(%d+)$')
  w, wn, b = tonumber(w), tonumber(wn), tonumber(b)
  local stale = w == width and wn == n and b < cur - n + 1
  if not stale and (b + 1) * w > from and b * w <= now then
    out[#out + 1] = b * w
    out[#out + 1] = tonumber(s)
    out[#out + 1] = tonumber(f)
  end
end
return out
`)

// scriptInspect reads a circuit for an operator who knows nothing of its
// policy: the state, the cool-down kept with its opening, the processes that
// reported outcomes and voted to open in the last window (as the flushes left
// them), and the counts of the window of every geometry that wrote it. ARGV:
// offset. It returns {now, state, lock, opened, reserved, cool-down µs,
// voters, reporters, then width, buckets, failures, samples of each
// geometry}.
var scriptInspect = redis.NewScript(prelude + `
local now = now_us()
local st, opened, reserved = read_state()
local lock = read_lock()
local cool = int(redis.call('HGET', KEYS[1], 'cool'), 'cool of ' .. KEYS[1])
local v = redis.call('HGETALL', KEYS[2])
local seen, order = {}, {}
for i = 1, #v, 2 do
  local w, wn = string.match(v[i], '^(%d+):(%d+):%d+$')
  if w == nil then corrupt('bucket ' .. v[i] .. ' of ' .. KEYS[2]) end
  local g = w .. ':' .. wn
  if not seen[g] then seen[g] = true; order[#order + 1] = {tonumber(w), tonumber(wn)} end
end
local out = {now, st, lock, opened, reserved, cool, redis.call('ZCARD', KEYS[6]), redis.call('ZCARD', KEYS[5])}
for _, g in ipairs(order) do
  local failures, samples = read_window(now, g[1], g[2])
  out[#out + 1] = g[1]
  out[#out + 1] = g[2]
  out[#out + 1] = failures
  out[#out + 1] = samples
end
return out
`)

package redisstore

import "github.com/redis/go-redis/v9"

// The scripts share a prelude of helpers. Every script reads and checks all the
// data it needs before it writes anything, so a corrupt key aborts it with no
// partial change. Times are Unix microseconds (exact in Lua's doubles until the
// year 2112) and are always written with %d, never tostring, which would round.
//
// KEYS, where used: [1] state hash, [2] window hash, [3] lock string.
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
-- read_state returns 1 for open or 0 for closed, opened and reserved.
local function read_state()
  local v = redis.call('HMGET', KEYS[1], 'state', 'opened', 'reserved')
  local st = 0
  if v[1] == 'open' then st = 1
  elseif v[1] ~= false and v[1] ~= 'closed' then corrupt('state of ' .. KEYS[1]) end
  return st, int(v[2], 'opened of ' .. KEYS[1]), int(v[3], 'reserved of ' .. KEYS[1])
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
-- read_window reads the ring of n buckets of width microseconds at now. It
-- returns the slots ({start, successes, failures} or nil), the failures and
-- samples of the live buckets, and the current bucket's number.
local function read_window(now, width, n)
  local cur = math.floor(now / width)
  local fields = {}
  for i = 1, n do fields[i] = fmt(i - 1) end
  local v = redis.call('HMGET', KEYS[2], unpack(fields))
  local slots, failures, samples = {}, 0, 0
  local oldest, newest = (cur - n + 1) * width, cur * width
  for i = 1, n do
    if v[i] ~= false then
      local b, s, f = string.match(v[i], '^(%d+):(%d+):(%d+)$')
      if b == nil or #b > 17 or #s > 15 or #f > 15 then
        corrupt('bucket ' .. fields[i] .. ' of ' .. KEYS[2])
      end
      b, s, f = tonumber(b), tonumber(s), tonumber(f)
      slots[i] = {b, s, f}
      if b >= oldest and b <= newest then
        failures = failures + f
        samples = samples + s + f
      end
    end
  end
  return slots, failures, samples, cur
end
`

// statusReply is the tail every status-returning script ends with: state, lock,
// opened, reserved, failures, samples, now.

// scriptStatus reads a circuit's status.
// ARGV: offset, width, buckets.
var scriptStatus = redis.NewScript(prelude + `
local now = now_us()
local st, opened, reserved = read_state()
local lock = read_lock()
local _, failures, samples = read_window(now, tonumber(ARGV[2]), tonumber(ARGV[3]))
return {0, st, lock, opened, reserved, failures, samples, now}
`)

// scriptRecord counts one outcome and applies the transition it causes.
// ARGV: offset, width, buckets, success (0/1), probe (0/1), the probe's opened,
// rate threshold, sample threshold, state TTL ms, window TTL ms.
var scriptRecord = redis.NewScript(prelude + `
local now = now_us()
local width, n = tonumber(ARGV[2]), tonumber(ARGV[3])
local success, probe = ARGV[4] == '1', ARGV[5] == '1'
local seen = tonumber(ARGV[6])
local rate, threshold = tonumber(ARGV[7]), tonumber(ARGV[8])
local st, opened, reserved = read_state()
local lock = read_lock()
local slots, failures, samples, cur = read_window(now, width, n)

local slot = cur % n
local start = cur * width
local s, f = 0, 0
local b = slots[slot + 1]
if b ~= nil and b[1] == start then s, f = b[2], b[3] end
if success then s = s + 1 else f = f + 1; failures = failures + 1 end
samples = samples + 1

local transition = 0
if probe and st == 1 and success then
  transition = 3
elseif probe and st == 1 and opened == seen then
  transition = 2
elseif (not success) and st == 0 and samples > 0 and samples >= threshold
    and failures / samples >= rate then
  transition = 1
end

if transition == 3 then
  st, reserved, failures, samples = 0, 0, 0, 0
  redis.call('HSET', KEYS[1], 'state', 'closed')
  redis.call('HDEL', KEYS[1], 'reserved')
  redis.call('DEL', KEYS[2])
  expire_state(ARGV[9])
else
  redis.call('HSET', KEYS[2], fmt(slot), string.format('%d:%d:%d', start, s, f))
  redis.call('PEXPIRE', KEYS[2], ARGV[10])
  if transition == 2 then
    opened = now
    redis.call('HSET', KEYS[1], 'opened', fmt(now))
    expire_state(ARGV[9])
  elseif transition == 1 then
    st, opened, reserved = 1, now, 0
    redis.call('HSET', KEYS[1], 'state', 'open', 'opened', fmt(now))
    redis.call('HDEL', KEYS[1], 'reserved')
    expire_state(ARGV[9])
  end
end
return {transition, st, lock, opened, reserved, failures, samples, now}
`)

// scriptOpen opens a closed circuit. ARGV: offset, state TTL ms.
var scriptOpen = redis.NewScript(prelude + `
local now = now_us()
local st = read_state()
if st == 1 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'open', 'opened', fmt(now))
redis.call('HDEL', KEYS[1], 'reserved')
expire_state(ARGV[2])
return 1
`)

// scriptReopen gives an open circuit a new opened if its current one equals the
// previous one. ARGV: offset, previous, state TTL ms.
var scriptReopen = redis.NewScript(prelude + `
local now = now_us()
local st, opened = read_state()
if st ~= 1 or opened ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'opened', fmt(now))
expire_state(ARGV[3])
return 1
`)

// scriptClose closes an open circuit, clearing its reservation and window.
// ARGV: offset, state TTL ms.
var scriptClose = redis.NewScript(prelude + `
local st = read_state()
if st ~= 1 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'closed')
redis.call('HDEL', KEYS[1], 'reserved')
redis.call('DEL', KEYS[2])
expire_state(ARGV[2])
return 1
`)

// scriptReserve sets reserved to now if the circuit is open, its opened equals
// the one given and its reserved equals the one given (0 for none): a
// compare-and-set on both. ARGV: offset, opened, reserved, state TTL ms. It
// returns {1, now} or {0, 0}.
var scriptReserve = redis.NewScript(prelude + `
local now = now_us()
local st, opened, reserved = read_state()
if st ~= 1 or opened ~= tonumber(ARGV[2]) or reserved ~= tonumber(ARGV[3]) then return {0, 0} end
redis.call('HSET', KEYS[1], 'reserved', fmt(now))
expire_state(ARGV[4])
return {1, now}
`)

// scriptRelease clears the reservation if it equals the given one.
// ARGV: offset, reserved.
var scriptRelease = redis.NewScript(prelude + `
local _, _, reserved = read_state()
if reserved == 0 or reserved ~= tonumber(ARGV[2]) then return 0 end
redis.call('HDEL', KEYS[1], 'reserved')
return 1
`)

// scriptLock sets the lock. ARGV: offset, "open", "closed" or "" for none,
// lock TTL ms (0 for none).
var scriptLock = redis.NewScript(prelude + `
if ARGV[2] == '' then
  redis.call('DEL', KEYS[3])
elseif ARGV[3] == '0' then
  redis.call('SET', KEYS[3], ARGV[2])
else
  redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
end
return 1
`)

// scriptReset deletes every key of the circuit. ARGV: offset.
var scriptReset = redis.NewScript(prelude + `
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return 1
`)

// scriptHistory returns now followed by start, successes, failures of every live
// bucket, in slot order. ARGV: offset, width, buckets.
var scriptHistory = redis.NewScript(prelude + `
local now = now_us()
local width, n = tonumber(ARGV[2]), tonumber(ARGV[3])
local slots, _, _, cur = read_window(now, width, n)
local out = {now}
local oldest, newest = (cur - n + 1) * width, cur * width
for i = 1, n do
  local b = slots[i]
  if b ~= nil and b[1] >= oldest and b[1] <= newest then
    out[#out + 1] = b[1]
    out[#out + 1] = b[2]
    out[#out + 1] = b[3]
  end
end
return out
`)

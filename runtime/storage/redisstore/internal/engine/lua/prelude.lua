-- The helpers every script of a circuit shares. Every script reads and checks
-- all the data it needs before it writes anything, so a corrupt key aborts it
-- with no partial change. Times are Unix microseconds (exact in Lua's doubles
-- until the year 2112) and are always written with %d, never tostring, which
-- would round.
--
-- KEYS: [1] state hash, [2] bucket hash, [3] lock string, [4] sequence hash,
-- [5] reporters and [6] voters, sorted sets of process ids (see fleet), [7]
-- the tombstone of a reset.
-- ARGV[1] is always the test time offset in microseconds (0 in production).
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
-- the reservation, the token and kind of the last transition, the cool-down
-- of the open period in microseconds (0 when none was written), the failed
-- recoveries that backed it off, when a probe closed the circuit with a ramp
-- to follow (0 for none), and, with several probes, the reservations taken
-- and the probes passed in the open period.
local function read_state()
  local v = redis.call('HMGET', KEYS[1], 'state', 'opened', 'reserved', 'rtok', 'ttok', 'ttr', 'cool', 'level', 'closed',
    'probes', 'passed')
  local st = 0
  if v[1] == 'open' then st = 1
  elseif v[1] ~= false and v[1] ~= 'closed' then corrupt('state of ' .. KEYS[1]) end
  return st, int(v[2], 'opened of ' .. KEYS[1]), int(v[3], 'reserved of ' .. KEYS[1]),
    v[4] or '', v[5] or '', int(v[6], 'ttr of ' .. KEYS[1]), int(v[7], 'cool of ' .. KEYS[1]),
    int(v[8], 'level of ' .. KEYS[1]), int(v[9], 'closed of ' .. KEYS[1]), int(v[10], 'probes of ' .. KEYS[1]),
    int(v[11], 'passed of ' .. KEYS[1])
end
-- open_cool returns the cool-down of the open period of a circuit in state st
-- whose state hash holds cool: 0 for a closed circuit.
local function open_cool(st, cool)
  if st == 1 then return cool end
  return 0
end
-- ramp_from returns the start of the ramp of a circuit in state st whose
-- state hash holds closed: 0 for an open circuit.
local function ramp_from(st, closed)
  if st == 0 then return closed end
  return 0
end
-- backoff returns the cool-down of an open period after level failed
-- recoveries: cool doubled level times, up to limit, less a jitter of up to a
-- fifth (u in [0, 1), drawn by the process, so that circuits that failed
-- together do not probe together), never below cool. No limit, or no failed
-- recovery: cool itself.
local function backoff(cool, limit, level, u)
  if limit <= 0 or level <= 0 then return cool end
  local nominal = limit
  if level < 60 and cool * 2 ^ level < limit then nominal = cool * 2 ^ level end
  return math.max(nominal - math.floor(nominal * 0.2 * u), cool)
end
-- read_lock returns 0 for none, 1 for open, 2 for closed. 'none' is the
-- tombstone an explicit unlock or reset leaves, so that a process that knew
-- the lock can tell it from a lock Redis lost.
local function read_lock()
  local l = redis.call('GET', KEYS[3])
  if l == false or l == 'none' then return 0 end
  if l == 'open' then return 1 end
  if l == 'closed' then return 2 end
  corrupt('lock ' .. KEYS[3])
end
-- present returns what Redis holds of the circuit's state: 1 for the state
-- hash, plus 2 for the lock key (or its tombstone); both after a reset, whose
-- tombstone stands for them. A process that knew an opening or a lock that
-- is absent restores it (restore.lua): Redis lost it.
local function present()
  if redis.call('EXISTS', KEYS[7]) == 1 then return 3 end
  return redis.call('EXISTS', KEYS[1]) + 2 * redis.call('EXISTS', KEYS[3])
end
-- expire_state keeps the state hash for ttl ms, and ends a reset's tombstone:
-- what is written after a reset is state again, to restore if Redis loses it.
local function expire_state(ttl)
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('DEL', KEYS[7])
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
-- announce tells every process of the circuit's new state, by PUBLISH (on a
-- cluster too: its bus carries it to every node), with the open period's
-- cool-down and reservations, or the closed circuit's ramp start, as the
-- state hash holds them. The announce arguments end every
-- script's ARGV: the process that made the change, the publish command
-- (empty: announce nothing) and the channel.
local function announce(st, lock, opened, reserved, now)
  local actor, kind, channel = ARGV[#ARGV - 2], ARGV[#ARGV - 1], ARGV[#ARGV]
  if kind ~= '' then
    local v = redis.call('HMGET', KEYS[1], 'cool', 'closed', 'probes')
    local cool, closed = int(v[1], 'cool of ' .. KEYS[1]), int(v[2], 'closed of ' .. KEYS[1])
    redis.call(kind, channel, string.format('%d %d %d %d %d %s %d %d %d', st, lock, opened, reserved, now, actor,
      open_cool(st, cool), ramp_from(st, closed), open_cool(st, int(v[3], 'probes of ' .. KEYS[1]))))
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
-- Exactly once. Every batch of outcomes a process sends carries its process
-- id and a sequence number of its own, one more for each batch of the circuit
-- (a strict store numbers its records in lanes, "pid/lane", sent at once).
-- KEYS[4] holds, per process and lane, "last:mask": the highest sequence counted and a
-- mask of the WINDOW sequences below it (bit i set: last-1-i was counted), so
-- that a batch sent again after its reply was lost, or overtaken by a later
-- one, counts once, whatever the clocks say. A sequence older than the window
-- is taken as counted: at most once.
local WINDOW = 52
-- FULL is the mask of a process whose last WINDOW batches were all counted,
-- the usual case: its value is then written as "last" alone, which saves
-- the sixteen digits of the mask in every (process, circuit) pair.
local FULL = 2 ^ WINDOW - 1
local function read_seq(pid)
  local v = redis.call('HGET', KEYS[4], pid)
  if v == false then return 0, 0 end
  local l, m = string.match(v, '^(%d+):(%d+)$')
  if l == nil then
    l, m = string.match(v, '^(%d+)$'), fmt(FULL)
  end
  if l == nil or #l > 15 or #m > 16 or tonumber(m) > FULL then
    corrupt('sequence of ' .. pid .. ' in ' .. KEYS[4])
  end
  return tonumber(l), tonumber(m)
end
-- counted reports whether seq is among those last and mask say were counted.
local function counted(last, mask, seq)
  if seq > last then return false end
  if seq == last or last - seq > WINDOW then return true end
  return math.floor(mask / 2 ^ (last - seq - 1)) % 2 == 1
end
-- seq_after returns the value that records seq as counted, after last and
-- mask.
local function seq_after(last, mask, seq)
  if seq > last then
    local shift = seq - last
    if shift > WINDOW or last == 0 then
      mask = 0
    else
      mask = (mask % 2 ^ (WINDOW - shift)) * 2 ^ shift + 2 ^ (shift - 1)
    end
    last = seq
  else
    mask = mask + 2 ^ (last - seq - 1)
  end
  if mask == FULL then return fmt(last) end
  return fmt(last) .. ':' .. fmt(mask)
end
-- count records seq as counted for pid, and keeps the hash for ttl ms.
local function count(pid, last, mask, seq, ttl)
  redis.call('HSET', KEYS[4], pid, seq_after(last, mask, seq))
  expire_longer(KEYS[4], ttl)
end

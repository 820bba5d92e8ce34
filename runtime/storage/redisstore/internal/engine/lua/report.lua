-- report merges lazy batches of several circuits into their windows: the
-- outcomes a process counted far below the thresholds, which it sends once a
-- bucket has closed. It does what flush does for such a batch, cheaply: it
-- reads the buckets the batch adds to (and, when asked, this geometry's
-- buckets of the window), and decides no transition. A batch that could open
-- its circuit with what the fleet holds (failures, while other processes vote
-- to open in the quorum's number) is not counted here: its reply asks for the
-- flush script, which decides.
--
-- KEYS: the first six keys of each circuit (see the prelude; a report never
-- reads a reset's tombstone), circuit after circuit; each circuit's run sees
-- its own as KEYS[1..6].
-- ARGV: offset, process id, quorum, the number m of circuits, then per
-- circuit: the prefix of its bucket fields ("width:buckets:"), width,
-- buckets, window TTL ms, the sequence's field, sequence, flags (1: read the
-- state and the window's counts, which the process asks for when those it
-- knows grow old; 2: the process's last report voted to open; 4: write the
-- process's report time, which it asks for half a window after the
-- last), the number k of batch entries; when it reads the counts, the
-- bucket it takes for current and the fields of the n buckets that end with
-- it (see window); then k times: the bucket's field, its epoch, successes,
-- failures. The field names come from the process, which builds strings far
-- more cheaply than the server's Lua.
-- It returns, per circuit, 0 when the batch is counted and neither the state
-- nor voters were read (the process knows the circuit closed and unlocked);
-- else {kind, state, lock, opened, reserved, failures, samples, now, voters,
-- reporters}: kind 0 when the batch is counted (now or before), 1 when the
-- flush script must take it; failures and samples are -1 when not read,
-- voters and reporters (the other processes of the window) likewise; or
-- {-1, error} when the circuit's data could not be read or written (its
-- batch is sent again, and counts once).
local now = now_us()
local nowf = fmt(now)
local pid, quorum, m = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local all = {}
for i = 1, #KEYS do all[i] = KEYS[i] end

-- window reads this geometry's buckets of the window ending with bucket cur
-- and returns their totals. The process sends the fields of the n buckets
-- ending with the bucket it takes for current, from first; when the server's
-- clock says otherwise (a bucket's boundary between them), the script builds
-- them itself.
local function window(prefix, n, cur, base, first)
  local names = {}
  if base == cur then
    for i = 0, n - 1 do names[i + 1] = ARGV[first + i] end
  else
    for b = cur - n + 1, cur do names[#names + 1] = prefix .. fmt(b) end
  end
  local v = redis.call('HMGET', KEYS[2], unpack(names))
  local failures, samples = 0, 0
  for i = 1, n do
    if v[i] then
      local s, f = string.match(v[i], '^(%d+):(%d+)$')
      if s == nil or #s > 15 or #f > 15 then corrupt('bucket ' .. names[i] .. ' of ' .. KEYS[2]) end
      failures, samples = failures + tonumber(f), samples + tonumber(s) + tonumber(f)
    end
  end
  return failures, samples
end

-- others counts the processes other than pid that voted to open after from,
-- and, when there are any, those that reported.
local function others(from, pid)
  if redis.call('EXISTS', KEYS[6]) == 0 then return 0, -1 end
  local v = redis.call('ZCOUNT', KEYS[6], '(' .. fmt(from), '+inf')
  local mv = redis.call('ZSCORE', KEYS[6], pid)
  if mv and tonumber(mv) > from then v = v - 1 end
  if v == 0 then return 0, -1 end
  local r, _ = fleet(from, pid)
  return v, r
end

local function report_one(prefix, width, n, ttl, seqid, seq, flags, k, first)
  local counts, voted, touch = flags % 2 == 1, math.floor(flags / 2) % 2 == 1, math.floor(flags / 4) % 2 == 1
  local base = 0
  if counts then base = tonumber(ARGV[first]); first = first + 1 + n end
  local cur = math.floor(now / width)
  local from = now - width * n
  local last, mask = read_seq(seqid)
  -- The state is read with the counts: the process knows it closed and
  -- unlocked, and announcements tell it of changes.
  local st, lock, opened, reserved = 0, 0, 0, 0
  if counts then
    local stv = redis.call('HMGET', KEYS[1], 'state', 'opened', 'reserved')
    opened, reserved = int(stv[2], 'opened of ' .. KEYS[1]), int(stv[3], 'reserved of ' .. KEYS[1])
    if stv[1] == 'open' then st = 1
    elseif stv[1] ~= false and stv[1] ~= 'closed' then corrupt('state of ' .. KEYS[1]) end
    lock = read_lock()
  end
  local failures, samples = -1, -1
  if counts then failures, samples = window(prefix, n, cur, base, first - n) end
  if counted(last, mask, seq) then
    return {0, st, lock, opened, reserved, failures, samples, now, -1, -1}
  end
  local fails = 0
  for i = 0, k - 1 do fails = fails + tonumber(ARGV[first + 4 * i + 3]) end
  local voters, reporters = -1, -1
  if fails > 0 and st == 0 then -- closed, as far as it was read
    voters, reporters = others(from, pid)
    if voters > 0 and voters >= math.min(quorum, reporters + 1) then
      return {1, st, lock, opened, reserved, failures, samples, now, voters, reporters}
    end
  end
  -- The entries are the batch's buckets, oldest first: only an entry a client
  -- clock ahead of the server's numbered past the current bucket is moved,
  -- onto the current one, which the entry before it may already hold. Their
  -- counts in Redis are read in one command, before anything is written. The
  -- report that creates a bucket deletes the one that left the window when it
  -- began, n buckets before: once per bucket fleet-wide, which keeps the
  -- hash to about a window of buckets per geometry.
  local names, eps, adds, addf, low = {}, {}, {}, {}, cur - n + 1
  for i = 0, k - 1 do
    local at = first + 4 * i
    local name, b = ARGV[at], tonumber(ARGV[at + 1])
    if b > cur then b, name = cur, prefix .. fmt(cur) end
    if b >= low then
      local s, f = tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3])
      local j = #names
      if j > 0 and names[j] == name then
        adds[j], addf[j] = adds[j] + s, addf[j] + f
      else
        names[j + 1], eps[j + 1], adds[j + 1], addf[j + 1] = name, b, s, f
      end
      if counts then failures, samples = failures + f, samples + s + f end
    end
  end
  local args, stale = {}, nil
  if #names > 0 then
    local v = redis.call('HMGET', KEYS[2], unpack(names))
    for i = 1, #names do
      local os, of = 0, 0
      if v[i] then
        os, of = string.match(v[i], '^(%d+):(%d+)$')
        if os == nil or #os > 15 or #of > 15 then corrupt('bucket ' .. names[i] .. ' of ' .. KEYS[2]) end
        os, of = tonumber(os), tonumber(of)
      else
        stale = stale or {}
        stale[#stale + 1] = prefix .. fmt(eps[i] - n)
      end
      args[2 * i - 1] = names[i]
      args[2 * i] = fmt(os + adds[i]) .. ':' .. fmt(of + addf[i])
    end
  end
  -- The TTLs are renewed when a write creates what they keep (a new field, a
  -- new member) and every fourth report, rather than read at every report:
  -- each key lives twice its TTL when renewed, longer than four buckets.
  local renew = seq % 4 == 0
  if redis.call('HSET', KEYS[4], seqid, seq_after(last, mask, seq)) == 1 or renew then expire_longer(KEYS[4], ttl) end
  if #args > 0 then
    if redis.call('HSET', KEYS[2], unpack(args)) > 0 or renew then expire_longer(KEYS[2], ttl) end
    if stale then redis.call('HDEL', KEYS[2], unpack(stale)) end
  end
  -- The process's report time is written when it asks (half a window after
  -- the last), which keeps it among the window's reporters.
  if touch or counts then
    if redis.call('ZADD', KEYS[5], nowf, pid) > 0 or renew then expire_longer(KEYS[5], ttl) end
  end
  if voted then redis.call('ZREM', KEYS[6], pid) end
  if counts then redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', fmt(from)) end
  if not counts and voters <= 0 then return 0 end -- as the process knows it
  return {0, st, lock, opened, reserved, failures, samples, now, voters, reporters}
end

local out, at = {}, 5
for c = 0, m - 1 do
  for j = 1, 6 do KEYS[j] = all[6 * c + j] end
  local prefix, width, n, ttl = ARGV[at], tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), ARGV[at + 3]
  local seqid, seq, flags = ARGV[at + 4], tonumber(ARGV[at + 5]), tonumber(ARGV[at + 6])
  local k = tonumber(ARGV[at + 7])
  local ok, r = pcall(report_one, prefix, width, n, ttl, seqid, seq, flags, k, at + 8)
  if flags % 2 == 1 then at = at + 1 + n end
  if ok then
    out[#out + 1] = r
  else
    if type(r) == 'table' then r = r.err end
    out[#out + 1] = {-1, tostring(r)}
  end
  at = at + 8 + 4 * k
end
return out

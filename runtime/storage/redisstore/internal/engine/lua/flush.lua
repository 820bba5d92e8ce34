-- flush merges outcomes counted by one process into the window and applies,
-- atomically with them, the transition they cause, once per batch. It is the
-- Record of a strict store (one outcome, no batch) and the flush of a fleet
-- store (a batch of buckets counted locally, and maybe the outcome whose
-- threshold check made it flush at once).
--
-- A closed circuit opens only with a quorum: the window fails the thresholds
-- and at least quorum processes voted to open (their own outcomes failed the
-- rate threshold when they last reported within the window), or every process
-- that reported within the window did, when fewer than quorum reported.
--
-- An opening lasts the cool-down; each failed probe backs the next open
-- period's off (backoff, with CoolDownMax), and a close starts again from the
-- cool-down: the state hash keeps the open period's cool-down ('cool') and
-- the failed recoveries that made it ('level'), which every process reads.
-- With a ramp, a probe's close keeps the level and writes when it closed
-- ('closed'), from which every process admits the ramp's share of its calls;
-- an opening within the ramp failed to recover, and backs off as a failed
-- probe does.
--
-- ARGV: offset, width, buckets, rate threshold, sample threshold, state TTL
-- ms, window TTL ms, process id, sequence, cool-down µs, probe (0/1), the
-- probe's opened, the outcome ('s', 'f' or '' for none), vote (0/1), quorum,
-- the sequence's field (the process id, and its lane), CoolDownMax µs (0 for
-- none), the backoff's jitter in [0, 1), Ramp µs (0 for none), the probes a
-- close needs (HalfOpenProbes), the number k of batch entries, then k times:
-- bucket epoch, successes, failures; then the announce arguments. It returns
-- {transition, state, lock, opened, reserved, failures, samples, now, voters,
-- reporters, present, cool, ramp, probes, passed}, voters and reporters
-- counting the other processes of the window, cool the open period's
-- cool-down (0 when closed), ramp the closed circuit's ramp start, probes and
-- passed the open period's reservations and passed probes; a batch counted
-- before returns the transition its first run made, and counts nothing.
--
-- With several probes, a probe's success closes the circuit only when it is
-- the last of them to pass; before that it counts as passed and gives its
-- reservation back.
local now = now_us()
local width, n = tonumber(ARGV[2]), tonumber(ARGV[3])
local rate, threshold = tonumber(ARGV[4]), tonumber(ARGV[5])
local pid, seq = ARGV[8], tonumber(ARGV[9])
local probe, seen_opened, outcome = ARGV[11] == '1', tonumber(ARGV[12]), ARGV[13]
local vote, quorum, seqid = ARGV[14] == '1', tonumber(ARGV[15]), ARGV[16]
local from = now - width * n
local st, opened, reserved, _, ttok, ttr, cool, level, closed, probes, passed = read_state()
local ramp, need = tonumber(ARGV[19]), tonumber(ARGV[20])
local lock = read_lock()
local failures, samples, cur, cs, cf, stale, own = read_window(now, width, n)
local reporters, voters = fleet(from, pid)
local last, mask = read_seq(seqid)
local here = present()
local mine = seqid .. ':' .. fmt(seq)
if counted(last, mask, seq) then
  local t = 0
  if ttok == mine then t = ttr end
  return {t, st, lock, opened, reserved, failures, samples, now, voters, reporters, here, open_cool(st, cool),
    ramp_from(st, closed), open_cool(st, probes), open_cool(st, passed)}
end
count(seqid, last, mask, seq, ARGV[7])
local changed, added_failures = {}, 0
local function add(b, s, f)
  if b > cur then b = cur end -- a client clock ahead of the server's
  if b < cur - n + 1 then return end -- older than the window
  if own[b] == nil then own[b] = {0, 0} end
  own[b][1], own[b][2] = own[b][1] + s, own[b][2] + f
  changed[b] = true
  failures, samples, added_failures = failures + f, samples + s + f, added_failures + f
end
local k = tonumber(ARGV[21])
for i = 0, k - 1 do
  add(tonumber(ARGV[22 + 3 * i]), tonumber(ARGV[23 + 3 * i]), tonumber(ARGV[24 + 3 * i]))
end
local success = outcome == 's'
if outcome == 's' then add(cur, 1, 0) elseif outcome == 'f' then add(cur, 0, 1) end
local reported = k > 0 or outcome ~= ''
local votes = voters
if reported and vote then votes = votes + 1 end

-- A probe closes or reopens only the open period it probed: a probe that
-- outlived its reservation, whose circuit a later probe reopened since, moves
-- nothing.
local transition, passing = 0, false
if probe and st == 1 and opened == seen_opened and success then
  if need > 1 and passed + 1 < need then passing = true else transition = 3 end
elseif probe and st == 1 and opened == seen_opened and outcome == 'f' then
  transition = 2
elseif added_failures > 0 and st == 0 and samples > 0 and samples >= threshold
    and failures / samples >= rate and votes >= math.min(quorum, reporters + 1) then
  transition = 1
end
if reported then report(now, from, pid, vote, ARGV[7]) end

if transition == 3 then
  st, reserved, failures, samples = 0, 0, 0, 0
  closed = 0
  if ramp > 0 then
    closed = now
    redis.call('HSET', KEYS[1], 'state', 'closed', 'ttok', mine, 'ttr', '3', 'closed', fmt(now))
    redis.call('HDEL', KEYS[1], 'reserved', 'rtok', 'probes', 'passed')
  else
    redis.call('HSET', KEYS[1], 'state', 'closed', 'ttok', mine, 'ttr', '3')
    redis.call('HDEL', KEYS[1], 'reserved', 'rtok', 'level', 'closed', 'probes', 'passed')
  end
  redis.call('DEL', KEYS[2], KEYS[6])
  expire_state(ARGV[6])
  announce(st, lock, opened, reserved, now)
  return {transition, st, lock, opened, reserved, failures, samples, now, 0, reporters, present(), 0, closed, 0, 0}
end
write_buckets(width, n, own, changed, stale, ARGV[7])
if passing then
  passed, probes = passed + 1, math.max(probes, 1) - 1
  redis.call('HSET', KEYS[1], 'passed', fmt(passed), 'probes', fmt(probes))
  expire_state(ARGV[6])
  announce(st, lock, opened, reserved, now)
elseif transition == 2 then
  opened, level, probes, passed = now, level + 1, 0, 0
  cool = backoff(tonumber(ARGV[10]), tonumber(ARGV[17]), level, tonumber(ARGV[18]))
  redis.call('HSET', KEYS[1], 'opened', fmt(now), 'ttok', mine, 'ttr', '2', 'cool', fmt(cool), 'level', fmt(level))
  redis.call('HDEL', KEYS[1], 'probes', 'passed')
  expire_state(ARGV[6])
elseif transition == 1 then
  st, opened, reserved, probes, passed = 1, now, 0, 0, 0
  redis.call('HDEL', KEYS[1], 'probes', 'passed')
  if closed > 0 and now - closed < ramp then -- the ramp failed: a failed recovery
    level = level + 1
    cool = backoff(tonumber(ARGV[10]), tonumber(ARGV[17]), level, tonumber(ARGV[18]))
    redis.call('HSET', KEYS[1], 'state', 'open', 'opened', fmt(now), 'ttok', mine, 'ttr', '1', 'cool', fmt(cool),
      'level', fmt(level))
    redis.call('HDEL', KEYS[1], 'reserved', 'rtok', 'closed')
  else
    cool = tonumber(ARGV[10])
    redis.call('HSET', KEYS[1], 'state', 'open', 'opened', fmt(now), 'ttok', mine, 'ttr', '1', 'cool', ARGV[10])
    redis.call('HDEL', KEYS[1], 'reserved', 'rtok', 'level', 'closed')
  end
  expire_state(ARGV[6])
end
if transition ~= 0 then announce(st, lock, opened, reserved, now) end
return {transition, st, lock, opened, reserved, failures, samples, now, voters, reporters, present(), open_cool(st, cool),
  ramp_from(st, closed), open_cool(st, probes), open_cool(st, passed)}

-- reserve sets reserved to now if the circuit is open, its opened equals
-- the one given and its reserved equals the one given (0 for none): a
-- compare-and-set on both. With several probes (n above 1) it takes one of n
-- reservations instead: while fewer than n of the open period's hold (until
-- the latest one's cool-down ends), whatever reserved was. The reservation
-- keeps the caller's token, so a replay of the winning script finds its own
-- reservation and still wins. ARGV: offset, opened, reserved, state TTL ms,
-- token, n, cool-down µs, the announce arguments. It returns {won (0/1),
-- state, lock, opened, reserved, now, probes}: the loser learns the
-- reservation that beat it.
local now = now_us()
local st, opened, reserved, rtok, _, _, _, _, _, probes = read_state()
local lock = read_lock()
local n, cool = tonumber(ARGV[6]), tonumber(ARGV[7])
if st ~= 1 or opened ~= tonumber(ARGV[2]) then return {0, st, lock, opened, reserved, now, open_cool(st, probes)} end
if reserved ~= 0 and rtok == ARGV[5] then return {1, st, lock, opened, reserved, now, probes} end
if n > 1 then
  local live = 0
  if reserved ~= 0 and reserved >= opened and reserved + cool > now then live = probes end
  if live >= n then return {0, st, lock, opened, reserved, now, live} end
  probes = live + 1
  redis.call('HSET', KEYS[1], 'reserved', fmt(now), 'rtok', ARGV[5], 'probes', fmt(probes))
else
  if reserved ~= tonumber(ARGV[3]) then return {0, st, lock, opened, reserved, now, probes} end
  redis.call('HSET', KEYS[1], 'reserved', fmt(now), 'rtok', ARGV[5])
end
expire_state(ARGV[4])
announce(st, lock, opened, now, now)
return {1, st, lock, opened, now, now, probes}

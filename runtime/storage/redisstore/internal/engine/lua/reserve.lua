-- reserve sets reserved to now if the circuit is open, its opened equals
-- the one given and its reserved equals the one given (0 for none): a
-- compare-and-set on both. The reservation keeps the caller's token, so a replay
-- of the winning script finds its own reservation and still wins. ARGV: offset,
-- opened, reserved, state TTL ms, token, the announce arguments. It returns
-- {won (0/1), state, lock, opened, reserved, now}: the loser learns the
-- reservation that beat it.
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

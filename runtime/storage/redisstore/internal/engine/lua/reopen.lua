-- reopen gives an open circuit a new opened if its current one equals the
-- previous one. ARGV: offset, previous, state TTL ms, cool-down µs, announce
-- kind and channel.
local now = now_us()
local st, opened, reserved = read_state()
if st ~= 1 or opened ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'opened', fmt(now), 'cool', ARGV[4])
redis.call('HDEL', KEYS[1], 'probes', 'passed')
expire_state(ARGV[3])
announce(1, read_lock(), now, reserved, now)
return 1

-- open opens a closed circuit. ARGV: offset, state TTL ms, cool-down µs,
-- the announce arguments.
local now = now_us()
local st = read_state()
if st == 1 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'open', 'opened', fmt(now), 'cool', ARGV[3])
redis.call('HDEL', KEYS[1], 'reserved', 'rtok', 'level', 'closed', 'probes', 'passed')
expire_state(ARGV[2])
announce(1, read_lock(), now, 0, now)
return 1

-- close closes an open circuit, clearing its reservation and window.
-- ARGV: offset, state TTL ms, the announce arguments.
local st, opened = read_state()
if st ~= 1 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'closed')
redis.call('HDEL', KEYS[1], 'reserved', 'rtok', 'level', 'closed', 'probes', 'passed')
redis.call('DEL', KEYS[2])
expire_state(ARGV[2])
announce(0, read_lock(), opened, 0, now_us())
return 1

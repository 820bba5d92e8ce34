-- restore writes back what Redis lost of a circuit (a failover to a replica
-- that had not received it, a restart, FLUSHALL, an eviction) as a process
-- knew it: an opening and a lock, each only where its key is absent, so an
-- explicit unlock or reset (which leave tombstones) is never undone. ARGV:
-- offset, '1' to restore the opening, its opened µs, its cool-down µs, state
-- TTL ms, the lock ('open', 'closed' or '' for none), lock TTL ms (0 for
-- none), then the announce arguments. It returns {restored (1: the opening,
-- plus 2: the lock), state, lock, opened, reserved, now}.
local now = now_us()
local restored = 0
local reset = redis.call('EXISTS', KEYS[7]) == 1
if ARGV[2] == '1' and not reset and redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'state', 'open', 'opened', ARGV[3], 'cool', ARGV[4])
  expire_state(ARGV[5])
  restored = 1
end
if ARGV[6] ~= '' and not reset and redis.call('EXISTS', KEYS[3]) == 0 then
  if ARGV[7] == '0' then
    redis.call('SET', KEYS[3], ARGV[6])
  else
    redis.call('SET', KEYS[3], ARGV[6], 'PX', ARGV[7])
  end
  restored = restored + 2
end
local st, opened, reserved = read_state()
local lock = read_lock()
if restored > 0 then announce(st, lock, opened, reserved, now) end
return {restored, st, lock, opened, reserved, now}

-- lock sets the lock. ARGV: offset, 'open', 'closed' or '' for none, lock TTL
-- ms (0 for none), tombstone TTL ms, then the announce arguments. Removing a
-- lock leaves the tombstone 'none', so that a process that knew the lock
-- does not take the removal for a lock Redis lost, and restore it.
local st, opened, reserved = read_state()
if ARGV[2] == '' then
  redis.call('SET', KEYS[3], 'none', 'PX', ARGV[4])
elseif ARGV[3] == '0' then
  redis.call('SET', KEYS[3], ARGV[2])
else
  redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
end
if ARGV[2] ~= '' then redis.call('DEL', KEYS[7]) end -- a lock after a reset is state again
announce(st, read_lock(), opened, reserved, now_us())
return 1

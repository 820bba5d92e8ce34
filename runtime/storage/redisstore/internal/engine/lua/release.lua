-- release clears the reservation if it equals the given one.
-- ARGV: offset, reserved, the announce arguments.
local st, opened, reserved = read_state()
if reserved == 0 or reserved ~= tonumber(ARGV[2]) then return 0 end
redis.call('HDEL', KEYS[1], 'reserved', 'rtok')
announce(st, read_lock(), opened, 0, now_us())
return 1

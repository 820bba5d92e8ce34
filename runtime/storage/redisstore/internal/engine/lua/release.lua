-- release clears the reservation if it equals the given one; with several
-- probes (n above 1) it gives back one of the open period's reservations.
-- ARGV: offset, reserved, n, the announce arguments.
local st, opened, reserved, _, _, _, _, _, _, probes = read_state()
if tonumber(ARGV[3]) > 1 then
  if st ~= 1 or probes == 0 or tonumber(ARGV[2]) < opened then return 0 end
  redis.call('HSET', KEYS[1], 'probes', fmt(probes - 1))
  announce(st, read_lock(), opened, reserved, now_us())
  return 1
end
if reserved == 0 or reserved ~= tonumber(ARGV[2]) then return 0 end
redis.call('HDEL', KEYS[1], 'reserved', 'rtok')
announce(st, read_lock(), opened, 0, now_us())
return 1

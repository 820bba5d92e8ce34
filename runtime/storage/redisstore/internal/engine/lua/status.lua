-- status reads a circuit's status. ARGV: offset, width, buckets, process id.
-- It returns {0, state, lock, opened, reserved, failures, samples, now,
-- voters, reporters, present, cool, ramp, probes, passed}, voters and reporters counting the
-- other processes of the window, cool the open period's cool-down in
-- microseconds (0 when closed, or when no cool-down was written), ramp the
-- start of a closed circuit's ramp (0 for none), probes and passed the open
-- period's reservations and passed probes with several probes.
local now = now_us()
local width, n = tonumber(ARGV[2]), tonumber(ARGV[3])
local st, opened, reserved, _, _, _, cool, _, closed, probes, passed = read_state()
local lock = read_lock()
local failures, samples = read_window(now, width, n)
local reporters, voters = fleet(now - width * n, ARGV[4])
return {0, st, lock, opened, reserved, failures, samples, now, voters, reporters, present(), open_cool(st, cool), ramp_from(st, closed),
  open_cool(st, probes), open_cool(st, passed)}

-- inspect reads a circuit for an operator who knows nothing of its
-- policy: the state, the cool-down kept with its opening, the processes that
-- reported outcomes and voted to open in the last window (as the flushes left
-- them), and the counts of the window of every geometry that wrote it. ARGV:
-- offset. It returns {now, state, lock, opened, reserved, cool-down µs,
-- voters, reporters, then width, buckets, failures, samples of each
-- geometry}.
local now = now_us()
local st, opened, reserved = read_state()
local lock = read_lock()
local cool = int(redis.call('HGET', KEYS[1], 'cool'), 'cool of ' .. KEYS[1])
local v = redis.call('HGETALL', KEYS[2])
local seen, order = {}, {}
for i = 1, #v, 2 do
  local w, wn = string.match(v[i], '^(%d+):(%d+):%d+$')
  if w == nil then corrupt('bucket ' .. v[i] .. ' of ' .. KEYS[2]) end
  local g = w .. ':' .. wn
  if not seen[g] then seen[g] = true; order[#order + 1] = {tonumber(w), tonumber(wn)} end
end
local out = {now, st, lock, opened, reserved, cool, redis.call('ZCARD', KEYS[6]), redis.call('ZCARD', KEYS[5])}
for _, g in ipairs(order) do
  local failures, samples = read_window(now, g[1], g[2])
  out[#out + 1] = g[1]
  out[#out + 1] = g[2]
  out[#out + 1] = failures
  out[#out + 1] = samples
end
return out

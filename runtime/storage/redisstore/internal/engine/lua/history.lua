-- history returns now followed by start, successes, failures of every
-- bucket of the window, of every geometry. ARGV: offset, width, buckets.
local now = now_us()
local width, n = tonumber(ARGV[2]), tonumber(ARGV[3])
read_window(now, width, n) -- checks every field
local cur = math.floor(now / width)
local from = (cur - n + 1) * width
local v = redis.call('HGETALL', KEYS[2])
local out = {now}
for i = 1, #v, 2 do
  local w, wn, b = string.match(v[i], '^(%d+):(%d+):(%d+)$')
  local s, f = string.match(v[i + 1], '^(%d+):(%d+)$')
  w, wn, b = tonumber(w), tonumber(wn), tonumber(b)
  local stale = w == width and wn == n and b < cur - n + 1
  if not stale and (b + 1) * w > from and b * w <= now then
    out[#out + 1] = b * w
    out[#out + 1] = tonumber(s)
    out[#out + 1] = tonumber(f)
  end
end
return out

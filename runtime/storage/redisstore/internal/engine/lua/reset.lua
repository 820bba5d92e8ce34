-- reset forgets everything of the circuit: state, window, reservation, lock,
-- sequences and the processes of the window. It leaves a tombstone for
-- tombstone TTL ms, so that a process that knew an opening or a lock does not
-- restore it. ARGV: offset, tombstone TTL ms, then the announce arguments.
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
redis.call('SET', KEYS[7], 'reset', 'PX', ARGV[2])
announce(0, 0, 0, 0, now_us())
return 1

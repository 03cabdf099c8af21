import { COMMON_LUA } from './common.lua';

/**
 * Keeps a process's running requests' holds alive and records what each has delivered so far, for one shard in one
 * call: the sweep charges exactly that if the process dies.
 *
 * KEYS: holds, then one hold key per request. ARGV: ttl (ms), then per request: generation, delivered cost,
 * delivered usage (JSON). Reply: per request 1 (extended) or 0 (gone: settled, or swept because it missed its beats).
 */
export const HEARTBEAT_LUA = `${COMMON_LUA}
local expiry = int(now_ms() + tonumber(ARGV[1]))
local alive = {}
for i = 2, #KEYS do
  local at = 2 + (i - 2) * 3
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('HSET', KEYS[i], 'exp', expiry, 'dc', ARGV[at + 1], 'du', ARGV[at + 2])
    redis.call('ZADD', KEYS[1], 'XX', expiry, ARGV[at])
    alive[#alive + 1] = 1
  else
    alive[#alive + 1] = 0
  end
end
return alive
`;

import { COMMON_LUA } from './common.lua';

/**
 * One consistent read of a shard for reconciliation: per account its wallet state, its unflushed events and the sum
 * of its hold records; and the shard's holds whose expiry passed more than `grace` ms ago (the sweep is behind).
 *
 * KEYS: holds. ARGV: shard prefix, grace (ms), account ids...
 * Reply: {{expired count, expired held}, per account {loaded 0|1, bal, held, cseq, eseq, holds count, holds sum,
 * {seq, charge, seq, charge...}}...}
 */
export const INSPECT_LUA = `${COMMON_LUA}
local prefix = ARGV[1]
local cutoff = now_ms() - tonumber(ARGV[2])
local sums, counts = {}, {}
local expired, expiredHeld = 0, 0
for _, generation in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local h = redis.call('HMGET', prefix .. 'hold:' .. generation, 'acct', 'amt', 'exp')
  if h[1] then
    sums[h[1]] = (sums[h[1]] or 0) + tonumber(h[2])
    counts[h[1]] = (counts[h[1]] or 0) + 1
    if tonumber(h[3]) < cutoff then
      expired = expired + 1
      expiredHeld = expiredHeld + tonumber(h[2])
    end
  end
end
local reply = {{expired, int(expiredHeld)}}
for i = 3, #ARGV do
  local account = ARGV[i]
  local s = redis.call('HMGET', prefix .. 'acct:' .. account, 'bal', 'held', 'cseq', 'eseq')
  local fields = redis.call('HGETALL', prefix .. 'unflushed:' .. account)
  local events = {}
  for j = 1, #fields, 2 do
    if tonumber(fields[j]) then
      events[#events + 1] = fields[j]
      events[#events + 1] = fields[j + 1]
    end
  end
  reply[#reply + 1] = {s[1] and 1 or 0, s[1] or '0', s[2] or '0', s[3] or '0', s[4] or '0', counts[account] or 0,
    int(sums[account] or 0), events}
end
return reply
`;

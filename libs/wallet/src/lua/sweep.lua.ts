import { COMMON_LUA } from './common.lua';

/**
 * Closes the holds of one shard whose expiry passed (their process stopped beating: it died or lost Redis): each is
 * released, charged the delivered cost its last heartbeat recorded, emitted as an `abandoned` settlement event, and
 * marked done (`swept`, with the key's day the hold counted in), so that a settlement arriving later charges only the
 * rest and moves that day's figure by it. Atomic per call, so however many workers sweep, each hold is closed once.
 *
 * KEYS: holds, events. ARGV: shard prefix, limit, done TTL (s).
 * Reply: {closed, orphans (index entries without a hold or account, removed), charged, released}.
 */
export const SWEEP_LUA = `${COMMON_LUA}
local holds, events = KEYS[1], KEYS[2]
local prefix, ttl = ARGV[1], ARGV[3]
local expired = redis.call('ZRANGEBYSCORE', holds, '-inf', now_ms(), 'LIMIT', 0, tonumber(ARGV[2]))
local closed, orphans, charged, released = 0, 0, 0, 0
for _, generation in ipairs(expired) do
  local hold = prefix .. 'hold:' .. generation
  local h = redis.call('HMGET', hold, 'acct', 'amt', 'dc', 'ctx', 'du', 'kd', 'dy')
  local acct = h[1] and (prefix .. 'acct:' .. h[1])
  redis.call('ZREM', holds, generation)
  if not acct or redis.call('EXISTS', acct) == 0 then
    redis.call('DEL', hold)
    orphans = orphans + 1
  else
    local amount, delivered = tonumber(h[2]), num(h[3])
    redis.call('HINCRBY', acct, 'held', int(-amount))
    redis.call('HINCRBY', acct, 'bal', int(-delivered))
    key_day_add(h[6], h[7], delivered - amount)
    emit(events, prefix .. 'unflushed:' .. h[1], acct, h[1], generation, 'abandoned', delivered, delivered, amount,
      h[4] or '', h[5] or '')
    redis.call('DEL', hold)
    -- A hold that counted in a key's day names it in the marker: a late settlement moves that day to its cost.
    local marker = 'swept:' .. int(delivered) .. ':' .. int(amount)
    if h[6] and h[6] ~= '' and h[7] then marker = marker .. ':' .. h[7] .. ':' .. h[6] end
    redis.call('SET', prefix .. 'done:' .. generation, marker, 'EX', ttl)
    closed = closed + 1
    charged = charged + delivered
    released = released + amount
  end
end
return {closed, orphans, int(charged), int(released)}
`;

import { COMMON_LUA } from './common.lua';

/**
 * Places a request's hold, or refuses it, in one atomic step against the account's spendable balance (bal - held), so
 * that no number of concurrent requests from any number of proxies can overdraw it.
 *
 * The key's daily limit is checked first, in the same step: \`kday\` holds what the key spent on the current UTC day
 * (Redis's clock), open holds included; a hold would not take it past the limit. The hold records its counter and
 * day, so its settlement (or the sweep) moves that day's figure from the amount held to the cost charged.
 *
 * KEYS: acct, hold, holds, done, kday (optional: without it, no key's day counts the hold). ARGV: account, generation, amount, ttl (ms), owner, context (JSON), the key's
 * daily limit ('' for none).
 * Replies ("left": what the daily limit leaves of today, '' without one): {NEED_LOAD} | {CLOSED} | {CONFLICT} |
 * {ALREADY, spendable, expiry} | {LIMITED, spendable, left} | {REFUSED, spendable, left} |
 * {HELD, spendable after, expiry}.
 */
export const HOLD_LUA = `${COMMON_LUA}
local acct, hold, holds, done, kday = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local amount = tonumber(ARGV[3])
if not amount or amount <= 0 then return redis.error_reply('hold amount must be positive') end
local state = redis.call('HMGET', acct, 'bal', 'held')
if not state[1] then return {'NEED_LOAD'} end
local spendable = num(state[1]) - num(state[2])
local existing = redis.call('HMGET', hold, 'acct', 'exp')
if existing[1] then
  if existing[1] ~= ARGV[1] then return {'CONFLICT'} end
  return {'ALREADY', int(spendable), existing[2]}
end
if redis.call('EXISTS', done) == 1 then return {'CLOSED'} end
local now = now_ms()
local today = int(math.floor(now / DAY_MS))
local spent = 0
if kday then
  local day = redis.call('HMGET', kday, 'd', 's')
  if day[1] == today then spent = num(day[2]) end
end
local limit = kday and tonumber(ARGV[7])
local left = ''
if limit then
  left = int(limit - spent)
  if spent + amount > limit then return {'LIMITED', int(spendable), left} end
end
if spendable < amount then return {'REFUSED', int(spendable), left} end
local expiry = now + tonumber(ARGV[4])
redis.call('HINCRBY', acct, 'held', ARGV[3])
redis.call('HSET', hold, 'acct', ARGV[1], 'amt', ARGV[3], 'exp', int(expiry), 'own', ARGV[5], 'ctx', ARGV[6],
  'dc', '0', 'du', '', 'kd', kday or '', 'dy', today)
redis.call('ZADD', holds, int(expiry), ARGV[2])
if kday then
  redis.call('HSET', kday, 'd', today, 's', int(spent + amount))
  redis.call('PEXPIRE', kday, 2 * DAY_MS)
end
return {'HELD', int(spendable - amount), int(expiry)}
`;

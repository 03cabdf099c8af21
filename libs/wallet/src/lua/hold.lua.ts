import { COMMON_LUA } from './common.lua';

/**
 * Places a request's hold, or refuses it, in one atomic step against the account's spendable balance (bal - held), so
 * that no number of concurrent requests from any number of proxies can overdraw it.
 *
 * KEYS: acct, hold, holds, done. ARGV: account, generation, amount, ttl (ms), owner, context (JSON).
 * Replies: {NEED_LOAD} | {CLOSED} | {CONFLICT} | {ALREADY, spendable, expiry} | {REFUSED, spendable} |
 * {HELD, spendable after, expiry}. Policy checks of the account (spend limits, rate windows) fold in before the
 * balance check, under the same hash tag.
 */
export const HOLD_LUA = `${COMMON_LUA}
local acct, hold, holds, done = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
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
if spendable < amount then return {'REFUSED', int(spendable)} end
local expiry = now_ms() + tonumber(ARGV[4])
redis.call('HINCRBY', acct, 'held', ARGV[3])
redis.call('HSET', hold, 'acct', ARGV[1], 'amt', ARGV[3], 'exp', int(expiry), 'own', ARGV[5], 'ctx', ARGV[6],
  'dc', '0', 'du', '')
redis.call('ZADD', holds, int(expiry), ARGV[2])
return {'HELD', int(spendable - amount), int(expiry)}
`;

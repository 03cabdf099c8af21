import { COMMON_LUA } from './common.lua';

/**
 * Closes a request: releases its hold, charges its real cost to the balance and appends the settlement event (usage
 * record included) to the shard's stream, in one atomic step; a done marker makes it idempotent.
 *
 * KEYS: acct, hold, holds, done, events, unflushed, record. ARGV: account, generation, cost, usage (JSON), done TTL (s),
 * record TTL (s). When the usage record is given and the record TTL is positive, the record key keeps the usage record
 * for that long (GET /v1/generation reads it until the ledger writer has written the record to PostgreSQL): the same
 * call, so the lookup costs the request no command of its own.
 * Replies:
 *   {SETTLED, cost, held, spendable, seq}  the hold was open: released, cost charged
 *   {LATE, charge, total, spendable, seq}  the sweep had closed it (charging the delivered cost): the rest charged
 *                                          (negative: refunded) and moved on the key's day the hold counted in; the
 *                                          usage record replaces the abandoned one
 *   {UNHELD, cost, spendable, seq}         no hold and no marker (lost with a Redis restart): charged anyway
 *   {DUPLICATE, charged}                   closed before: nothing moves
 *   {NEED_LOAD} | {CONFLICT}               the account is not loaded | the hold belongs to another account
 */
export const SETTLE_LUA = `${COMMON_LUA}
local acct, hold, holds, done, events, unflushed, record = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local account, generation, usage, ttl = ARGV[1], ARGV[2], ARGV[4], ARGV[5]
local cost = tonumber(ARGV[3])
local recordTtl = tonumber(ARGV[6]) or 0
if not cost or cost < 0 then return redis.error_reply('cost must not be negative') end
local function keep_record()
  if record and recordTtl > 0 and usage ~= '' then redis.call('SET', record, usage, 'EX', recordTtl) end
end
if redis.call('EXISTS', acct) == 0 then return {'NEED_LOAD'} end
local marker = redis.call('GET', done)
if marker then
  local closer, charged, held, day, kday = string.match(marker, '^(%a+):(-?%d+):(%d+):(%d+):(.+)$')
  if not closer then closer, charged, held = string.match(marker, '^(%a+):(-?%d+):(%d+)$') end
  if closer ~= 'swept' then return {'DUPLICATE', charged} end
  local charge = cost - tonumber(charged)
  key_day_add(kday, day, charge)
  redis.call('HINCRBY', acct, 'bal', int(-charge))
  local seq = emit(events, unflushed, acct, account, generation, 'late', charge, cost, tonumber(held), usage, '')
  redis.call('SET', done, 'late:' .. int(cost) .. ':' .. held, 'EX', ttl)
  keep_record()
  local state = redis.call('HMGET', acct, 'bal', 'held')
  return {'LATE', int(charge), int(cost), int(num(state[1]) - num(state[2])), seq}
end
local h = redis.call('HMGET', hold, 'acct', 'amt', 'kd', 'dy')
local held = 0
local kind = 'unheld'
if h[1] then
  if h[1] ~= account then return {'CONFLICT'} end
  held = tonumber(h[2])
  kind = 'settle'
  key_day_add(h[3], h[4], cost - held)
  redis.call('HINCRBY', acct, 'held', int(-held))
  redis.call('DEL', hold)
  redis.call('ZREM', holds, generation)
end
redis.call('HINCRBY', acct, 'bal', int(-cost))
local seq = emit(events, unflushed, acct, account, generation, kind, cost, cost, held, usage, '')
redis.call('SET', done, 'settled:' .. int(cost) .. ':' .. int(held), 'EX', ttl)
keep_record()
local state = redis.call('HMGET', acct, 'bal', 'held')
local spendable = int(num(state[1]) - num(state[2]))
if kind == 'settle' then return {'SETTLED', int(cost), int(held), spendable, seq} end
return {'UNHELD', int(cost), spendable, seq}
`;

/**
 * Applies a credit (top-up or adjustment, committed in PostgreSQL first) to a loaded account, exactly once and in
 * order: credit n only after n - 1.
 *
 * KEYS: acct, credited. ARGV: seq, amount.
 * Replies: {APPLIED, spendable} | {DUPLICATE, cseq} | {GAP, cseq} (apply the missing ones first) | {NOT_LOADED}
 * (nothing to do: the next load reads the balance from PostgreSQL, the credit included; `credited` remembers the seq
 * for a day, so that a load whose snapshot predates the credit notices and reads again).
 */
export const CREDIT_LUA = `
local acct, credited = KEYS[1], KEYS[2]
local seq = tonumber(ARGV[1])
local state = redis.call('HMGET', acct, 'cseq', 'bal', 'held')
if not state[2] then
  if seq > tonumber(redis.call('GET', credited) or '0') then redis.call('SET', credited, ARGV[1], 'EX', 86400) end
  return {'NOT_LOADED'}
end
local cseq = tonumber(state[1] or '0')
if seq <= cseq then return {'DUPLICATE', state[1] or '0'} end
if seq > cseq + 1 then return {'GAP', state[1] or '0'} end
local bal = redis.call('HINCRBY', acct, 'bal', ARGV[2])
redis.call('HSET', acct, 'cseq', ARGV[1])
return {'APPLIED', string.format('%d', bal - tonumber(state[3] or '0'))}
`;

import { COMMON_LUA } from './common.lua';

/**
 * Loads an account into the wallet from a PostgreSQL snapshot (balance_micros, credit_seq, wallet_seq read in one
 * statement): bal = the snapshot's balance minus the account's settlement events the wallet emitted and PostgreSQL
 * does not have yet (seq > wallet_seq), cseq = credit_seq.
 *
 * The snapshot is refused as STALE when the wallet has moved past it meanwhile: a writer confirmed an event above
 * wallet_seq (`f`), or a credit above credit_seq was applied or seen. The caller then reads PostgreSQL again.
 *
 * KEYS: acct, unflushed, credited, holds. ARGV: mode, account, balance, credit_seq, wallet_seq, shard prefix.
 * Modes: `absent` loads only an account that is not loaded (NEED_LOAD; the answer is PRESENT otherwise); `replace`
 * rebuilds a loaded one as well, its open holds summed again from the hold records (a hand-run rebuild).
 * Reply: {PRESENT} | {STALE} | {LOADED, spendable, held, eseq, unflushed charge, previous bal or '', previous held or ''}
 */
export const LOAD_LUA = `${COMMON_LUA}
local acct, unflushed, credited, holds = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local mode, account, prefix = ARGV[1], ARGV[2], ARGV[6]
local c0, w0 = tonumber(ARGV[4]), tonumber(ARGV[5])
local before = redis.call('HMGET', acct, 'bal', 'held', 'cseq', 'eseq')
local loaded = before[1] ~= false and before[1] ~= nil
if mode == 'absent' and loaded then return {'PRESENT'} end
if num(redis.call('HGET', unflushed, 'f')) > w0 then return {'STALE'} end
if num(redis.call('GET', credited)) > c0 then return {'STALE'} end
if loaded and num(before[3]) > c0 then return {'STALE'} end
local eseq = w0
if loaded and num(before[4]) > eseq then eseq = num(before[4]) end
local pending = 0
local fields = redis.call('HGETALL', unflushed)
for i = 1, #fields, 2 do
  local seq = tonumber(fields[i])
  if seq and seq > w0 then
    pending = pending + tonumber(fields[i + 1])
    if seq > eseq then eseq = seq end
  end
end
local held = 0
if mode == 'replace' then
  for _, generation in ipairs(redis.call('ZRANGE', holds, 0, -1)) do
    local h = redis.call('HMGET', prefix .. 'hold:' .. generation, 'acct', 'amt')
    if h[1] == account then held = held + tonumber(h[2]) end
  end
end
local bal = tonumber(ARGV[3]) - pending
redis.call('HSET', acct, 'bal', int(bal), 'held', int(held), 'cseq', ARGV[4], 'eseq', int(eseq))
return {'LOADED', int(bal - held), int(held), int(eseq), int(pending), before[1] or '', before[2] or ''}
`;

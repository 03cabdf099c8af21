/**
 * Helpers prepended to every wallet script. Money never passes through Lua's number-to-string conversion (which
 * writes large numbers as 1.2e+15): `int` formats an integral number exactly. Amounts and balances are Lua doubles
 * here, exact up to 2^53 micro-dollars (9 billion USD); the service refuses anything larger before it gets here.
 */
export const COMMON_LUA = `
local function int(x) return string.format('%d', x) end
local function num(x) return tonumber(x or '0') or 0 end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local DAY_MS = 86400000
-- Moves a key's spending of the day its hold was placed by \`delta\`; a counter already on a later day keeps its own.
local function key_day_add(kday, day, delta)
  if not kday or kday == '' or not day or delta == 0 then return end
  if redis.call('HGET', kday, 'd') == day then redis.call('HINCRBY', kday, 's', int(delta)) end
end
local function emit(events, unflushed, acct, account, generation, kind, charge, total, held, usage, delivered)
  local seq = redis.call('HINCRBY', acct, 'eseq', 1)
  redis.call('XADD', events, '*', 'a', account, 'g', generation, 'k', kind, 'c', int(charge), 't', int(total),
    'h', int(held), 's', int(seq), 'u', usage, 'd', delivered)
  redis.call('HSET', unflushed, int(seq), int(charge))
  return seq
end
`;

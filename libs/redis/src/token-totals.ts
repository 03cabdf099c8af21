/**
 * Lua shared by the scripts that read a key's tokens-per-minute logs (token-window.ts, rate-tiers.ts): prepended to
 * each, it defines `tokensOf(member)`, `trimmedTotal(log, totals, field, cutoff, now, recountUs, ttlMs)`, and on top of
 * them `tokensUsed(settled, inFlight, totals, now, windowMs, lifetimeMs)` (both logs trimmed, their totals summed) and
 * `takeInFlight(inFlight, totals, member, estimate, now, lifetimeMs)` (an estimate logged in flight, its total kept).
 *
 * A log is a sorted set of `<generation id>:<tokens>` members (the settled log: tokens used; the in-flight log:
 * estimates). Its total is kept in a field of the totals hash (`s` settled, `f` in flight), so that a request reads
 * one number instead of summing the whole window: summing was one Lua step per request of the last minute, on every
 * request of the key (twice: admission and the take), which at a few hundred requests per second cost Redis
 * milliseconds per request (the bench with every policy on). Each entry is now read once more, when it leaves.
 *
 * The invariant: while a field exists, it equals the sum of its log. The scripts keep it by adding what they log and
 * subtracting what they drop or remove; a missing field (a hash expired or evicted) is recomputed from its log, and so
 * is every field once per `recountUs` (the window), which bounds any drift to one window whatever wrote the logs
 * without the totals (a proxy of an earlier version during a rolling deploy) at one more pass over the log per window.
 * An empty log (its key expired whole) has a total of 0.
 */
export const TOKEN_TOTALS_LUA = `
local function tokensOf(member)
  return tonumber(string.match(member, ':(%d+)$'))
end
local function trimmedTotal(log, totals, field, cutoff, now, recountUs, ttlMs)
  local kept = redis.call('HMGET', totals, field, field .. ':counted')
  local total = tonumber(kept[1])
  if total and now - tonumber(kept[2] or '0') < recountUs then
    for _, member in ipairs(redis.call('ZRANGEBYSCORE', log, '-inf', cutoff)) do total = total - tokensOf(member) end
    redis.call('ZREMRANGEBYSCORE', log, '-inf', cutoff)
  else
    redis.call('ZREMRANGEBYSCORE', log, '-inf', cutoff)
    total = 0
    for _, member in ipairs(redis.call('ZRANGE', log, 0, -1)) do total = total + tokensOf(member) end
    redis.call('HSET', totals, field .. ':counted', now)
  end
  if total < 0 or redis.call('ZCARD', log) == 0 then total = 0 end
  redis.call('HSET', totals, field, total)
  redis.call('PEXPIRE', totals, ttlMs)
  return total
end
local function tokensUsed(settled, inFlight, totals, now, windowMs, lifetimeMs)
  local window = windowMs * 1000
  local ttlMs = math.max(windowMs, lifetimeMs)
  return trimmedTotal(settled, totals, 's', now - window, now, window, ttlMs)
    + trimmedTotal(inFlight, totals, 'f', now - lifetimeMs * 1000, now, window, ttlMs)
end
local function takeInFlight(inFlight, totals, member, estimate, now, lifetimeMs)
  if redis.call('ZADD', inFlight, now, member) == 1 then redis.call('HINCRBY', totals, 'f', estimate) end
  redis.call('PEXPIRE', inFlight, lifetimeMs)
end
`;

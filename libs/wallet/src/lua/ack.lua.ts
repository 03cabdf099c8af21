/**
 * The ledger writer's acknowledgement, after its transaction committed: the events leave the consumer group's pending
 * list, and each account's unflushed entries of them are dropped, `f` recording the highest seq confirmed written.
 *
 * KEYS: events, then one unflushed key per account. ARGV: group, number of entry ids, the ids, then per account: the
 * number of its seqs and the seqs. Reply: entries acknowledged.
 */
export const ACK_LUA = `
local acked = 0
local ids = tonumber(ARGV[2])
for i = 3, 2 + ids, 500 do
  acked = acked + redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, i, math.min(i + 499, 2 + ids)))
end
local at = 3 + ids
for k = 2, #KEYS do
  local count = tonumber(ARGV[at])
  local highest = tonumber(redis.call('HGET', KEYS[k], 'f') or '0')
  for i = at + 1, at + count, 500 do
    redis.call('HDEL', KEYS[k], unpack(ARGV, i, math.min(i + 499, at + count)))
  end
  for i = at + 1, at + count do
    local seq = tonumber(ARGV[i])
    if seq > highest then highest = seq end
  end
  redis.call('HSET', KEYS[k], 'f', string.format('%d', highest))
  at = at + count + 1
end
return acked
`;

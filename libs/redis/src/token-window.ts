import { RedisService } from './redis.service';
import { toSeconds } from './rate-tiers';
import { TOKEN_TOTALS_LUA } from './token-totals';

/**
 * Takes a request's token estimate into a key's tokens-per-minute window, if it fits. KEYS[1]: the settled log (score =
 * Redis time in µs of the settlement, member `<generation id>:<tokens>`); KEYS[2]: the in-flight log (score = start,
 * member `<generation id>:<estimate>`), entries older than the in-flight lifetime dropped (a proxy that died mid-request);
 * KEYS[3]: their totals (token-totals.ts). ARGV: window (ms), limit, member, estimate, in-flight lifetime (ms).
 * Returns { admitted 0|1, tokens used (this request's estimate included when admitted), µs until enough settled tokens
 * leave the window for the estimate to fit (refused only; -1 if never: the in-flight holds or the estimate alone fill it) }.
 */
const TAKE_LUA = `${TOKEN_TOTALS_LUA}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local windowMs = tonumber(ARGV[1])
local window = windowMs * 1000
local limit = tonumber(ARGV[2])
local estimate = tonumber(ARGV[4])
local lifetimeMs = tonumber(ARGV[5])
local used = tokensUsed(KEYS[1], KEYS[2], KEYS[3], now, windowMs, lifetimeMs)
if used + estimate <= limit then
  takeInFlight(KEYS[2], KEYS[3], ARGV[3], estimate, now, lifetimeMs)
  return { 1, used + estimate, 0 }
end
-- Refused: the oldest settled entries, a page at a time, until enough of them have left for the estimate to fit.
local excess = used + estimate - limit
local wait = -1
local from = 0
while wait < 0 do
  local page = redis.call('ZRANGE', KEYS[1], from, from + 127, 'WITHSCORES')
  if #page == 0 then break end
  for i = 1, #page, 2 do
    excess = excess - tokensOf(page[i])
    if excess <= 0 then
      wait = tonumber(page[i + 1]) + window - now
      break
    end
  end
  from = from + 128
end
return { 0, used, wait }
`;

/**
 * Ends a request's in-flight entry and logs the tokens it really used (0: nothing logged), keeping the totals. KEYS as
 * above; ARGV: the in-flight member, the settled member, tokens, window (ms), in-flight lifetime (ms).
 */
const SETTLE_LUA = `${TOKEN_TOTALS_LUA}
if redis.call('ZREM', KEYS[2], ARGV[1]) == 1 and redis.call('HEXISTS', KEYS[3], 'f') == 1 then
  redis.call('HINCRBY', KEYS[3], 'f', -tokensOf(ARGV[1]))
end
local tokens = tonumber(ARGV[3])
if tokens > 0 then
  local t = redis.call('TIME')
  if redis.call('ZADD', KEYS[1], tonumber(t[1]) * 1000000 + tonumber(t[2]), ARGV[2]) == 1
    and redis.call('HEXISTS', KEYS[3], 's') == 1 then
    redis.call('HINCRBY', KEYS[3], 's', tokens)
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('PEXPIRE', KEYS[3], math.max(tonumber(ARGV[4]), tonumber(ARGV[5])))
end
return 0
`;

const TAKE_COMMAND = 'gwTokensTake';
const SETTLE_COMMAND = 'gwTokensSettle';
type Command<T> = (...keysThenArgs: (string | number)[]) => Promise<T>;

/** A key's token logs and their totals, all under its account's hash tag (RateTierKeys.tokens). */
export interface TokenWindowKeys {
  settledKey: string;
  inFlightKey: string;
  totalsKey: string;
}

export interface TokenTake extends TokenWindowKeys {
  limit: number;
  windowMs: number;
  /** The request's own id (its generation id). */
  id: string;
  /** The most tokens the request can use (input bound plus its output limit). */
  estimate: number;
  /** How long an in-flight entry counts at most (longer than any request). */
  inFlightLifetimeMs: number;
}

export interface TokenTakeResult {
  admitted: boolean;
  /** Tokens in the window: settled, in flight, and this request's estimate when admitted. */
  used: number;
  /** Refused: seconds until the estimate would fit (a whole window when only in-flight requests or its size stand in the way). */
  retryAfterSeconds: number;
}

/**
 * A key's tokens per minute (spec/policy.md, `tpmLimit`): the input and output tokens of the requests settled in the
 * last window, plus the estimates of those in flight, plus the asking request's estimate, against the limit; each step
 * one Lua script on the account's hash tag (RateTierKeys).
 */
export class TokenWindow {
  private readonly take: Command<[number, number, number]>;
  private readonly settleCommand: Command<number>;

  constructor(redis: RedisService) {
    const client = redis.client;
    const commands = client as unknown as Record<string, Command<unknown> | undefined>;
    if (!commands[TAKE_COMMAND]) client.defineCommand(TAKE_COMMAND, { numberOfKeys: 3, lua: TAKE_LUA });
    if (!commands[SETTLE_COMMAND]) client.defineCommand(SETTLE_COMMAND, { numberOfKeys: 3, lua: SETTLE_LUA });
    this.take = (commands[TAKE_COMMAND] as Command<[number, number, number]>).bind(client);
    this.settleCommand = (commands[SETTLE_COMMAND] as Command<number>).bind(client);
  }

  async reserve(request: TokenTake): Promise<TokenTakeResult> {
    const [admitted, used, waitUs] = await this.take(
      request.settledKey,
      request.inFlightKey,
      request.totalsKey,
      Math.round(request.windowMs),
      request.limit,
      inFlightMember(request.id, request.estimate),
      request.estimate,
      Math.round(request.inFlightLifetimeMs),
    );
    return {
      admitted: admitted === 1,
      used,
      retryAfterSeconds: admitted === 1 ? 0 : waitUs > 0 ? toSeconds(waitUs) : toSeconds(request.windowMs * 1000),
    };
  }

  /** The request is over: its estimate leaves, the tokens it used stay for a window. */
  async settle(
    keys: TokenWindowKeys & { id: string; estimate: number; tokens: number; windowMs: number; inFlightLifetimeMs: number },
  ): Promise<void> {
    await this.settleCommand(
      keys.settledKey,
      keys.inFlightKey,
      keys.totalsKey,
      inFlightMember(keys.id, keys.estimate),
      `${keys.id}:${Math.max(0, Math.round(keys.tokens))}`,
      Math.max(0, Math.round(keys.tokens)),
      Math.round(keys.windowMs),
      Math.round(keys.inFlightLifetimeMs),
    );
  }
}

const inFlightMember = (id: string, estimate: number) => `${id}:${estimate}`;

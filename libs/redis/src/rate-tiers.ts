import { RedisService } from './redis.service';
import { TOKEN_TOTALS_LUA } from './token-totals';
import type { TokenWindowKeys } from './token-window';

/**
 * One atomic admission over up to three sliding logs (spec/policy.md, "Rate limits in three tiers"). KEYS[1..n] are
 * sorted sets of the requests admitted in the window, one per tier (score = Redis time in microseconds, so instances
 * with skewed clocks agree); when a tokens-per-minute key is watched, KEYS[n+1], KEYS[n+2] and KEYS[n+3] are its settled
 * and in-flight token logs and their totals (only trimmed here, nothing logged: see TokenWindow and token-totals.ts).
 * All keys share one hash tag (the account's).
 * ARGV: window (ms), member (unique per request; empty: only read the tiers, log nothing), n, limit of each tier, then
 * (tokens only) the in-flight lifetime (ms), and optionally the key's tokens-per-minute limit and the request's token
 * estimate.
 * The request is logged in every tier or in none: refused by the first tier that is full. An admitted request with an
 * estimate also takes it into the in-flight log, as TokenWindow's take does (same member, `<member>:<estimate>`), when it
 * fits: one round trip for both. When it does not fit, nothing is taken and the request is still admitted: the caller
 * then takes its tokens on their own (TokenWindow), which may count the input exactly and refuses with its own 429.
 * Returns { refusing tier (0: admitted), then per tier: requests counted, µs until the count next drops below the
 * limit (or, under it, until the oldest request leaves; -1 if never), then (tokens only) the tokens used (the estimate
 * included when taken) and the estimate taken (0: none) }.
 */
const RATE_TIERS_LUA = `${TOKEN_TOTALS_LUA}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local windowMs = tonumber(ARGV[1])
local window = windowMs * 1000
local n = tonumber(ARGV[3])
local counts = {}
local refused = 0
for i = 1, n do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  counts[i] = redis.call('ZCARD', KEYS[i])
  if refused == 0 and counts[i] >= tonumber(ARGV[3 + i]) then refused = i end
end
if refused == 0 and ARGV[2] ~= '' then
  for i = 1, n do
    redis.call('ZADD', KEYS[i], now, ARGV[2])
    redis.call('PEXPIRE', KEYS[i], windowMs)
    counts[i] = counts[i] + 1
  end
end
local out = { refused }
for i = 1, n do
  local wait = -1
  if counts[i] > 0 then
    local index = counts[i] - tonumber(ARGV[3 + i])
    if index < 0 then index = 0 end
    local entry = redis.call('ZRANGE', KEYS[i], index, index, 'WITHSCORES')
    if entry[2] then wait = tonumber(entry[2]) + window - now end
  end
  out[#out + 1] = counts[i]
  out[#out + 1] = wait
end
if #KEYS > n then
  local lifetimeMs = tonumber(ARGV[4 + n])
  local used = tokensUsed(KEYS[n + 1], KEYS[n + 2], KEYS[n + 3], now, windowMs, lifetimeMs)
  local taken = 0
  local estimate = tonumber(ARGV[6 + n] or '0')
  if refused == 0 and ARGV[2] ~= '' and estimate > 0 and used + estimate <= tonumber(ARGV[5 + n]) then
    takeInFlight(KEYS[n + 2], KEYS[n + 3], ARGV[2] .. ':' .. ARGV[6 + n], estimate, now, lifetimeMs)
    used = used + estimate
    taken = estimate
  end
  out[#out + 1] = used
  out[#out + 1] = taken
end
return out
`;

/**
 * The failed-authentication gate of the client address, read only: ms left on its block, 0 when open. Its key is the
 * address's, not the account's, so it is a script of its own (Redis Cluster runs a script on one slot's keys only),
 * sent in the same write as the tiers: one round trip on a single Redis, two parallel ones on a cluster.
 */
const GATE_LUA = `
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures < tonumber(ARGV[1]) then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 1 then return 1 end
return ttl
`;

/** Removes a request from tier logs (it was logged, then refused by the gate read beside it). */
const FORGET_LUA = `
for i = 1, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
return 0
`;

const TIERS_COMMAND = 'gwRateTiers';
const GATE_COMMAND = 'gwAuthGate';
const FORGET_COMMAND = 'gwRateTiersForget';
type Command<T> = (...keysThenArgs: (string | number)[]) => Promise<T>;

export type RateTierScope = 'key' | 'account' | 'model';

export interface RateTier {
  scope: RateTierScope;
  /** The tier's log (prefixed, with the account's hash tag: see RateTierKeys). */
  key: string;
  limit: number;
}

export interface RateTiersRequest {
  /** Checked in this order; the first full one refuses. */
  tiers: readonly RateTier[];
  windowMs: number;
  /** Unique per request: it becomes the log entry of every tier. */
  member: string;
  /** A failure counter that, at `limit` or more, refuses the request without counting it. */
  gate?: { key: string; limit: number };
  /**
   * The key's token logs, when it has a tokens-per-minute limit: their current use is reported. With `take`, an admitted
   * request also takes its estimate from the limit when it fits (RateTiersResult.tokensTaken).
   */
  tokens?: TokenWindowKeys & { inFlightLifetimeMs: number; take?: { limit: number; estimate: number } };
}

export interface RateTierState {
  scope: RateTierScope;
  limit: number;
  /** Requests counted in the window, this one included when admitted. */
  count: number;
  remaining: number;
  /** Seconds until the count next drops (0 when empty): X-RateLimit-Reset, and Retry-After when this tier refused. */
  resetSeconds: number;
}

export interface RateTiersResult {
  /** The tier that refused the request, if one did (then it counts in none). */
  refusedBy?: RateTierState;
  /** Ms left on the address's block for failed authentications (0: open; the request then counts in no tier). */
  gateBlockedMs: number;
  tiers: RateTierState[];
  /** Tokens in the key's window (settled in the last window plus those held in flight), when asked. */
  tokensUsed?: number;
  /**
   * The estimate taken from the key's tokens per minute (tokens.take): 0 when none was (not asked, refused by a tier,
   * or it did not fit). Taken tokens are handed back with TokenWindow.settle, as any take's.
   */
  tokensTaken: number;
}

/** Whole seconds, rounded up (a client that waits this long finds the slot free), at least 1. */
export const toSeconds = (micros: number): number => Math.max(1, Math.ceil(micros / 1_000_000));

/**
 * The Redis keys of one account's limits: `{<prefix>rl:<accountId>}:...`, all in one Redis Cluster slot (the braces
 * are the hash tag), so one script may touch them together.
 */
export class RateTierKeys {
  private readonly tag: string;

  constructor(redis: RedisService, accountId: string) {
    this.tag = `{${redis.key('rl', accountId)}}`;
  }

  key(keyId: string): string {
    return `${this.tag}:key:${keyId}`;
  }

  account(): string {
    return `${this.tag}:account`;
  }

  model(modelId: string): string {
    return `${this.tag}:model:${modelId}`;
  }

  /** The key's tokens-per-minute logs and their totals (token-window.ts). */
  tokens(keyId: string): TokenWindowKeys {
    return {
      settledKey: `${this.tag}:tpm:${keyId}:settled`,
      inFlightKey: `${this.tag}:tpm:${keyId}:inflight`,
      totalsKey: `${this.tag}:tpm:${keyId}:totals`,
    };
  }
}

/**
 * Requests per minute in tiers (key, account, account x model), each a sliding log on the shared Redis: exact under
 * any number of concurrent callers and proxy instances, since each decision is one Lua script; only admitted requests
 * are logged, in every tier at once, so a request refused by one tier counts in none and a client hammering a full
 * window does not push its own window further out.
 */
export class RateTierWindows {
  private readonly tiersCommand: Command<number[]>;
  private readonly gateCommand: Command<number>;
  private readonly forgetCommand: Command<number>;

  constructor(redis: RedisService) {
    const client = redis.client;
    const commands = client as unknown as Record<string, Command<unknown> | undefined>;
    if (!commands[TIERS_COMMAND]) client.defineCommand(TIERS_COMMAND, { lua: RATE_TIERS_LUA });
    if (!commands[GATE_COMMAND]) client.defineCommand(GATE_COMMAND, { numberOfKeys: 1, lua: GATE_LUA });
    if (!commands[FORGET_COMMAND]) client.defineCommand(FORGET_COMMAND, { lua: FORGET_LUA });
    // Bound once: a bind per request is an allocation on the hot path.
    this.tiersCommand = (commands[TIERS_COMMAND] as Command<number[]>).bind(client);
    this.gateCommand = (commands[GATE_COMMAND] as Command<number>).bind(client);
    this.forgetCommand = (commands[FORGET_COMMAND] as Command<number>).bind(client);
  }

  async hit(request: RateTiersRequest): Promise<RateTiersResult> {
    const { tiers, tokens } = request;
    const keys = tiers.map((tier) => tier.key);
    const args: (string | number)[] = [Math.round(request.windowMs), request.member, tiers.length];
    for (const tier of tiers) args.push(tier.limit);
    if (tokens) {
      keys.push(tokens.settledKey, tokens.inFlightKey, tokens.totalsKey);
      args.push(Math.round(tokens.inFlightLifetimeMs));
      if (tokens.take) args.push(tokens.take.limit, Math.max(0, Math.round(tokens.take.estimate)));
    }
    // Both written before either answer is read: one round trip.
    const [reply, gateMs] = await Promise.all([
      this.tiersCommand(keys.length, ...keys, ...args),
      request.gate ? this.gateCommand(request.gate.key, request.gate.limit) : 0,
    ]);
    const states = tiers.map((tier, i) => stateOf(tier, reply[1 + 2 * i], reply[2 + 2 * i], request.windowMs));
    const refused = reply[0];
    if (gateMs > 0 && refused === 0) {
      // Logged by the tiers before the gate's answer was known: taken back, so a refused request counts nowhere.
      await this.forget(tiers.map((tier) => tier.key), request.member);
      for (const state of states) {
        state.count--;
        state.remaining = Math.max(0, state.limit - state.count);
      }
    }
    return {
      refusedBy: refused > 0 ? states[refused - 1] : undefined,
      gateBlockedMs: gateMs,
      tiers: states,
      tokensUsed: tokens ? reply[1 + 2 * tiers.length] : undefined,
      tokensTaken: tokens ? reply[2 + 2 * tiers.length] : 0,
    };
  }

  /**
   * The tiers as they stand, for an answer refused before admission (an address outside the key's allow-list): the
   * same script with no member, so nothing is logged and no gate is read. `refusedBy` names the first full tier.
   */
  peek(request: Omit<RateTiersRequest, 'member' | 'gate'>): Promise<RateTiersResult> {
    return this.hit({ ...request, member: '', gate: undefined });
  }

  /**
   * Takes a request back out of tier logs it was admitted to (`member` as given to hit()), when a later check refused
   * it: a request refused by one limit counts in none. Keys it was never logged in are left as they are.
   */
  async forget(keys: readonly string[], member: string): Promise<void> {
    await this.forgetCommand(keys.length, ...keys, member);
  }
}

function stateOf(tier: RateTier, count: number, waitUs: number, windowMs: number): RateTierState {
  const reset = waitUs > 0 ? toSeconds(waitUs) : 0;
  // Refused with nothing logged happens only under a limit of 0: no slot will free, answer a whole window.
  const resetSeconds = count >= tier.limit && reset === 0 ? toSeconds(windowMs * 1000) : reset;
  return { scope: tier.scope, limit: tier.limit, count, remaining: Math.max(0, tier.limit - count), resetSeconds };
}

import { randomUUID } from 'node:crypto';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { RedisService } from './redis.service';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * One atomic step of a sliding log. KEYS[1] is a sorted set of the requests admitted in the window (score = Redis
 * time in microseconds, so instances with skewed clocks agree); KEYS[2], when given, is a failure counter that, at
 * ARGV[4] or more, refuses everything (the failed-authentication block of the client address).
 * ARGV: limit, window (ms), member (unique per request), gate limit.
 * Returns { admitted 0|1, requests counted in the window, µs until the count next drops below the limit
 * (or, when under it, until the oldest request leaves; -1 if never), ms left on the gate's block (0 if open) }.
 */
const SLIDING_WINDOW_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2]) * 1000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local gate = 0
if #KEYS > 1 then
  local failures = tonumber(redis.call('GET', KEYS[2]) or '0')
  if failures >= tonumber(ARGV[4]) then
    gate = redis.call('PTTL', KEYS[2])
    if gate < 1 then gate = 1 end
  end
end
local admitted = 0
if gate == 0 and count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  count = count + 1
  admitted = 1
end
local wait = -1
if count > 0 then
  local index = count - limit
  if index < 0 then index = 0 end
  local entry = redis.call('ZRANGE', KEYS[1], index, index, 'WITHSCORES')
  if entry[2] then wait = tonumber(entry[2]) + window - now end
end
return { admitted, count, wait, gate }
`;

const COMMAND = 'gwSlidingWindow';
type SlidingWindowCommand = (...keysThenArgs: (string | number)[]) => Promise<[number, number, number, number]>;

export interface WindowHit {
  /** The counter's Redis key (already prefixed). */
  key: string;
  limit: number;
  windowMs: number;
  /** Unique per request (it becomes the log entry); a random one when absent. */
  member?: string;
  /** A failure counter that, at `limit` or more, refuses the request without counting it. */
  gate?: { key: string; limit: number };
}

/** Whole seconds, rounded up (a client that waits this long finds the slot free), at least 1. */
const toSeconds = (micros: number) => Math.max(1, Math.ceil(micros / 1_000_000));

/**
 * @nestjs/throttler storage on Redis: a sliding log per key (no double bursts at window edges, exact under any number
 * of concurrent callers and proxy instances, since each decision is one Lua script). Only admitted requests are
 * logged, so a client hammering a full window does not push its own window further out.
 *
 * Record fields: `totalHits` requests counted in the window (this one included when admitted); `isBlocked` refused;
 * `timeToBlockExpire` seconds until a request would be admitted (Retry-After); `timeToExpire` seconds until the
 * count next drops (X-RateLimit-Reset; equal to Retry-After when refused by the window). A sliding log needs no
 * separate block: `blockDuration` is ignored, a refused client may retry as soon as a slot frees.
 */
export class SlidingWindowStorage implements ThrottlerStorage {
  private readonly command: SlidingWindowCommand;

  constructor(redis: RedisService) {
    const client = redis.client;
    client.defineCommand(COMMAND, { lua: SLIDING_WINDOW_LUA });
    // Bound once: a bind per request is an allocation on the hot path.
    this.command = (client as unknown as Record<string, SlidingWindowCommand>)[COMMAND].bind(client);
  }

  increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    _throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    return this.hit({ key, limit, windowMs: ttl });
  }

  async hit(request: WindowHit): Promise<ThrottlerStorageRecord & { gateBlocked: boolean }> {
    const keys = request.gate ? [request.key, request.gate.key] : [request.key];
    const [admitted, count, waitMicros, gateMs] = await this.command(
      keys.length,
      ...keys,
      request.limit,
      Math.round(request.windowMs),
      request.member ?? randomUUID(),
      request.gate?.limit ?? 0,
    );
    const reset = waitMicros > 0 ? toSeconds(waitMicros) : 0;
    // Refused with nothing counted happens only under a limit of 0: no slot will free, answer a whole window.
    const refusedFor = reset || toSeconds(request.windowMs * 1000);
    const retryAfter = gateMs > 0 ? toSeconds(gateMs * 1000) : admitted === 1 ? 0 : refusedFor;
    return {
      totalHits: count,
      timeToExpire: reset,
      isBlocked: admitted !== 1,
      timeToBlockExpire: retryAfter,
      // Refused because the client address is blocked for failed authentications, not by this window.
      gateBlocked: gateMs > 0,
    };
  }
}

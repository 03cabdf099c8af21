import { accountId, keyId } from '@gw/common';
import { boundQuote, type ExactTokenCounter, type HoldLedger } from '@gw/billing';
import type { ApiKeyAuthRecord, ModelRecord, UsageRecordRow } from '@gw/db';
import type { Admitted, Caller, ProxyRoute, Resolved } from '../../apps/proxy/src/context/request-context';
import { CHAT_COMPLETION_REQUEST } from '../../apps/proxy/src/openai/chat-completion.schema';
import { openRequestContext } from '../../apps/proxy/src/pipeline/context.stage';
import type { TokenEstimate, TokenLimit, TokensTaken } from '../../apps/proxy/src/pipeline/token-limit';
import { ACCOUNT_ID, apiKeyRecord, KEY_ID } from './api-key-record.factory';
import { modelRecord } from './model-record.factory';

/** Plain stage inputs for the proxy's pipeline unit specs: records as the caches hold them, no database. */
export { ACCOUNT_ID, apiKeyRecord, KEY_ID, modelRecord };

export const CHAT_ROUTE: ProxyRoute = { protocol: 'openai', endpoint: 'chat.completions', billable: true, body: CHAT_COMPLETION_REQUEST };

export function caller(overrides: { key?: Partial<ApiKeyAuthRecord>; route?: ProxyRoute } = {}): Caller {
  const key = apiKeyRecord(overrides.key);
  const route = overrides.route ?? CHAT_ROUTE;
  const context = openRequestContext(route.protocol === 'anthropic' ? '/anthropic/v1/messages' : '/v1/chat/completions', undefined);
  context.endpoint = route.endpoint;
  return { context, route, key, accountId: accountId(key.accountId), keyId: keyId(key.id) };
}

export function admitted(overrides: { key?: Partial<ApiKeyAuthRecord>; route?: ProxyRoute } = {}): Admitted {
  return { ...caller(overrides), rateLimit: { limit: 60, remaining: 59, resetSeconds: 0 } };
}

export function resolved(
  body: Record<string, unknown>,
  model: ModelRecord = modelRecord(),
  key?: Partial<ApiKeyAuthRecord>,
): Resolved {
  const base = admitted({ key });
  base.context.requestedModel = body.model as string;
  base.context.model = model; // as the resolve stage does
  return { ...base, body, requestedModel: body.model as string, model, stream: body.stream === true, forwardHeaders: {} };
}

/** A hold store that records what the billing stages asked of it (the HoldLedger port, no PostgreSQL). */
export function fakeHoldLedger(place: HoldLedger['place'] = async (_account, _subject, plan) => ({
  accepted: true,
  quote: boundQuote(plan),
  balanceMicros: 1_000_000_000n,
  refusal: null,
})) {
  const closed: { accountId: string; request: Parameters<HoldLedger['close']>[1] }[] = [];
  const unbilled: UsageRecordRow[] = [];
  const ledger: HoldLedger = {
    place: jest.fn(place),
    close: (accountId, request) => void closed.push({ accountId, request }),
    recordUnbilled: (row) => void unbilled.push(row),
    drain: async () => 0,
    // As PostgreSQL's store: the settle stage keeps the lookup's record itself.
    keepsRecentRecords: false,
  };
  return { ledger, closed, unbilled };
}

/**
 * A keys' tokens-per-minute limiter (pipeline/token-limit.ts) without Redis: it takes every estimate (or refuses with
 * `refusal`) and records what it was asked.
 */
export function fakeTokenLimit(refusal?: Error) {
  const taken: { keyId: string; estimate: number }[] = [];
  const estimates: TokenEstimate[] = [];
  const settled: { generationId: string; estimate: number; tokens: number }[] = [];
  const limit = {
    // Takes the bound (what the real one does whenever it fits).
    take: jest.fn(async (who: Caller, estimate: TokenEstimate) => {
      if (who.key.tpmLimit === null) return undefined;
      estimates.push(estimate);
      if (refusal) throw refusal;
      taken.push({ keyId: who.keyId, estimate: estimate.bound });
      return { taken: { estimate: estimate.bound }, state: { limit: who.key.tpmLimit, remaining: who.key.tpmLimit - estimate.bound } };
    }),
    settle: jest.fn((who: Caller, tokensTaken: TokensTaken, tokens: number) => {
      settled.push({ generationId: who.context.generationId, estimate: tokensTaken.estimate, tokens });
    }),
  } as unknown as TokenLimit;
  return { limit, taken, estimates, settled };
}

/** A token counter that counts a token per word (the stages only need a number it would have counted). */
export const wordCounter = {
  count: async (pieces: string[]) => pieces.join(' ').split(/\s+/).filter(Boolean).length,
} as unknown as ExactTokenCounter;

import { randomBytes } from 'node:crypto';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { AppProcess } from './app-process';
import { mockRequestWith } from './mock-control';
import { closeTestDb } from './test-db';
import { chargeProblems, demoCost, usageOf } from './settlement';

/** The demo catalog's models of each provider that the translation suites call from another protocol. */
export const TRANSLATED_MODELS = { openai: 'openai/gpt-4.1-mini', anthropic: 'anthropic/claude-haiku-4-5', google: 'google/gemini-2.5-flash' } as const;

/** The proxy of a translation suite: started before its tests, stopped (with the test database's client) after them. */
export function suiteProxy(): () => AppProcess {
  let proxy: AppProcess | undefined;
  beforeAll(async () => {
    proxy = await AppProcess.start('proxy');
  });
  afterAll(async () => {
    await proxy?.stop();
    await closeTestDb();
  });
  return () => proxy!;
}

export const nonce = (): string => `nonce-${randomBytes(6).toString('hex')}`;

export const START_MICROS = 10_000_000n;

/** A key of a new account holding START_MICROS. */
export async function fundedKey(): Promise<{ accountId: string; key: string }> {
  const account = await createAccount({ balanceUsd: '10.00' });
  const { key } = await createApiKey(account.id);
  return { accountId: account.id, key };
}

export interface ExpectedRecord {
  /** The protocol and endpoint the client spoke (usage records are by the client's protocol). */
  protocol: 'openai' | 'anthropic' | 'gemini';
  endpoint: string;
  stream: boolean;
  input: number;
  output: number;
}

/**
 * The usage record of a translated request, checked against the usage the client was told, and the account's books
 * once settled: one charge of exactly the provider's usage at the model's prices, every invariant held. Returns the
 * record for further checks.
 */
export async function expectBilledAsReported(generationId: string, accountId: string, model: string, expected: ExpectedRecord) {
  const usage = await usageOf(generationId);
  expect(usage).toMatchObject({
    protocol: expected.protocol,
    endpoint: expected.endpoint,
    model,
    stream: expected.stream,
    status: 200,
    outcome: 'completed',
    inputTokens: expected.input,
    outputTokens: expected.output,
    usageEstimated: false,
  });
  const cost = demoCost(model, { input: expected.input, output: expected.output });
  expect(usage.costMicros).toBe(cost);
  expect(await chargeProblems(accountId, START_MICROS, cost)).toEqual([]);
  return usage;
}

/** Where the gateway sends a translated request of each provider (the mock serves Gemini under /v1beta). */
const UPSTREAM_PATH = {
  openai: /^\/v1\/chat\/completions$/,
  anthropic: /^\/v1\/messages$/,
  google: /^\/v1beta\/models\/[^/]+:(stream)?[gG]enerateContent/,
} as const;

type Provider = keyof typeof TRANSLATED_MODELS;

export const providerOf = (model: string): Provider => model.split('/')[0] as Provider;

/**
 * The tool result a client sent (its content holding `nonce`) reached the provider in the provider's own form: an
 * OpenAI `tool` message, an Anthropic `tool_result` block, a Gemini `functionResponse` part.
 */
export async function expectToolResultSent(mockUrl: string, nonce: string, model: string): Promise<void> {
  const provider = providerOf(model);
  const request = await mockRequestWith(mockUrl, nonce);
  expect(request?.path).toMatch(UPSTREAM_PATH[provider]);
  const body = request!.body as Record<string, any[]>;
  const holds = (value: unknown) => JSON.stringify(value).includes(nonce);
  if (provider === 'openai') {
    expect(body.messages.find((message) => message.role === 'tool' && holds(message))).toMatchObject({ tool_call_id: expect.any(String) });
  } else if (provider === 'anthropic') {
    const blocks = body.messages.flatMap((message) => (message.role === 'user' && Array.isArray(message.content) ? message.content : []));
    expect(blocks.find((block) => block.type === 'tool_result' && holds(block))).toMatchObject({ tool_use_id: expect.any(String) });
  } else {
    const parts = body.contents.flatMap((content) => content.parts ?? []);
    expect(parts.find((part) => part.functionResponse && holds(part))).toMatchObject({ functionResponse: { name: 'get_weather' } });
  }
}

import type { ModelProvider } from '@gw/db';

/**
 * The demo catalog (spec/proxy.md, "Models"; spec/protocols.md, "Gemini"): public list prices in USD per million
 * tokens, as the providers publish them (standard tier). Prices are written as decimal strings and converted exactly to
 * micro-dollars by the seed.
 */
export interface CatalogEntry {
  id: string;
  provider: ModelProvider;
  kind: 'chat' | 'embedding';
  upstreamModel: string;
  aliases: string[];
  input: string;
  output: string;
  cachedInput: string | null;
  cacheWrite: string | null;
  maxOutputTokens: number;
  contextWindow: number;
}

export const DEMO_CATALOG: CatalogEntry[] = [
  {
    id: 'openai/gpt-4.1', provider: 'openai', kind: 'chat', upstreamModel: 'gpt-4.1', aliases: ['gpt-4.1'],
    input: '2.00', output: '8.00', cachedInput: '0.50', cacheWrite: null, maxOutputTokens: 32_768, contextWindow: 1_047_576,
  },
  {
    id: 'openai/gpt-4.1-mini', provider: 'openai', kind: 'chat', upstreamModel: 'gpt-4.1-mini', aliases: ['gpt-4.1-mini'],
    input: '0.40', output: '1.60', cachedInput: '0.10', cacheWrite: null, maxOutputTokens: 32_768, contextWindow: 1_047_576,
  },
  {
    id: 'openai/gpt-4o-mini', provider: 'openai', kind: 'chat', upstreamModel: 'gpt-4o-mini', aliases: ['gpt-4o-mini'],
    input: '0.15', output: '0.60', cachedInput: '0.075', cacheWrite: null, maxOutputTokens: 16_384, contextWindow: 128_000,
  },
  {
    id: 'openai/text-embedding-3-small', provider: 'openai', kind: 'embedding', upstreamModel: 'text-embedding-3-small',
    aliases: ['text-embedding-3-small'], input: '0.02', output: '0', cachedInput: null, cacheWrite: null,
    maxOutputTokens: 0, contextWindow: 8_191,
  },
  {
    id: 'anthropic/claude-sonnet-4-6', provider: 'anthropic', kind: 'chat', upstreamModel: 'claude-sonnet-4-6',
    aliases: ['claude-sonnet-4-6'], input: '3.00', output: '15.00', cachedInput: '0.30', cacheWrite: '3.75',
    maxOutputTokens: 64_000, contextWindow: 200_000,
  },
  {
    id: 'anthropic/claude-haiku-4-5', provider: 'anthropic', kind: 'chat', upstreamModel: 'claude-haiku-4-5',
    aliases: ['claude-haiku-4-5'], input: '1.00', output: '5.00', cachedInput: '0.10', cacheWrite: '1.25',
    maxOutputTokens: 64_000, contextWindow: 200_000,
  },
  {
    id: 'anthropic/claude-opus-4-6', provider: 'anthropic', kind: 'chat', upstreamModel: 'claude-opus-4-6',
    aliases: ['claude-opus-4-6'], input: '5.00', output: '25.00', cachedInput: '0.50', cacheWrite: '6.25',
    maxOutputTokens: 64_000, contextWindow: 200_000,
  },
  // Google's Gemini API prices. Thinking tokens are output tokens; cached input is context caching (implicit or
  // explicit), without the storage price per hour, which the gateway does not charge.
  {
    id: 'google/gemini-2.5-flash', provider: 'google', kind: 'chat', upstreamModel: 'gemini-2.5-flash',
    aliases: ['gemini-2.5-flash'], input: '0.30', output: '2.50', cachedInput: '0.03', cacheWrite: null,
    maxOutputTokens: 65_536, contextWindow: 1_048_576,
  },
  // Gemini 2.5 Pro costs more above 200k prompt tokens (input 2.50, output 15.00, cached 0.25); one price per model
  // here, so its prompts up to 200k tokens.
  {
    id: 'google/gemini-2.5-pro', provider: 'google', kind: 'chat', upstreamModel: 'gemini-2.5-pro',
    aliases: ['gemini-2.5-pro'], input: '1.25', output: '10.00', cachedInput: '0.125', cacheWrite: null,
    maxOutputTokens: 65_536, contextWindow: 1_048_576,
  },
];

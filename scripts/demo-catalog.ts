/**
 * The demo catalog (spec/proxy.md, "Models"): public list prices in USD per million tokens, as the providers publish
 * them. Prices are written as decimal strings and converted exactly to micro-dollars by the seed.
 */
export interface CatalogEntry {
  id: string;
  provider: 'openai' | 'anthropic';
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
];

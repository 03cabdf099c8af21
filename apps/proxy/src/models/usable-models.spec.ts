import type { ApiKeyAuthRecord, ModelRecord } from '@gw/db';
import { usableModel, usableModels } from './usable-models';

const model = (id: string, extra: Partial<ModelRecord> = {}) =>
  ({ id, provider: id.split('/')[0], aliases: [id.split('/')[1]], enabled: true, ...extra }) as ModelRecord;
const key = (allowedModels: string[]) => ({ allowedModels }) as ApiKeyAuthRecord;

const CATALOG = [
  model('anthropic/claude-haiku-4-5'),
  model('openai/gpt-4.1'),
  model('openai/gpt-4.1-mini'),
  model('openai/retired', { enabled: false }),
];
const names = (allowed: string[], provider: 'openai' | 'anthropic') =>
  usableModels(CATALOG, key(allowed), provider).map((entry) => entry.name);

describe(usableModels.name, () => {
  it('lists every enabled model of the protocol under its canonical id when the allow-list is empty', () => {
    expect(names([], 'openai')).toEqual(['openai/gpt-4.1', 'openai/gpt-4.1-mini']);
    expect(names([], 'anthropic')).toEqual(['anthropic/claude-haiku-4-5']);
  });

  it('lists only what the allow-list admits, by the name it admits it by', () => {
    expect(names(['openai/gpt-4.1-mini', 'anthropic/claude-haiku-4-5'], 'openai')).toEqual(['openai/gpt-4.1-mini']);
    expect(names(['gpt-4.1'], 'openai')).toEqual(['gpt-4.1']);
    expect(names(['openai/retired', 'retired'], 'openai')).toEqual([]);
  });
});

describe(usableModel.name, () => {
  const byName = (name: string) => CATALOG.find((entry) => entry.id === name || entry.aliases.includes(name));
  const find = (allowed: string[], name: string) => usableModel(byName, key(allowed), name)?.name ?? null;

  it('finds a model by canonical id or alias, under the name the models list shows', () => {
    expect(find([], 'openai/gpt-4.1')).toBe('openai/gpt-4.1');
    expect(find([], 'gpt-4.1')).toBe('openai/gpt-4.1');
    expect(find(['gpt-4.1'], 'gpt-4.1')).toBe('gpt-4.1');
  });

  it('finds a model of any provider, as a request on any protocol may name it (translation)', () => {
    expect(find([], 'claude-haiku-4-5')).toBe('anthropic/claude-haiku-4-5');
    expect(find(['anthropic/claude-haiku-4-5'], 'anthropic/claude-haiku-4-5')).toBe('anthropic/claude-haiku-4-5');
  });

  it('finds nothing a request could not use: unknown, disabled, outside the allow-list', () => {
    expect(find([], 'no-such-model')).toBeNull();
    expect(find([], 'openai/retired')).toBeNull();
    expect(find(['openai/gpt-4.1-mini'], 'gpt-4.1')).toBeNull();
    expect(find(['openai/gpt-4.1-mini'], 'claude-haiku-4-5')).toBeNull();
    // Admitted under its alias only: the canonical id is refused, as a request naming it would be.
    expect(find(['gpt-4.1'], 'openai/gpt-4.1')).toBeNull();
  });
});

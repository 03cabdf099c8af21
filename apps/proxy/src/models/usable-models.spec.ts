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
  const find = (allowed: string[], provider: 'openai' | 'anthropic', name: string) =>
    usableModel(byName, key(allowed), provider, name)?.name ?? null;

  it('finds a model by canonical id or alias, under the name the models list shows', () => {
    expect(find([], 'openai', 'openai/gpt-4.1')).toBe('openai/gpt-4.1');
    expect(find([], 'openai', 'gpt-4.1')).toBe('openai/gpt-4.1');
    expect(find(['gpt-4.1'], 'openai', 'gpt-4.1')).toBe('gpt-4.1');
  });

  it('finds nothing a request could not use: unknown, disabled, the other protocol, outside the allow-list', () => {
    expect(find([], 'openai', 'no-such-model')).toBeNull();
    expect(find([], 'openai', 'openai/retired')).toBeNull();
    expect(find([], 'openai', 'claude-haiku-4-5')).toBeNull();
    expect(find(['openai/gpt-4.1-mini'], 'openai', 'gpt-4.1')).toBeNull();
    // Admitted under its alias only: the canonical id is refused, as a request naming it would be.
    expect(find(['gpt-4.1'], 'openai', 'openai/gpt-4.1')).toBeNull();
  });
});

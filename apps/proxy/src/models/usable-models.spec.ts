import type { ApiKeyAuthRecord, ModelRecord } from '@gw/db';
import { usableModels } from './usable-models';

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

import type { AccountId, KeyId } from '@gw/common';
import { storableText, usageRow, UsageSubject } from './usage-row';

const payer = { accountId: 'a1' as AccountId, keyId: 'k1' as KeyId };
const subject = (requestedModel?: string, model?: { id: string }): UsageSubject => ({
  generationId: 'gen-1',
  requestId: 'req-1',
  startedAt: process.hrtime.bigint(),
  receivedAt: new Date(),
  protocol: 'openai',
  stream: false,
  requestedModel,
  model,
});
const refused = { status: 404, outcome: 'rejected' as const, errorType: 'not_found' };

describe('usageRow', () => {
  it('keeps a model name PostgreSQL can store: each NUL of the name the client sent becomes U+FFFD', () => {
    // A NUL made the batched INSERT of usage records fail: this record and those batched with it were lost.
    const row = usageRow(subject('gpt\u0000x\u0000'), payer, undefined, refused);
    expect(row.requestedModel).toBe('gpt\uFFFDx\uFFFD');
    expect(row.model).toBe('gpt\uFFFDx\uFFFD');
    expect(JSON.stringify(row, (_key, value) => (typeof value === 'bigint' ? String(value) : value))).not.toContain('\\u0000');
  });

  it('keeps any other name as sent, and the resolved model as the catalog names it', () => {
    expect(usageRow(subject('né \u0001 😀'), payer, undefined, refused)).toMatchObject({ requestedModel: 'né \u0001 😀', model: 'né \u0001 😀' });
    expect(usageRow(subject('alias', { id: 'openai/gpt' }), payer, 0n, refused)).toMatchObject({ requestedModel: 'alias', model: 'openai/gpt' });
    expect(usageRow(subject(undefined), payer, undefined, refused)).toMatchObject({ requestedModel: null, model: '' });
  });

  it('storableText leaves text without NUL untouched', () => {
    const text = 'openai/gpt-4.1-mini';
    expect(storableText(text)).toBe(text);
    expect(storableText('\u0000')).toBe('\uFFFD');
  });
});

import { anthropicForwardHeaders } from './anthropic-headers';

function run(headers: Record<string, string | string[]>) {
  return anthropicForwardHeaders(headers['anthropic-version'], headers['anthropic-beta']);
}

describe(anthropicForwardHeaders.name, () => {
  it('passes the client version and betas on, and defaults the version to 2023-06-01', () => {
    expect(run({})).toEqual({ 'anthropic-version': '2023-06-01' });
    expect(run({ 'anthropic-version': '2026-10-21', 'anthropic-beta': 'prompt-caching-2024-07-31, token-counting-2024-11-01' })).toEqual({
      'anthropic-version': '2026-10-21',
      'anthropic-beta': 'prompt-caching-2024-07-31, token-counting-2024-11-01',
    });
  });

  it.each(['', 'latest', '2023-6-1', '2023-02-30', '2023-13-01', '2023-06-01, 2023-01-01', '2023-06-01\r\nx: y'])(
    'refuses anthropic-version %j with a 400',
    (version) => {
      expect(() => run({ 'anthropic-version': version })).toThrow(expect.objectContaining({ status: 400 }));
    },
  );

  it.each([',', 'a,,b', 'two words', 'x'.repeat(1_025), 'é'])('refuses anthropic-beta %j with a 400', (beta) => {
    expect(() => run({ 'anthropic-beta': beta })).toThrow(expect.objectContaining({ status: 400 }));
  });
});

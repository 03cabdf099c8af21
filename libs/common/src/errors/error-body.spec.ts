import { errorBody, protocolOfUrl } from './error-body';

describe(errorBody.name, () => {
  it("writes Google's error shape for Gemini, its status named by Google's table", () => {
    expect(errorBody('gemini', { status: 401, type: 'authentication_error', message: 'Invalid API key' })).toEqual({
      error: { code: 401, message: 'Invalid API key', status: 'UNAUTHENTICATED' },
    });
    const statuses = [400, 402, 403, 404, 429, 500, 502, 503, 504].map(
      (status) => (errorBody('gemini', { status, type: 'x', message: 'm' }) as { error: { status: string } }).error.status,
    );
    expect(statuses).toEqual([
      'INVALID_ARGUMENT',
      'FAILED_PRECONDITION',
      'PERMISSION_DENIED',
      'NOT_FOUND',
      'RESOURCE_EXHAUSTED',
      'INTERNAL',
      'INTERNAL',
      'UNAVAILABLE',
      'DEADLINE_EXCEEDED',
    ]);
  });

  it('keeps the OpenAI and Anthropic shapes', () => {
    const view = { status: 402, type: 'insufficient_quota', message: 'short' };
    expect(errorBody('openai', view)).toEqual({ error: { message: 'short', type: 'insufficient_quota', code: '402' } });
    expect(errorBody('anthropic', view)).toEqual({ type: 'error', error: { type: 'insufficient_quota', message: 'short' } });
  });
});

describe(protocolOfUrl.name, () => {
  it('reads the protocol off the path prefix', () => {
    expect(protocolOfUrl('/gemini/v1beta/models')).toBe('gemini');
    expect(protocolOfUrl('/gemini')).toBe('gemini');
    expect(protocolOfUrl('/anthropic/v1/messages')).toBe('anthropic');
    expect(protocolOfUrl('/geminix/v1')).toBe('openai');
    expect(protocolOfUrl('/v1/chat/completions')).toBe('openai');
  });
});

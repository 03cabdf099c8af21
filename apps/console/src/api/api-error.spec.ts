import { ApiError, apiErrorFrom, messageOf } from './api-error';

describe(apiErrorFrom.name, () => {
  it("keeps the API's message, status and type", () => {
    const error = apiErrorFrom(403, 'Forbidden', {
      error: { message: 'The support role may not do this: it requires admin', type: 'permission_error', code: '403' },
    });
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      message: 'The support role may not do this: it requires admin',
      status: 403,
      type: 'permission_error',
    });
  });

  it('falls back to the status line when the body is not an API error (a proxy in between, an empty body)', () => {
    expect(apiErrorFrom(502, 'Bad Gateway', null).message).toBe('The admin API answered 502 Bad Gateway');
    expect(apiErrorFrom(500, '', { error: { message: '' } }).message).toBe('The admin API answered 500');
    expect(apiErrorFrom(404, 'Not Found', '<html>').status).toBe(404);
  });
});

describe(messageOf.name, () => {
  it('never returns an empty message', () => {
    expect(messageOf(new Error('boom'))).toBe('boom');
    expect(messageOf(undefined)).toMatch(/went wrong/);
    expect(messageOf(new Error(''))).toMatch(/went wrong/);
  });
});

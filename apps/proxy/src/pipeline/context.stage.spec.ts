import { openRequestContext, transportProblem } from './context.stage';

describe(openRequestContext.name, () => {
  it('gives each request its own ids and reads the protocol off the path', () => {
    const a = openRequestContext('/v1/chat/completions', undefined);
    const b = openRequestContext('/anthropic/v1/messages', undefined);
    expect(a.generationId).toMatch(/^gen-[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(a.requestId).toMatch(/^req-[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(b.generationId).not.toBe(a.generationId);
    expect([a.protocol, b.protocol]).toEqual(['openai', 'anthropic']);
    expect(a).toMatchObject({ stream: false, timing: {} });
  });

  it("keeps the client's X-Request-Id only when it is short printable ASCII", () => {
    expect(openRequestContext('/v1/models', 'client-id-1').requestId).toBe('client-id-1');
    expect(openRequestContext('/v1/models', 'bad\r\nid').requestId).toMatch(/^req-/);
    expect(openRequestContext('/v1/models', 'x'.repeat(129)).requestId).toMatch(/^req-/);
  });
});

describe(transportProblem.name, () => {
  it('refuses HTTP/1.1 without Host and any major version but 1 (400)', () => {
    expect(transportProblem('1.1', 1, undefined)).toMatchObject({ status: 400, message: 'Missing Host header' });
    expect(transportProblem('2.0', 2, 'h')).toMatchObject({ status: 400, message: 'Unsupported HTTP version 2.0' });
    expect(transportProblem('1.1', 1, 'h')).toBeNull();
    expect(transportProblem('1.0', 1, undefined)).toBeNull();
  });
});

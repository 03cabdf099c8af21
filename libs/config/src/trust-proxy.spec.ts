import { ConfigValidationError, loadConfig } from './app-config';
import { parseTrustProxy } from './trust-proxy';

describe(parseTrustProxy.name, () => {
  it.each([
    ['false', false],
    ['true', true],
    ['1', 1],
    [' 2 ', 2],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.0.0.0/8, 192.168.1.7', ['10.0.0.0/8', '192.168.1.7']],
    ['::1,2001:db8::/32', ['::1', '2001:db8::/32']],
  ])('accepts %j', (text, expected) => {
    expect(parseTrustProxy(text)).toEqual(expected);
  });

  it.each(['', 'yes', '0', '33', '10.0.0.0/33', '2001:db8::/129', '10.0.0.1/8/1', 'loadbalancer.internal', '10.0.0.1,,'])(
    'refuses %j',
    (text) => {
      expect(parseTrustProxy(text)).toBeNull();
    },
  );
});

describe('rate-limit configuration', () => {
  const base = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/chuizi' };

  it('defaults to a 60-second window and no trusted proxy', () => {
    const config = loadConfig(base);
    expect(config.proxy.rateLimitWindowMs).toBe(60_000);
    expect(config.proxy.trustProxy).toBe(false);
  });

  it('reads TRUST_PROXY and RATE_LIMIT_WINDOW_S', () => {
    const config = loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/8', RATE_LIMIT_WINDOW_S: '2' });
    expect(config.proxy.trustProxy).toEqual(['10.0.0.0/8']);
    expect(config.proxy.rateLimitWindowMs).toBe(2_000);
  });

  it.each([
    ['TRUST_PROXY', 'everyone', /TRUST_PROXY must be/],
    ['RATE_LIMIT_WINDOW_S', '61', /RATE_LIMIT_WINDOW_S/],
    ['RATE_LIMIT_WINDOW_S', '0', /RATE_LIMIT_WINDOW_S/],
    ['RATE_LIMIT_WINDOW_S', '1.5', /RATE_LIMIT_WINDOW_S/],
  ])('refuses %s=%s at boot', (name, value, message) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(ConfigValidationError);
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(message);
  });
});

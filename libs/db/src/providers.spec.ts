import { Protocol, Provider } from '@prisma/client';
import { MODEL_PROVIDERS, NATIVE_PROTOCOL, USAGE_PROTOCOLS } from './providers';

describe('providers and protocols', () => {
  it('are the enums of prisma/schema.prisma, in order', () => {
    expect(MODEL_PROVIDERS).toEqual(Object.values(Provider));
    expect(USAGE_PROTOCOLS).toEqual(Object.values(Protocol));
  });

  it('give every provider a native protocol the usage records can store', () => {
    expect(Object.keys(NATIVE_PROTOCOL)).toEqual([...MODEL_PROVIDERS]);
    for (const protocol of Object.values(NATIVE_PROTOCOL)) expect(USAGE_PROTOCOLS).toContain(protocol);
    expect(NATIVE_PROTOCOL.google).toBe('gemini');
  });
});

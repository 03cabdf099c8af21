import { randomBytes } from 'node:crypto';
import type { AppConfig } from '@gw/config';
import { ChannelCredentials, credentialHint, CredentialUnreadableError, isSealed } from './channel-credentials';

const withKey = (key: Buffer | null) => new ChannelCredentials({ channels: { credentialsKey: key } } as AppConfig);
const URL_A = 'https://api.example.com';

describe(ChannelCredentials.name, () => {
  const sut = withKey(randomBytes(32));

  it('seals so that the stored text holds nothing of the credential, and opens it again', () => {
    const stored = sut.seal('sk-live-0123456789abcdef', URL_A);
    expect(isSealed(stored)).toBe(true);
    expect(stored).not.toContain('0123456789');
    expect(sut.open(stored, URL_A)).toBe('sk-live-0123456789abcdef');
    expect(sut.seal('sk-live-0123456789abcdef', URL_A)).not.toBe(stored);
  });

  it('refuses to open it for another base URL, under another key, or altered', () => {
    const stored = sut.seal('sk-live-0123456789abcdef', URL_A);
    expect(() => sut.open(stored, 'https://attacker.example')).toThrow(CredentialUnreadableError);
    expect(() => withKey(randomBytes(32)).open(stored, URL_A)).toThrow(/another CHANNEL_CREDENTIALS_KEY/);
    expect(() => withKey(null).open(stored, URL_A)).toThrow(/not set/);
    const altered = stored.slice(0, -2) + (stored.endsWith('AA') ? 'BB' : 'AA');
    expect(() => sut.open(altered, URL_A)).toThrow(CredentialUnreadableError);
  });

  it('never puts the credential in an error message', () => {
    const stored = sut.seal('sk-live-0123456789abcdef', URL_A);
    try {
      sut.open(stored, 'https://other.example');
    } catch (error) {
      expect(String((error as Error).message)).not.toMatch(/sk-live|0123456789|enc:v1/);
    }
  });

  it('stores and reads credentials as given without a key, and reads rows written before a key was set', () => {
    expect(withKey(null).seal('plain-key', URL_A)).toBe('plain-key');
    expect(sut.open('legacy-plain-key', URL_A)).toBe('legacy-plain-key');
  });

  it('hints at a long enough credential with its last four characters only', () => {
    expect(credentialHint('sk-live-0123456789abcdef')).toBe('…cdef');
    expect(credentialHint('short-key')).toBeNull();
  });
});

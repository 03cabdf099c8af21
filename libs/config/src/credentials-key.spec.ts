import { randomBytes } from 'node:crypto';
import { loadConfig } from './app-config';
import { parseCredentialsKey } from './credentials-key';

describe(parseCredentialsKey.name, () => {
  const key = randomBytes(32);

  it('takes 32 bytes as hex, base64 or base64url', () => {
    expect(parseCredentialsKey(key.toString('hex'))).toEqual(key);
    expect(parseCredentialsKey(key.toString('base64'))).toEqual(key);
    expect(parseCredentialsKey(key.toString('base64url'))).toEqual(key);
  });

  it.each(['', 'secret', randomBytes(16).toString('hex'), randomBytes(31).toString('base64'), 'g'.repeat(64)])(
    'refuses %j',
    (text) => expect(parseCredentialsKey(text)).toBeNull(),
  );

  it('stops the boot on a bad key, without printing it', () => {
    const env = { DATABASE_URL: 'postgresql://localhost/x', CHANNEL_CREDENTIALS_KEY: 'not-a-key-0123456789' };
    expect(() => loadConfig(env)).toThrow(/CHANNEL_CREDENTIALS_KEY must be 32 bytes/);
    expect(() => loadConfig(env)).not.toThrow(/not-a-key/);
  });

  it('is optional (credentials are then stored as given)', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://localhost/x' }).channels.credentialsKey).toBeNull();
    const config = loadConfig({ DATABASE_URL: 'postgresql://localhost/x', CHANNEL_CREDENTIALS_KEY: key.toString('hex') });
    expect(config.channels.credentialsKey).toEqual(key);
  });
});

import { randomBytes } from 'node:crypto';
import { assertCredentialsProtected, ConfigValidationError, loadConfig } from './app-config';
import { ConfigModule } from './config.module';
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

  it('is read by loadConfig whether set or not (scripts and tests read configurations without serving)', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://localhost/x' }).channels).toEqual({
      credentialsKey: null,
      allowPlaintext: false,
    });
    const config = loadConfig({ DATABASE_URL: 'postgresql://localhost/x', CHANNEL_CREDENTIALS_KEY: key.toString('hex') });
    expect(config.channels.credentialsKey).toEqual(key);
  });
});

describe(assertCredentialsProtected.name, () => {
  const base = { DATABASE_URL: 'postgresql://localhost/x' };
  const key = randomBytes(32);

  it('refuses to let an app serve without a key, naming both ways out', () => {
    const config = loadConfig(base);
    expect(() => assertCredentialsProtected(config)).toThrow(ConfigValidationError);
    expect(() => assertCredentialsProtected(config)).toThrow(
      /^Invalid configuration:\n {2}- CHANNEL_CREDENTIALS_KEY is required[\s\S]*ALLOW_PLAINTEXT_CREDENTIALS=true/,
    );
    // Every app builds its module through ConfigModule.forRoot: that is where it stops.
    expect(() => ConfigModule.forRoot(config)).toThrow(/CHANNEL_CREDENTIALS_KEY is required/);
  });

  it('lets it serve with a key, or with the explicit plaintext opt-in', () => {
    const withKey = loadConfig({ ...base, CHANNEL_CREDENTIALS_KEY: key.toString('base64') });
    expect(() => assertCredentialsProtected(withKey)).not.toThrow();
    const optedIn = loadConfig({ ...base, ALLOW_PLAINTEXT_CREDENTIALS: 'true' });
    expect(optedIn.channels).toEqual({ credentialsKey: null, allowPlaintext: true });
    expect(() => assertCredentialsProtected(optedIn)).not.toThrow();
  });

  it.each(['yes', '1', 'TRUE'])('takes only true or false as ALLOW_PLAINTEXT_CREDENTIALS, not %j', (value) => {
    expect(() => loadConfig({ ...base, ALLOW_PLAINTEXT_CREDENTIALS: value })).toThrow(
      /ALLOW_PLAINTEXT_CREDENTIALS must be true or false/,
    );
  });
});

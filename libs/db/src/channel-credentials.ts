import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gw/config';

const PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Shortest credential whose last four characters may be shown (below it they are too large a share of it). */
const MIN_HINT_LENGTH = 12;

/** A stored credential that cannot be opened: sealed under another key, for another base URL, or tampered with. */
export class CredentialUnreadableError extends Error {
  constructor(reason: string) {
    super(`channel credential cannot be read: ${reason}`);
    this.name = 'CredentialUnreadableError';
  }
}

/**
 * Provider credentials at rest. With CHANNEL_CREDENTIALS_KEY set they are sealed with AES-256-GCM as
 * `enc:v1:<key id>:<base64url(iv | tag | ciphertext)>`, the channel's base URL bound as additional data: a sealed
 * credential copied to another row, or left behind when someone changes the base URL in the database, does not open,
 * so the gateway never sends it to an address it was not stored for. Without a key (or for rows written before one was
 * set) the stored text is the credential itself. Nothing here ever puts a credential in an error message.
 */
@Injectable()
export class ChannelCredentials {
  private readonly key: Buffer | null;
  private readonly keyId: string | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.key = config.channels.credentialsKey;
    this.keyId = this.key ? createHash('sha256').update(this.key).digest('hex').slice(0, 8) : null;
  }

  seal(apiKey: string, baseUrl: string): string {
    if (!this.key) return apiKey;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(baseUrl, 'utf8'));
    const sealed = Buffer.concat([cipher.update(apiKey, 'utf8'), cipher.final()]);
    return `${PREFIX}${this.keyId}:${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
  }

  open(stored: string, baseUrl: string): string {
    if (!isSealed(stored)) return stored;
    const [keyId, payload] = stored.slice(PREFIX.length).split(':');
    if (!this.key) throw new CredentialUnreadableError('it is sealed and CHANNEL_CREDENTIALS_KEY is not set');
    if (keyId !== this.keyId) throw new CredentialUnreadableError('it was sealed with another CHANNEL_CREDENTIALS_KEY');
    const bytes = Buffer.from(payload ?? '', 'base64url');
    if (bytes.length <= IV_BYTES + TAG_BYTES) throw new CredentialUnreadableError('it is truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(baseUrl, 'utf8'));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new CredentialUnreadableError('it was sealed for another base URL or altered');
    }
  }
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** What staff may see of a credential: its last four characters, and only when it is long enough. */
export function credentialHint(apiKey: string): string | null {
  return apiKey.length >= MIN_HINT_LENGTH ? `…${apiKey.slice(-4)}` : null;
}

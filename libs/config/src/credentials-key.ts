import { ValidateBy, ValidationOptions } from 'class-validator';

const KEY_BYTES = 32;

/**
 * CHANNEL_CREDENTIALS_KEY's text -> the 32-byte AES-256 key; null when it is neither 64 hex digits nor the base64
 * (or base64url) form of exactly 32 bytes. Generate one with `openssl rand -base64 32`.
 */
export function parseCredentialsKey(text: string): Buffer | null {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) return null;
  const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === KEY_BYTES ? key : null;
}

export function IsCredentialsKey(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCredentialsKey',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseCredentialsKey(value) !== null,
        defaultMessage: () =>
          'CHANNEL_CREDENTIALS_KEY must be 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)',
      },
    },
    options,
  );
}

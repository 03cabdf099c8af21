import { ValidateBy, ValidationOptions } from 'class-validator';

const MAX_LENGTH = 2_048;

/**
 * A channel's base URL in its stored form ("https://host[:port][/prefix]", no trailing slash), or null when it is not
 * one: http(s) only, and no user info, query or fragment (a credential in the URL would be shown to staff and logged).
 */
export function normalizeBaseUrl(text: string): string | null {
  if (text.length > MAX_LENGTH) return null;
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || url.search || url.hash || text.includes('?') || text.includes('#')) return null;
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function IsBaseUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isBaseUrl',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && normalizeBaseUrl(value) !== null,
        defaultMessage: () => 'must be an http(s) URL without credentials, query or fragment',
      },
    },
    options,
  );
}

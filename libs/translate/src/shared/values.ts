import { InvalidRequestError } from '../errors';

/** Small readers for decoding untrusted JSON: each names the offending field in its error. */
export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function invalid(path: string, expected: string): InvalidRequestError {
  return new InvalidRequestError(`Invalid value for '${path}': expected ${expected}`);
}

export function objectAt(value: unknown, path: string): Json {
  if (!isObject(value)) throw invalid(path, 'an object');
  return value;
}

export function arrayAt(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw invalid(path, 'an array');
  return value;
}

export function stringAt(value: unknown, path: string): string {
  if (typeof value !== 'string') throw invalid(path, 'a string');
  return value;
}

/** null and undefined are "not given", as every protocol's SDK treats them. */
export function optionalString(value: unknown, path: string): string | undefined {
  return value === undefined || value === null ? undefined : stringAt(value, path);
}

export function optionalNumber(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(path, 'a number');
  return value;
}

export function optionalInteger(value: unknown, path: string): number | undefined {
  const n = optionalNumber(value, path);
  if (n !== undefined && !Number.isSafeInteger(n)) throw invalid(path, 'an integer');
  return n;
}

export function optionalBoolean(value: unknown, path: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(path, 'a boolean');
  return value;
}

/** A value the client set to something other than its protocol's "off" (absent, null, false, 0, empty). */
export function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return true;
}

/** Parses a provider's JSON body or stream event; anything else is the provider's fault. */
export function parseProviderJson(text: string, what: string, fail: (message: string) => Error): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw fail(`The upstream provider sent an invalid ${what}`);
  }
  if (!isObject(value)) throw fail(`The upstream provider sent an invalid ${what}`);
  return value;
}

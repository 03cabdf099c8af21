const NUL = '\u0000';
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function problemWith(text: string): string | null {
  if (text.includes(NUL)) return 'must not contain NUL characters (\\u0000)';
  if (UNPAIRED_SURROGATE.test(text)) return 'must be valid Unicode text (it holds an unpaired surrogate)';
  return null;
}

/** Text the database stores exactly as given (see findUnstorableText). */
export function isStorableText(text: string): boolean {
  return problemWith(text) === null;
}

/**
 * The first text in a request value (body, query string or path parameter) that the database cannot store as sent,
 * as a 400 message naming where it is; null when there is none. PostgreSQL refuses U+0000 in text and jsonb, and an
 * unpaired UTF-16 surrogate (`"\ud800"` is valid JSON) has no UTF-8 form: it would be stored as U+FFFD, which is not
 * what staff sent. Names are checked as well as values. The walk is as deep as the value, which the JSON parser
 * bounds (ADMIN_MAX_JSON_DEPTH).
 */
export function findUnstorableText(value: unknown, path: string | null): string | null {
  if (typeof value === 'string') {
    const problem = problemWith(value);
    return problem && `Invalid value for '${path ?? 'request'}': ${problem}`;
  }
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, item] of Object.entries(value)) {
    const keyProblem = problemWith(key);
    if (keyProblem) return `Invalid field name${path ? ` in '${path}'` : ''}: ${keyProblem}`;
    const found = findUnstorableText(item, path ? `${path}.${key}` : key);
    if (found) return found;
  }
  return null;
}

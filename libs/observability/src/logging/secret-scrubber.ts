/**
 * Last line of defence on every log line: whatever slipped past the structured redaction (a key pasted into an error
 * message, a token in a URL) is masked before the line leaves the process. Structured redaction (logger.ts) is the
 * first line; this one costs one regex test per line.
 */
const SECRETS = /ck-[A-Za-z0-9]{32}|\b(Bearer|Basic)\s+[^\s"\\]+|\bsk-(?:ant-)?[A-Za-z0-9_-]{8,}/gi;
const MASK = (match: string, scheme?: string) => (scheme ? `${scheme} [redacted]` : '[redacted]');

export function scrubSecrets(line: string): string {
  SECRETS.lastIndex = 0;
  return SECRETS.test(line) ? line.replace(SECRETS, MASK) : line;
}

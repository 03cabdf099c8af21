/**
 * Idempotency-Key values for writes that move money. One key per intended write: a double-click or a retry after an
 * answer that never arrived sends the same key again (the API then replays the first result and moves nothing twice);
 * a new key only once the write succeeded or the staff member changed what to write.
 */
export class IdempotencyKeys {
  private current: { fingerprint: string; key: string } | null = null;

  constructor(private readonly newKey: () => string = randomIdempotencyKey) {}

  /** The key for writing `fingerprint` (the request's target and body): the same until settle() or a change. */
  keyFor(fingerprint: string): string {
    if (!this.current || this.current.fingerprint !== fingerprint) {
      this.current = { fingerprint, key: this.newKey() };
    }
    return this.current.key;
  }

  /** The write succeeded: the next one is a new write. */
  settle(): void {
    this.current = null;
  }
}

/**
 * A random version-4 UUID. crypto.getRandomValues rather than crypto.randomUUID: the latter exists only in secure
 * contexts, and the console may well be opened over plain http on a private network.
 */
export function randomIdempotencyKey(random: (bytes: Uint8Array) => Uint8Array = (bytes) => crypto.getRandomValues(bytes)): string {
  const bytes = random(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

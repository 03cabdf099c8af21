import type { IncomingHttpHeaders } from 'node:http';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** The request headers, credentials replaced by "[redacted]". */
  readonly headers: IncomingHttpHeaders;
  readonly hadAuth: boolean;
  /** The parsed JSON body, or null. */
  readonly body: unknown;
  readonly receivedAt: string;
}

const REDACTED = '[redacted]';
const CREDENTIALS = ['authorization', 'x-api-key', 'x-goog-api-key'] as const;

interface Slot {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  receivedAt: number;
}

/**
 * The last `capacity` requests, in a ring of reused slots. Recording only keeps references (the headers object and
 * the parsed body already exist); redaction and formatting happen when someone reads the log.
 */
export class RequestLog {
  private readonly slots: Slot[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity = 200) {
    this.slots = Array.from({ length: capacity }, () => ({
      method: '',
      path: '',
      headers: {},
      body: null,
      receivedAt: 0,
    }));
  }

  record(method: string, path: string, headers: IncomingHttpHeaders, body: unknown): void {
    const slot = this.slots[this.next];
    slot.method = method;
    slot.path = path;
    slot.headers = headers;
    slot.body = body;
    slot.receivedAt = Date.now();
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** The last `limit` requests, oldest first. */
  recent(limit: number): RecordedRequest[] {
    const count = Math.max(0, Math.min(limit, this.size));
    const out: RecordedRequest[] = [];
    for (let k = count; k > 0; k--) {
      const slot = this.slots[(this.next - k + this.capacity) % this.capacity];
      out.push({
        method: slot.method,
        path: slot.path,
        headers: redact(slot.headers),
        hadAuth: CREDENTIALS.some((name) => slot.headers[name] !== undefined),
        body: slot.body,
        receivedAt: new Date(slot.receivedAt).toISOString(),
      });
    }
    return out;
  }

  clear(): void {
    for (const slot of this.slots) {
      slot.headers = {};
      slot.body = null;
    }
    this.next = 0;
    this.size = 0;
  }
}

function redact(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy = { ...headers };
  for (const name of CREDENTIALS) if (copy[name] !== undefined) copy[name] = REDACTED;
  return copy;
}

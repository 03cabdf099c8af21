import { connect } from 'node:net';

export type HeaderList = [name: string, value: string | Buffer][];

export interface RawRequest {
  method?: string;
  path: string;
  headers: HeaderList;
  body?: string | Buffer;
  /** The request line's version, "HTTP/1.1" unless a case needs another. */
  version?: string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The exact bytes of a request: header names, values and body as given (no normalisation, duplicates kept). */
export function requestBytes(request: RawRequest): Buffer {
  const head = Buffer.from(`${request.method ?? 'POST'} ${request.path} ${request.version ?? 'HTTP/1.1'}\r\n`, 'latin1');
  const parts: Buffer[] = [head];
  for (const [name, value] of request.headers) {
    parts.push(Buffer.from(`${name}: `, 'latin1'), Buffer.isBuffer(value) ? value : Buffer.from(value, 'latin1'));
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('\r\n'));
  if (request.body !== undefined) parts.push(Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'utf8'));
  return Buffer.concat(parts);
}

/** The first HTTP response in `data`, or null while it is incomplete. */
function parseResponse(data: Buffer): RawResponse | null {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = data.toString('latin1', 0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? NaN);
  if (!Number.isInteger(length) || data.length < end + 4 + length) return null;
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: data.toString('utf8', end + 4, end + 4 + length),
  };
}

/**
 * Sends raw bytes on a fresh connection and resolves with the first response, or rejects when none is complete
 * within `timeoutMs` (a hang) or the connection ends without one.
 */
export function sendRaw(port: number, bytes: Buffer, timeoutMs: number): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = Buffer.alloc(0);
    const finish = (error: Error | null, response?: RawResponse) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(response!);
    };
    const timer = setTimeout(() => finish(new Error(`no complete response within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const response = parseResponse(data);
      if (response) finish(null, response);
    });
    // The server may close while a large body is still being written: what it answered still counts.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const response = parseResponse(data);
      if (response) finish(null, response);
      else finish(new Error(`connection closed without a complete response (${data.length} bytes received)`));
    });
    socket.write(bytes);
  });
}

/** One raw call to a proxy, with what rate-limit tests look at. */
export interface GatewayCall {
  status: number;
  /** The parsed JSON body, or a stream's raw text (text/event-stream). */
  body: any;
  limit: number | null;
  remaining: number | null;
  reset: number | null;
  retryAfter: number | null;
  /** Every response header, for what the fields above do not name (X-RateLimit-Scope, the token limits). */
  headers: Headers;
  /** Date.now() just before sending and just after the answer arrived. */
  sentAt: number;
  receivedAt: number;
}

const numberHeader = (headers: Headers, name: string) => {
  const value = headers.get(name);
  return value === null ? null : Number(value);
};

export async function callGateway(
  url: string,
  init: { apiKey?: string; body?: unknown; headers?: Record<string, string>; method?: string; timeoutMs?: number },
): Promise<GatewayCall> {
  const sentAt = Date.now();
  const response = await fetch(url, {
    method: init.method ?? 'POST',
    headers: {
      'content-type': 'application/json',
      ...(init.apiKey ? { authorization: `Bearer ${init.apiKey}` } : {}),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(init.timeoutMs ?? 15_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    // A stream's events as they arrived (text); anything else is JSON.
    body: !text ? null : response.headers.get('content-type')?.startsWith('text/event-stream') ? text : JSON.parse(text),
    limit: numberHeader(response.headers, 'x-ratelimit-limit'),
    remaining: numberHeader(response.headers, 'x-ratelimit-remaining'),
    reset: numberHeader(response.headers, 'x-ratelimit-reset'),
    retryAfter: numberHeader(response.headers, 'retry-after'),
    headers: response.headers,
    sentAt,
    receivedAt: Date.now(),
  };
}

import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import { isPublicAddress, webhookUrlProblem } from '@gw/common';

/** Per attempt: connecting, then the response headers, then its body (which is read and dropped). */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** An attempt that got no HTTP answer, or one the gateway refused to make: the reason, never a secret. */
export class WebhookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookError';
  }
}

/** Resolves a name to all its addresses (dns.lookup's shape; tests pass their own). */
export type Resolver = (
  hostname: string,
  options: { all: true; family?: number | 'IPv4' | 'IPv6' },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A DNS lookup that refuses names resolving to a non-public address. It runs inside the connection itself, so the
 * address checked is the address connected to (a name that resolves to a public address when checked and to a
 * private one when connecting, DNS rebinding, is still refused).
 */
export function publicOnlyLookup(resolve: Resolver = dnsLookup as Resolver): LookupFunction {
  return (hostname, options, callback) => {
    const reply = callback as (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
    resolve(hostname, { family: options.family, all: true }, (error, addresses) => {
      if (error) return reply(error, '', 0);
      const refused = addresses.find((entry) => !isPublicAddress(entry.address));
      if (refused || addresses.length === 0) {
        return reply(new WebhookError(`${hostname} resolves to a non-public address (${refused?.address ?? 'none'})`), '', 0);
      }
      if (options.all) return reply(null, addresses);
      return reply(null, addresses[0].address, addresses[0].family);
    });
  };
}

/**
 * POSTs signed balance-alert events. Unless private addresses are allowed (ALERT_WEBHOOK_ALLOW_PRIVATE), the URL and
 * every address its name resolves to must be public: a webhook is a customer's endpoint, not a way into the
 * gateway's network. Redirects are not followed (a redirect could point anywhere).
 */
export class WebhookSender {
  private readonly agent: Agent;

  constructor(
    private readonly allowPrivate: boolean,
    resolve?: Resolver,
  ) {
    this.agent = new Agent({
      connect: { timeout: WEBHOOK_TIMEOUT_MS, ...(allowPrivate ? {} : { lookup: publicOnlyLookup(resolve) }) },
      headersTimeout: WEBHOOK_TIMEOUT_MS,
      bodyTimeout: WEBHOOK_TIMEOUT_MS,
      connections: 64,
    });
  }

  /** Resolves with the HTTP status of the answer, whatever it is; throws WebhookError when there is none. */
  async post(url: string, body: string, headers: Record<string, string>): Promise<number> {
    const problem = webhookUrlProblem(url, this.allowPrivate);
    if (problem) throw new WebhookError(`the webhook URL ${problem}`);
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    // A literal address never goes through the lookup: checked here (webhookUrlProblem did, unless allowed).
    if (!this.allowPrivate && isIP(host) !== 0 && !isPublicAddress(host)) throw new WebhookError(`${host} is not public`);
    try {
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'chuizi-gateway-webhooks/1', ...headers },
        body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS * 2),
      });
      await response.body.dump({ limit: 64 * 1024 });
      return response.statusCode;
    } catch (error) {
      if (error instanceof WebhookError) throw error;
      const cause = (error as { cause?: unknown }).cause;
      throw new WebhookError(cause instanceof WebhookError ? cause.message : describe(error));
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function describe(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return [code, message].filter(Boolean).join(': ') || 'the request failed';
}

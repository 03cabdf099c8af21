import type { EventSourceMessage } from 'eventsource-parser';
import type { TokenUsage } from '@gw/billing';
import { GatewayError } from '@gw/common';
import { StreamTranslator, TranslateError } from '@gw/translate';
import type { DeliveredUsage, StreamDialect } from '../relay/stream-dialect';
import type { Translation } from './translation';

/** A failure libs/translate found in the provider's stream -> the client's error (503 overloaded, else 502). */
export function translationFailure(error: unknown): unknown {
  if (!(error instanceof TranslateError)) return error;
  return error.status === 503 ? GatewayError.unavailable(error.message) : GatewayError.upstream(error.message);
}

/**
 * A provider's stream relayed in the client's protocol. Every event is read twice: by the provider protocol's own
 * dialect, whose output is dropped but whose tally is the native one (the usage reported, the output delivered so far,
 * its error events thrown as the native relay throws them), so that a translated stream settles exactly as a native
 * one; then by libs/translate's StreamTranslator, which writes the client's events. The stream is over when the
 * translator has written the client's final event.
 */
export class TranslatedStreamDialect implements StreamDialect {
  constructor(
    private readonly provider: StreamDialect,
    private readonly translator: StreamTranslator,
    private readonly translation: Translation,
    readonly contentType?: string,
  ) {}

  get finished(): boolean {
    return this.translator.finished;
  }

  onEvent(event: EventSourceMessage): string {
    this.provider.onEvent(event);
    const started = performance.now();
    try {
      return this.translator.push(event);
    } catch (error) {
      throw translationFailure(error);
    } finally {
      this.translation.elapsedMs += performance.now() - started;
    }
  }

  errorEvent(error: GatewayError): string {
    return this.translator.fail({ status: error.status, type: error.type, message: error.message });
  }

  /** The provider's stop reason, as its own dialect read it. */
  finishReason(): string | null {
    return this.provider.finishReason();
  }

  reportedUsage(): TokenUsage | null {
    return this.provider.reportedUsage();
  }

  deliveredUsage(): DeliveredUsage {
    return this.provider.deliveredUsage();
  }
}

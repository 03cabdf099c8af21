import type { TokenUsage } from '@gw/billing';
import type { ModelProvider, UsageOutcome } from '@gw/db';

/** How a relayed request ended, for settlement and the usage record. */
export interface RelayResult {
  /** HTTP status the client received. */
  status: number;
  outcome: UsageOutcome;
  usage: TokenUsage;
  /** The gateway counted the tokens itself (stream cut short, or the provider reported none). */
  usageEstimated: boolean;
  /**
   * Whether the provider reported the input. When it did not (an OpenAI stream cut before its usage chunk, an answer
   * without usage), `usage.inputTokens` is 0 and the settlement counts the request's input (BillingInterceptor).
   */
  inputReported: boolean;
  /**
   * An answer's output text when the provider reported no usage: the settlement counts it (off the event loop; a
   * stream's output is counted delta by delta instead). Absent otherwise.
   */
  outputText?: string | null;
  /** Error type delivered in-band (stream error event), if any. */
  errorType: string | null;
  /** The provider's stop reason, when the answer carried one (for the usage record). */
  finishReason?: string | null;
  /** The provider that answered, when not the model's own (a failover to another provider's channel). */
  provider?: ModelProvider;
}

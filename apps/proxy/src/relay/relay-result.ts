import type { TokenUsage } from '@gw/billing';
import type { UsageOutcome } from '@gw/db';

/** How a relayed request ended, for settlement and the usage record. */
export interface RelayResult {
  /** HTTP status the client received. */
  status: number;
  outcome: UsageOutcome;
  usage: TokenUsage;
  /** The gateway counted the tokens itself (stream cut short, or the provider reported none). */
  usageEstimated: boolean;
  /** Error type delivered in-band (stream error event), if any. */
  errorType: string | null;
}

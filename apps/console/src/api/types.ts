// The admin API's shapes as the console reads them (spec/admin-api.md and the OpenAPI document at /admin/docs).

export type Role = 'admin' | 'support' | 'finance';

export interface StaffMe {
  id: string;
  email: string;
  role: Role;
}

export interface StaffMember extends StaffMe {
  status: 'active' | 'disabled';
  tokenPrefix: string;
  createdAt: string;
}

/** Every list: pass nextCursor as ?cursor= for the next page; null on the last one. */
export interface ListPage<T> {
  data: T[];
  nextCursor: string | null;
}

export interface Account {
  id: string;
  name: string;
  email: string | null;
  status: 'active' | 'suspended';
  balanceUsd: string;
  reservedUsd: string;
  /** Requests per minute of each key without a limit of its own; null: DEFAULT_RPM. */
  rpmLimit: number | null;
  /** Requests per minute of all its keys together; null: twice the requesting key's limit. */
  accountRpmLimit: number | null;
  createdAt: string;
}

export type KeyStatus = 'active' | 'disabled' | 'revoked';

export interface ApiKey {
  id: string;
  accountId: string;
  name: string;
  prefix: string;
  status: KeyStatus;
  allowedModels: string[];
  rpmLimit: number | null;
  /** Addresses and CIDR ranges the key may be used from; empty: any. */
  ipAllowlist: string[];
  /** USD per UTC day; null: no cap. */
  dailyLimitUsd: string | null;
  /** Tokens per minute; null: no limit. */
  tpmLimit: number | null;
  expiresAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

export interface CreatedApiKey extends ApiKey {
  /** The plaintext: in the creation answer only. */
  key: string;
}

export interface LedgerEntry {
  id: string;
  kind: 'top_up' | 'reservation' | 'settlement' | 'release' | 'adjustment';
  amountUsd: string;
  balanceAfterUsd: string;
  generationId: string | null;
  reference: string | null;
  createdAt: string;
}

export interface TopUpResult {
  id: string;
  accountId: string;
  amountUsd: string;
  balanceUsd: string;
}

/** An account's balance alerts (spec/policy.md, "Balance alerts"); the secret is never returned. */
export interface AlertSettings {
  accountId: string;
  thresholdsUsd: string[];
  webhookUrl: string | null;
  hasSecret: boolean;
  /** Thresholds that fired and wait for a top-up to lift the balance over them again. */
  firedThresholdsUsd: string[];
  updatedAt: string | null;
}

export interface AlertDelivery {
  id: string;
  thresholdUsd: string;
  balanceUsd: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface ModelInfo {
  id: string;
  aliases: string[];
  enabled: boolean;
}

/** A JSON integer, or a decimal string past 2^53 - 1. */
export type TokenCount = number | string;

export interface UsageDay {
  day: string;
  accountId: string;
  keyId: string;
  model: string;
  requests: number;
  abandoned: number;
  inputTokens: TokenCount;
  outputTokens: TokenCount;
  costUsd: string;
  updatedAt: string;
}

export interface UsageRecord {
  generationId: string;
  requestId: string | null;
  accountId: string;
  keyId: string;
  model: string;
  requestedModel: string | null;
  protocol: string;
  endpoint: string;
  stream: boolean;
  status: number;
  outcome: string;
  errorType: string | null;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  usageEstimated: boolean;
  reservedUsd: string;
  costUsd: string;
  overrunUsd: string;
  upstreamStatus: number | null;
  latencyMs: number;
  createdAt: string;
}

export type ReconciliationStatus = 'queued' | 'running' | 'completed' | 'failed';

interface ReconciliationFields {
  id: string;
  status: ReconciliationStatus;
  trigger: string;
  from: string | null;
  to: string | null;
  error?: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface ReconciliationSummary extends ReconciliationFields {
  clean: boolean | null;
}

export interface CountedUsd {
  count: number;
  usd: string;
}

/** The worker's report (docs/worker.md, "The reconciliation report"). Finding items are shown column by column. */
export interface ReconciliationReport {
  range: { from: string | null; to: string };
  generatedAt: string;
  recordsChecked: number;
  ledgerEntriesChecked: number;
  accountsChecked: number;
  staleReservations: CountedUsd;
  drift: Record<string, unknown>[];
  runningBalanceBreaks: Record<string, unknown>[];
  usageWithoutLedger: Record<string, unknown>[];
  ledgerWithoutUsage: Record<string, unknown>[];
  usageLedgerMismatches: Record<string, unknown>[];
  reservationsOpenTooLong: Record<string, unknown>[];
  overruns: Record<string, unknown>[];
  totals: {
    drift: number;
    runningBalanceBreaks: number;
    usageWithoutLedger: CountedUsd;
    ledgerWithoutUsage: CountedUsd;
    usageLedgerMismatches: number;
    reservationsOpenTooLong: CountedUsd;
    overruns: CountedUsd;
  };
  listLimit: number;
  truncated: boolean;
  clean: boolean;
}

export interface Reconciliation extends ReconciliationFields {
  report?: ReconciliationReport;
}

export interface AuditEntry {
  id: string;
  staffId: string | null;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
  requestId: string | null;
  createdAt: string;
}

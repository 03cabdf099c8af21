import type { AdminClient } from './admin-client';
import type {
  Account,
  AlertDelivery,
  AlertSettings,
  ApiKey,
  AuditEntry,
  CreatedApiKey,
  LedgerEntry,
  ListPage,
  ModelInfo,
  Reconciliation,
  ReconciliationSummary,
  StaffMe,
  StaffMember,
  TopUpResult,
  UsageDay,
  UsageRecord,
} from './types';

/** Every admin API call the console makes, one function each, so that pages never build paths by hand. */
export function adminApi(client: AdminClient) {
  const id = encodeURIComponent;
  return {
    me: () => client.get<StaffMe>('/staff/me'),
    staff: (cursor?: string) => client.get<ListPage<StaffMember>>('/staff', { limit: 500, cursor }),

    accounts: (query: { search?: string; cursor?: string; limit?: number }) =>
      client.get<ListPage<Account>>('/accounts', query),
    account: (accountId: string) => client.get<Account>(`/accounts/${id(accountId)}`),
    createAccount: (body: { name: string; email?: string }) => client.post<Account>('/accounts', body),
    topUp: (accountId: string, body: { amountUsd: string; reference?: string }, idempotencyKey: string) =>
      client.post<TopUpResult>(`/accounts/${id(accountId)}/top-ups`, body, { 'idempotency-key': idempotencyKey }),
    ledger: (accountId: string, cursor?: string) =>
      client.get<ListPage<LedgerEntry>>(`/accounts/${id(accountId)}/ledger`, { limit: 20, cursor }),
    setAccountRpm: (accountId: string, body: { rpm?: number | null; accountRpm?: number | null }) =>
      client.put<Account>(`/accounts/${id(accountId)}/rpm-limit`, body),
    alerts: (accountId: string) => client.get<AlertSettings>(`/accounts/${id(accountId)}/alerts`),
    setAlerts: (accountId: string, body: { thresholdsUsd: string[]; webhookUrl: string; secret?: string }) =>
      client.put<AlertSettings>(`/accounts/${id(accountId)}/alerts`, body),
    alertDeliveries: (accountId: string, cursor?: string) =>
      client.get<ListPage<AlertDelivery>>(`/accounts/${id(accountId)}/alerts/deliveries`, { limit: 20, cursor }),

    keys: (query: { accountId?: string; cursor?: string; limit?: number }) =>
      client.get<ListPage<ApiKey>>('/keys', { limit: 20, ...query }),
    createKey: (body: { accountId: string; name: string }) => client.post<CreatedApiKey>('/keys', body),
    updateKey: (keyId: string, body: Partial<Pick<ApiKey, 'status' | 'allowedModels' | 'ipAllowlist' | 'dailyLimitUsd' | 'tpmLimit'>>) =>
      client.patch<ApiKey>(`/keys/${id(keyId)}`, body),
    setKeyRpm: (keyId: string, rpm: number | null) => client.put<ApiKey>(`/keys/${id(keyId)}/rpm-limit`, { rpm }),
    revokeKey: (keyId: string) => client.delete(`/keys/${id(keyId)}`),

    models: () => client.get<ListPage<ModelInfo>>('/models', { limit: 500 }),

    dailyUsage: (query: { accountId: string; keyId?: string; from: string; to: string; cursor?: string }) =>
      client.get<ListPage<UsageDay>>('/usage/daily', { limit: 500, ...query }),
    generation: (generationId: string) => client.get<UsageRecord>(`/generations/${id(generationId)}`),

    startReconciliation: (body: { from?: string; to?: string }) =>
      client.post<{ id: string; status: 'queued' }>('/reconciliations', body),
    reconciliations: (cursor?: string) =>
      client.get<ListPage<ReconciliationSummary>>('/reconciliations', { limit: 20, cursor }),
    reconciliation: (runId: string) => client.get<Reconciliation>(`/reconciliations/${id(runId)}`),

    auditLog: (cursor?: string) => client.get<ListPage<AuditEntry>>('/audit-log', { limit: 25, cursor }),
  };
}

export type AdminApi = ReturnType<typeof adminApi>;

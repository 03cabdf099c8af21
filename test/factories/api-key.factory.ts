import { displayPrefix, generateApiKey, parseUsdToMicros, sha256Hex } from '../../libs/common/src';
import { testDb } from '../support/test-db';

export interface ApiKeyOptions {
  allowedModels?: string[];
  rpmLimit?: number | null;
  status?: 'active' | 'disabled' | 'revoked';
  expiresAt?: Date | null;
  ipAllowlist?: string[];
  dailyLimitUsd?: string | null;
  tpmLimit?: number | null;
}

/** A key for the account, stored as the product stores it (SHA-256 only). Returns the plaintext with the row. */
export async function createApiKey(accountId: string, options: ApiKeyOptions = {}) {
  const db = await testDb();
  const key = generateApiKey();
  const row = await db.apiKey.create({
    data: {
      accountId,
      name: 'test key',
      keyHash: sha256Hex(key),
      prefix: displayPrefix(key),
      allowedModels: options.allowedModels ?? [],
      rpmLimit: options.rpmLimit ?? null,
      status: options.status ?? 'active',
      expiresAt: options.expiresAt ?? null,
      ipAllowlist: options.ipAllowlist ?? [],
      dailyLimitMicros: options.dailyLimitUsd ? parseUsdToMicros(options.dailyLimitUsd)! : null,
      tpmLimit: options.tpmLimit ?? null,
    },
  });
  return { id: row.id, key };
}

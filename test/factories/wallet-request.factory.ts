import { newGenerationId } from '../../libs/common/src';
import {
  accountId,
  AccountId,
  generationId,
  GenerationId,
  HoldContext,
  keyId,
  WalletService,
} from '../../libs/wallet/src';
import { usageRow } from './usage-row.factory';
import { createAccount } from './account.factory';
import { createApiKey } from './api-key.factory';

export interface WalletCustomer {
  accountId: AccountId;
  keyId: string;
}

/** An account with a key and `balanceUsd` credited (a real top-up through gw_post), not loaded into any wallet yet. */
export async function walletCustomer(balanceUsd = '10.00'): Promise<WalletCustomer> {
  const account = await createAccount({ balanceUsd });
  const key = await createApiKey(account.id);
  return { accountId: accountId(account.id), keyId: key.id };
}

export function holdContext(customer: WalletCustomer, createdAt = new Date()): HoldContext {
  return {
    keyId: keyId(customer.keyId),
    model: 'openai/gpt-4.1-mini',
    requestedModel: 'gpt-4.1-mini',
    protocol: 'openai',
    endpoint: 'chat.completions',
    stream: true,
    requestId: null,
    createdAt,
  };
}

export function newGeneration(): GenerationId {
  return generationId(newGenerationId());
}

/** One request through the wallet as the proxy runs it: hold, then settle with its usage record. */
export async function walletRequest(
  wallet: WalletService,
  customer: WalletCustomer,
  holdMicros: bigint,
  costMicros: bigint,
) {
  const generation = newGeneration();
  const held = await wallet.hold({
    accountId: customer.accountId,
    generationId: generation,
    amountMicros: holdMicros,
    context: holdContext(customer),
  });
  // already_held: the client retried the call after a dropped connection, and Redis had run the first one.
  if (held.status !== 'held' && held.status !== 'already_held') return { generation, held, settled: null };
  const settled = await wallet.settle({
    accountId: customer.accountId,
    generationId: generation,
    costMicros,
    usage: usageRow(customer.accountId, customer.keyId, generation, { outputTokens: Number(costMicros % 1000n) }),
  });
  return { generation, held, settled };
}

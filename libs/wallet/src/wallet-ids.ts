/**
 * The wallet's ids are the gateway's typed ids (libs/common/src/branded-ids.ts), so that the proxy's money calls and
 * the wallet's take the same types; the wallet's name for the parse error is kept for its callers.
 */
export { accountId, generationId, keyId, InvalidIdError as InvalidWalletIdError } from '@gw/common';
export type { AccountId, GenerationId, KeyId } from '@gw/common';

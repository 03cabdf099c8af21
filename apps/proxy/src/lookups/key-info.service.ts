import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { KeyInfoRepository } from '@gw/db';
import type { Caller } from '../context/request-context';
import { KeyBooks } from './key-books';
import { KeyInfo, keyInfoView } from './key-info.view';

/**
 * The key-info lookup: the caller's own key only (the one it authenticated with). One PostgreSQL query (the key, its
 * account's stored balance, its day and usage), then, on the wallet, one pipelined Redis read for the money.
 */
@Injectable()
export class KeyInfoService {
  constructor(
    private readonly keys: KeyInfoRepository,
    private readonly books: KeyBooks,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async describe(caller: Caller): Promise<KeyInfo> {
    const stored = await this.keys.find(caller.accountId, caller.keyId);
    // Authenticated with it an instant ago: only a deletion in between could lose it, which the gateway never does.
    if (stored === null) throw new Error(`key ${caller.keyId} of account ${caller.accountId} vanished`);
    const money = await this.books.read(caller.accountId, caller.keyId, stored);
    return keyInfoView(caller.key, stored, money, this.config.proxy.defaultRpm);
  }
}

import { Injectable } from '@nestjs/common';
import { GatewayError } from '@gw/common';
import { AccountsRepository, TransactionRunner } from '@gw/db';
import { AuditService } from '../audit/audit.service';
import { WalletBalances } from '../billing/wallet-balances.service';
import type { Actor } from '../shared/actor';
import { timeCursor } from '../shared/cursor';
import type { ListResponse } from '../shared/list-response';
import { pageSize } from '../shared/page-query.dto';
import { isUuid } from '../shared/uuid';
import { AccountView, toAccountView } from './account.view';
import type { CreateAccountDto, ListAccountsQueryDto } from './accounts.dto';

@Injectable()
export class AccountsService {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly wallet: WalletBalances,
  ) {}

  async create(actor: Actor, dto: CreateAccountDto): Promise<AccountView> {
    return this.transactions.run(async (tx) => {
      const account = toAccountView(await this.accounts.create({ name: dto.name, email: dto.email ?? null }, tx));
      await this.audit.record(
        actor,
        { action: 'account.create', target: `account:${account.id}`, before: null, after: account },
        tx,
      );
      return account;
    });
  }

  async list(query: ListAccountsQueryDto): Promise<ListResponse<AccountView>> {
    const page = await this.accounts.findPage(pageSize(query), timeCursor.decode(query.cursor), {
      search: query.search,
    });
    const wallets = await this.wallet.of(page.items.map((account) => account.id));
    return {
      data: page.items.map((account, i) => toAccountView(account, wallets[i])),
      nextCursor: timeCursor.encode(page.next),
    };
  }

  async get(id: string): Promise<AccountView> {
    const account = await this.require(id);
    return toAccountView(account, await this.wallet.one(account.id));
  }

  /** 404 for an id that names no account (a malformed id included). */
  async require(id: string) {
    const account = isUuid(id) ? await this.accounts.findById(id) : null;
    if (!account) throw accountNotFound(id);
    return account;
  }
}

export function accountNotFound(id: string): GatewayError {
  return GatewayError.notFound(`Account '${id.slice(0, 64)}' not found`);
}

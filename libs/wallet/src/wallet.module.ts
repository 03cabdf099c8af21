import { Module } from '@nestjs/common';
import { WalletRepository } from '@gw/db';
import { WalletCredits } from './wallet-credits.service';
import { WalletInspector } from './wallet-inspector';
import { WalletLoader } from './wallet-loader';
import { WalletRebuild } from './wallet-rebuild.service';
import { WalletRedis } from './wallet-redis';
import { WalletStore } from './wallet-store';
import { WalletSweeper } from './wallet-sweeper';
import { WalletService } from './wallet.service';
import { LedgerWriter } from './writer/ledger-writer';

const PROVIDERS = [
  WalletRepository,
  WalletRedis,
  WalletStore,
  WalletLoader,
  WalletService,
  WalletCredits,
  WalletSweeper,
  WalletInspector,
  WalletRebuild,
  LedgerWriter,
];

/** The Redis wallet: the request path's holds and settlements, credits, the sweep, the ledger writer, views. */
@Module({ providers: PROVIDERS, exports: PROVIDERS })
export class WalletModule {}

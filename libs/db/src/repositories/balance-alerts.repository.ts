import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import type { DbTransaction } from '../transaction-runner';

/** An account's balance-alert settings as stored. */
export interface BalanceAlertSettings {
  accountId: string;
  /** Strictly decreasing. */
  thresholdsMicros: bigint[];
  webhookUrl: string;
  /** The signing secret sealed with ChannelCredentials (bound to `balanceAlertSecretBinding(accountId)`). */
  sealedSecret: string;
  createdAt: Date;
  updatedAt: Date;
}

export type NewBalanceAlertSettings = Pick<BalanceAlertSettings, 'accountId' | 'thresholdsMicros' | 'webhookUrl' | 'sealedSecret'>;

/** Whether one threshold may fire (see the BalanceAlertThreshold model). */
export interface ThresholdState {
  thresholdMicros: bigint;
  armed: boolean;
  firedAt: Date | null;
  /** The account's newest ledger entry when it fired; a credit after it may re-arm the threshold. */
  firedAfterEntryId: bigint | null;
}

export interface AlertingAccount {
  accountId: string;
  thresholds: ThresholdState[];
}

/** What the alert's secret is sealed for: a sealed secret copied to another account's row does not open. */
export function balanceAlertSecretBinding(accountId: string): string {
  return `balance-alert:${accountId}`;
}

const SETTINGS_FIELDS = {
  accountId: true,
  thresholdsMicros: true,
  webhookUrl: true,
  secret: true,
  createdAt: true,
  updatedAt: true,
} as const;

/** Balance-alert settings and the armed state of each threshold (spec/policy.md, "Balance alerts"). */
@Injectable()
export class BalanceAlertsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findSettings(accountId: string, tx?: DbTransaction): Promise<BalanceAlertSettings | null> {
    const row = await (tx ?? this.prisma).balanceAlert.findUnique({ where: { accountId }, select: SETTINGS_FIELDS });
    return row && { ...row, sealedSecret: row.secret };
  }

  /**
   * Stores the settings and keeps the threshold states in step, in the caller's transaction: a threshold kept keeps
   * its state (a fired one stays fired), a new one starts armed, a removed one is forgotten.
   */
  async saveSettings(settings: NewBalanceAlertSettings, tx: DbTransaction): Promise<BalanceAlertSettings> {
    const data = { thresholdsMicros: settings.thresholdsMicros, webhookUrl: settings.webhookUrl, secret: settings.sealedSecret };
    const row = await tx.balanceAlert.upsert({
      where: { accountId: settings.accountId },
      create: { accountId: settings.accountId, ...data },
      update: data,
      select: SETTINGS_FIELDS,
    });
    await tx.balanceAlertThreshold.deleteMany({
      where: { accountId: settings.accountId, thresholdMicros: { notIn: settings.thresholdsMicros } },
    });
    await tx.balanceAlertThreshold.createMany({
      data: settings.thresholdsMicros.map((thresholdMicros) => ({ accountId: settings.accountId, thresholdMicros })),
      skipDuplicates: true,
    });
    return { ...row, sealedSecret: row.secret };
  }

  /** The state of each of an account's thresholds, highest first. */
  async findThresholdStates(accountId: string, tx?: DbTransaction): Promise<ThresholdState[]> {
    return (tx ?? this.prisma).balanceAlertThreshold.findMany({
      where: { accountId },
      orderBy: { thresholdMicros: 'desc' },
      select: { thresholdMicros: true, armed: true, firedAt: true, firedAfterEntryId: true },
    });
  }

  /** Accounts with at least one threshold, by id, after `afterAccountId`, with the state of each threshold. */
  async findAlertingPage(afterAccountId: string | null, limit: number): Promise<AlertingAccount[]> {
    const rows = await this.prisma.balanceAlert.findMany({
      where: { thresholdsMicros: { isEmpty: false }, ...(afterAccountId ? { accountId: { gt: afterAccountId } } : {}) },
      orderBy: { accountId: 'asc' },
      take: limit,
      select: { accountId: true },
    });
    const accountIds = rows.map((row) => row.accountId);
    const states = await this.prisma.balanceAlertThreshold.findMany({
      where: { accountId: { in: accountIds } },
      orderBy: [{ accountId: 'asc' }, { thresholdMicros: 'desc' }],
    });
    return accountIds.map((accountId) => ({
      accountId,
      thresholds: states
        .filter((state) => state.accountId === accountId)
        .map(({ thresholdMicros, armed, firedAt, firedAfterEntryId }) => ({ thresholdMicros, armed, firedAt, firedAfterEntryId })),
    }));
  }

  /** The newest ledger entry's id (0 when there is none): where the ledger stood before balances were read. */
  async ledgerPosition(): Promise<bigint> {
    const [row] = await this.prisma.$queryRaw<{ position: bigint | null }[]>`SELECT max(id) AS position FROM ledger_entries`;
    return row?.position == null ? 0n : BigInt(row.position);
  }

  /**
   * Fires an armed threshold: disarms it and records a pending delivery with this body, in one transaction, or does
   * nothing when another worker fired it first. Returns the delivery's id, or null.
   *
   * `seen` says which credits the crossing's balance included, so that only a credit it did not include re-arms the
   * threshold: `ledgerPosition` is ledgerPosition() taken before the balance was read (the newest entry at firing time
   * would swallow a top-up committed between the read and the firing: the balance is then above the threshold with no
   * credit "after" it, and the threshold stayed disarmed for good); `creditSeq` is the last credit a wallet balance
   * included (null for PostgreSQL's), since a credit commits in PostgreSQL before it reaches the wallet: one committed
   * before the read but not yet in the wallet is after the firing too.
   */
  async fire(
    crossing: { accountId: string; thresholdMicros: bigint; balanceMicros: bigint },
    delivery: { id: string; payload: string },
    seen: { ledgerPosition: bigint; creditSeq: bigint | null },
  ): Promise<string | null> {
    return this.prisma.$transaction(async (tx) => {
      const disarmed = await tx.$executeRaw`
        UPDATE balance_alert_thresholds t
           SET armed = false, fired_at = now(),
               fired_after_entry_id = LEAST(${seen.ledgerPosition}::bigint, COALESCE(
                 (SELECT c.ledger_entry_id - 1 FROM wallet_credits c
                   WHERE c.account_id = t.account_id AND c.seq = ${seen.creditSeq}::bigint + 1),
                 ${seen.ledgerPosition}::bigint))
         WHERE t.account_id = ${crossing.accountId}::uuid AND t.threshold_micros = ${crossing.thresholdMicros} AND t.armed`;
      if (disarmed === 0) return null;
      await tx.balanceAlertDelivery.create({
        data: {
          id: delivery.id,
          accountId: crossing.accountId,
          thresholdMicros: crossing.thresholdMicros,
          balanceMicros: crossing.balanceMicros,
          payload: delivery.payload,
        },
      });
      return delivery.id;
    });
  }

  /**
   * Re-arms the fired thresholds of an account that a credit (a top-up or a positive adjustment, written after the
   * threshold fired) may have lifted it over. The caller has seen the balance above each of them.
   */
  async rearmAfterCredit(accountId: string, thresholdsMicros: bigint[]): Promise<bigint[]> {
    if (thresholdsMicros.length === 0) return [];
    const rows = await this.prisma.$queryRaw<{ threshold_micros: bigint }[]>`
      UPDATE balance_alert_thresholds t
         SET armed = true
       WHERE t.account_id = ${accountId}::uuid AND t.threshold_micros = ANY(${thresholdsMicros.map(String)}::bigint[]) AND NOT t.armed
         AND EXISTS (
           SELECT 1 FROM ledger_entries l
            WHERE l.account_id = t.account_id AND l.id > COALESCE(t.fired_after_entry_id, 0)
              AND (l.kind = 'top_up' OR (l.kind = 'adjustment' AND l.amount_micros > 0)))
      RETURNING t.threshold_micros`;
    return rows.map((row) => BigInt(row.threshold_micros));
  }
}

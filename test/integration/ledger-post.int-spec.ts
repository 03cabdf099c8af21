import { newGenerationId } from '../../libs/common/src';
import { loadConfig } from '../../libs/config/src';
import { BillingLedgerRepository, LedgerRepository, NegativeBalanceError, PrismaService } from '../../libs/db/src';
import { createAccount } from '../factories/account.factory';
import { createApiKey } from '../factories/api-key.factory';
import { accountBooks, closeTestDb } from '../support/test-db';
import { testEnv } from '../support/test-env';

/**
 * gw_post's floor on debits, exercised directly on the repository (no admin service in front of it, and so no lock
 * taken before it): the check must hold by itself under concurrency, not only as a read-then-write in TypeScript.
 */
describe('gw_post: a debit never takes the balance below zero unless allowed', () => {
  let prisma: PrismaService;
  let sut: LedgerRepository;

  beforeAll(async () => {
    // Enough connections that the concurrent posts really overlap in the database.
    prisma = new PrismaService(loadConfig(testEnv({ DB_POOL_MAX: '12' })));
    sut = new LedgerRepository(prisma);
  });

  afterAll(async () => {
    await prisma.onModuleDestroy();
    await closeTestDb();
  });

  it('refuses the debit that would cross zero, and posts the one that lands on it', async () => {
    const account = await createAccount({ balanceUsd: '5.00' });
    await expect(sut.post(account.id, 'adjustment', -5_000_001n, 'too much', null)).rejects.toBeInstanceOf(
      NegativeBalanceError,
    );
    expect(await accountBooks(account.id)).toMatchObject({ balance: 5_000_000n, ledgerSum: 5_000_000n });
    const posted = await sut.post(account.id, 'adjustment', -5_000_000n, 'all of it', null);
    expect(posted.balanceMicros).toBe(0n);
  });

  it('lets 10 concurrent debits of $3 on a $10 account take exactly three: no overdraft between check and write', async () => {
    const account = await createAccount({ balanceUsd: '10.00' });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => sut.post(account.id, 'adjustment', -3_000_000n, `debit ${i}`, null)),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(refused).toHaveLength(7);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(NegativeBalanceError);
    expect(await accountBooks(account.id)).toMatchObject({ balance: 1_000_000n, ledgerSum: 1_000_000n });
  });

  it('posts a debit below zero when told it may, and never refuses a credit', async () => {
    const account = await createAccount({ balanceUsd: '1.00' });
    const posted = await sut.post(account.id, 'adjustment', -3_000_000n, 'goodwill reversal', null, undefined, {
      allowNegativeBalance: true,
    });
    expect(posted.balanceMicros).toBe(-2_000_000n);
    // Below zero, a credit that does not reach zero is still a credit: it is posted.
    expect((await sut.post(account.id, 'adjustment', 500_000n, 'partial refund', null)).balanceMicros).toBe(-1_500_000n);
    expect((await sut.post(account.id, 'top_up', 100_000n, 'payment', null)).balanceMicros).toBe(-1_400_000n);
    // ...but a further debit is refused again without the flag.
    await expect(sut.post(account.id, 'adjustment', -1n, 'one more', null)).rejects.toBeInstanceOf(NegativeBalanceError);
  });

  it('counts open holds: the spendable balance is what a debit may not cross', async () => {
    const account = await createAccount({ balanceUsd: '2.00' });
    const key = await createApiKey(account.id);
    const [hold] = await new BillingLedgerRepository(prisma).reserve(
      account.id,
      [{ generationId: newGenerationId(), keyId: key.id, modelId: 'openai/gpt-4.1-mini', amountMicros: 1_500_000n }],
      'int-ledger-post',
    );
    expect(hold.accepted).toBe(true);
    expect(await accountBooks(account.id)).toMatchObject({ balance: 500_000n, reserved: 1_500_000n });
    await expect(sut.post(account.id, 'adjustment', -500_001n, 'over the spendable', null)).rejects.toBeInstanceOf(
      NegativeBalanceError,
    );
    expect((await sut.post(account.id, 'adjustment', -500_000n, 'exactly the spendable', null)).balanceMicros).toBe(0n);
  });
});

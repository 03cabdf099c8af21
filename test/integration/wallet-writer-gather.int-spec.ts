import { setTimeout as sleep } from 'node:timers/promises';
import { walletCustomer, walletRequest } from '../factories/wallet-request.factory';
import { walletAccountRow, walletBooksViolations } from '../support/wallet-books';
import { useWalletHarness } from '../support/wallet-harness';

/**
 * The running ledger writer under a trickle of settlements: its passes start WALLET_WRITER_GATHER_MS apart, so that a
 * handful of transactions carries them all (each transaction costs PostgreSQL about a millisecond of CPU whatever its
 * size), and every settlement still reaches the ledger exactly once.
 */
describe('wallet ledger writer, gathering events while they trickle in', () => {
  const h = useWalletHarness('wgather', { WALLET_WRITER_GATHER_MS: '400', WALLET_WRITER_POLL_MS: '10' });

  it('writes 40 settlements sent one by one over ~0.7 s in a few transactions, each exactly once', async () => {
    const customer = await walletCustomer('50.00');
    const apply = jest.spyOn(h.accounts, 'applyEvents');
    h.writer.start();
    try {
      for (let i = 0; i < 40; i++) {
        await walletRequest(h.wallet, customer, 5_000n, 1_000n);
        await sleep(15);
      }
      const deadline = Date.now() + 10_000;
      while ((await walletAccountRow(customer.accountId)).usage < 40 && Date.now() < deadline) await sleep(50);
    } finally {
      await h.writer.stop();
    }
    const sizes = apply.mock.calls.map(([events]) => events.length);
    apply.mockRestore();
    // Back to back (WALLET_WRITER_GATHER_MS=0), a pass every few ms writes one or two events per transaction.
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(40);
    expect(sizes.length).toBeLessThanOrEqual(8); // about 2 at 400 ms apart; slack for a loaded machine
    const row = await walletAccountRow(customer.accountId);
    expect(row).toEqual({ balance: 50_000_000n - 40n * 1_000n, walletSeq: 40n, usage: 40 });
    expect(await walletBooksViolations(customer.accountId)).toEqual([]);
  });
});

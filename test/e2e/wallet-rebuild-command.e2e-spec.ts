import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { walletCustomer, walletRequest } from '../factories/wallet-request.factory';
import { DIST_DIR, testEnv } from '../support/test-env';
import { useWalletHarness, walletPrefix } from '../support/wallet-harness';

const exec = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

/** `npm run wallet:rebuild -- <accountId>|--all`, the built script run as operators run it. */
describe('the wallet rebuild command', () => {
  const NAME = 'wrebuildcli';
  const h = useWalletHarness(NAME);

  const rebuild = (...args: string[]) =>
    exec(process.execPath, [join(ROOT, DIST_DIR, 'scripts', 'wallet-rebuild.js'), ...args], {
      env: { PATH: process.env.PATH, ...testEnv({ REDIS_KEY_PREFIX: walletPrefix(NAME) }) },
    });

  it('rebuilds one account, loaded or not, and every loaded account with --all', async () => {
    const [loaded, cold] = [await walletCustomer('3.00'), await walletCustomer('2.00')];
    await walletRequest(h.wallet, loaded, 100_000n, 250_000n);
    await h.flush();
    await h.redis.call('corrupt', (c) => c.hset(h.store.keys.account(loaded.accountId), 'bal', '1'));

    const one = await rebuild(loaded.accountId, cold.accountId);
    expect(one.stdout).toContain(
      `account ${loaded.accountId}: spendable 2.750000 USD, held 0.000000, unwritten settlements 0.000000 ` +
        '(was balance 0.000001, held 0.000000)',
    );
    expect(one.stdout).toContain(`account ${cold.accountId}: spendable 2.000000 USD`);
    expect(one.stdout).toContain('(was not loaded)');
    expect((await h.inspector.balances([loaded.accountId, cold.accountId])).map((b) => b?.balanceMicros)).toEqual([
      2_750_000n,
      2_000_000n,
    ]);

    await h.redis.call('corrupt', (c) => c.hset(h.store.keys.account(cold.accountId), 'bal', '7'));
    const all = await rebuild('--all');
    expect(all.stdout).toContain(`account ${cold.accountId}: spendable 2.000000 USD`);
    expect(all.stdout).toMatch(/\d+ loaded account\(s\) rebuilt/);
  });

  it('refuses unknown arguments and unknown accounts with exit code 1', async () => {
    await expect(rebuild()).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('usage: npm run wallet:rebuild') });
    await expect(rebuild('--everything')).rejects.toMatchObject({ code: 1 });
    await expect(rebuild('not-an-id')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('not a valid account id') });
    await expect(rebuild('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('does not exist'),
    });
  });
});

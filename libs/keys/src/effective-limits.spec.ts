import { effectiveRpmLimits } from './effective-limits';

const record = (rpmLimit: number | null, account: { rpmLimit: number | null; accountRpmLimit: number | null }) => ({
  rpmLimit,
  account,
});

describe(effectiveRpmLimits.name, () => {
  it.each([
    ['nothing set: DEFAULT_RPM, and twice it for the account', record(null, { rpmLimit: null, accountRpmLimit: null }), { key: 60, account: 120 }],
    ["the account's key default", record(null, { rpmLimit: 10, accountRpmLimit: null }), { key: 10, account: 20 }],
    ["the key's own limit over the account's default", record(500, { rpmLimit: 10, accountRpmLimit: null }), { key: 500, account: 1_000 }],
    ["the account's aggregate limit", record(500, { rpmLimit: 10, accountRpmLimit: 700 }), { key: 500, account: 700 }],
  ])('%s', (_case, key, expected) => {
    expect(effectiveRpmLimits(key, 60)).toEqual(expected);
  });
});

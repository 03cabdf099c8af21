// Three tiers (see README, "Tests"): colocated unit specs, integration specs on real PostgreSQL/Redis, and end-to-end
// specs that drive the built apps over real HTTP with the official SDKs; browser specs drive the staff console.
const swc = ['@swc/jest', { swcrc: true }];
const moduleNameMapper = { '^@gw/([a-z-]+)$': '<rootDir>/libs/$1/src' };

// Integration and e2e tiers share one global setup (fresh test database, shared mock upstream); it runs once.
const withServices = {
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  // testTimeout is not a per-project option: set it from a setup file instead.
  setupFilesAfterEnv: ['<rootDir>/test/setup/test-timeout.ts'],
};

const e2e = {
  ...withServices,
  setupFilesAfterEnv: [...withServices.setupFilesAfterEnv, '<rootDir>/test/setup/suite-ledger-writer.ts'],
};

/** E2e suites that run on the PostgreSQL store as well (project e2e-postgres). */
const POSTGRES_STORE_SUITES = [
  'billing-concurrency',
  'stream-settlement',
  'upstream-failover',
  'dependency-deadlines',
  'readiness-postgres-down',
];

const tier = (displayName, testMatch, extra = {}) => ({
  displayName,
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
  testMatch,
  ...extra,
});

module.exports = {
  projects: [
    tier('unit', ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/bench/**/*.spec.ts']),
    tier('integration', ['<rootDir>/test/integration/**/*.int-spec.ts'], withServices),
    // On the wallet, each e2e suite runs a ledger writer of its own (test/setup/suite-ledger-writer.ts).
    tier('e2e', ['<rootDir>/test/e2e/**/*.e2e-spec.ts'], e2e),
    // The money suites that cover the PostgreSQL store's request path, on that store (test/support/test-env.ts reads
    // GW_BILLING_STORE), in the same run as the rest: no second global setup.
    tier('e2e-postgres', POSTGRES_STORE_SUITES.map((name) => `<rootDir>/test/e2e/${name}.e2e-spec.ts`), {
      ...e2e,
      globals: { GW_BILLING_STORE: 'postgres' },
    }),
    // The staff console in Debian's Chromium, driven by playwright-core, against the built admin app.
    tier('browser', ['<rootDir>/test/browser/**/*.browser-spec.ts'], withServices),
  ],
};

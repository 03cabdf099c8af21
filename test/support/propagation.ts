/**
 * How long a test waits for an admin change (a key, a price, a channel) to show on a running proxy. The contract is
 * 1 second and pub/sub delivers it in milliseconds, but a test on a shared, loaded machine must not fail because a
 * process was descheduled for a second. What the tests prove instead is that the change arrived by broadcast: their
 * proxies run with BROADCAST_ONLY_ENV, whose cache lifetime is far longer than this wait, so the old state cannot have
 * expired by itself meanwhile.
 */
export const PROPAGATION_WAIT_MS = 10_000;

/** Proxy environment whose in-memory caches outlive any test: a change it sees came by invalidation. */
export const BROADCAST_ONLY_ENV = { CACHE_TTL_MS: String(30 * 60_000) };

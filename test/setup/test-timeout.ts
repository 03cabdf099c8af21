// Integration and e2e specs start real processes and talk to real services: allow a minute per test and hook.
jest.setTimeout(60_000);

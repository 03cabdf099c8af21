import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while handling one request (or job) carries. */
export interface LogFields {
  generationId?: string;
  requestId?: string;
  jobId?: string;
  job?: string;
}

const storage = new AsyncLocalStorage<LogFields>();
const NONE: LogFields = Object.freeze({});

/** Runs `fn` (and everything it starts) with `fields` on every log line. */
export function runWithLogFields<T>(fields: LogFields, fn: () => T): T {
  return storage.run(fields, fn);
}

/** The fields of the request or job being handled; an empty object outside one. */
export function currentLogFields(): LogFields {
  return storage.getStore() ?? NONE;
}

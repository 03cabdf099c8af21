import { EventEmitter } from 'node:events';

/** Whether something was stopped, and why: what an AbortSignal and an AttemptAbort both tell. */
export interface AbortState {
  readonly aborted: boolean;
  readonly reason: unknown;
}

/**
 * What stops one upstream attempt (the client leaving, the attempt's deadline, shutdown), handed to undici as the
 * request's `signal`: undici takes an EventEmitter with `aborted` and `reason` as well as an AbortSignal (its
 * `signal` option). An AbortController and the EventTarget listeners undici and the attempt put on its signal cost
 * measurably more per request on Node 20 (bench:profile); nothing else needs an AbortSignal here.
 */
export class AttemptAbort extends EventEmitter implements AbortState {
  aborted = false;
  reason: unknown = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

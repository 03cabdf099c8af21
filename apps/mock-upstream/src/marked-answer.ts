import type { Exchange } from './exchange';
import { after } from './http-io';
import type { Markers } from './markers';
import type { FailFirstRegistry } from './fail-first';
import { type Protocol, sendMarkedError, sendProviderError, usualErrorMessage } from './provider-errors';

/** Applies the markers every route shares (delay, stall, status), then lets `answer` produce the response. */
export function answerWithMarkers(x: Exchange, protocol: Protocol, markers: Markers, answer: () => void): void {
  after(x.res, markers.delayMs, () => {
    // A stalled request is simply never answered; the close of its connection settles it.
    if (markers.stall) return;
    if (markers.status !== undefined) return sendMarkedError(x.res, protocol, markers.status);
    answer();
  });
}

/** `mock:fail_first=N`: answers 503 and returns true when this request is one of the first N with its text. */
export function failedFirst(
  x: Exchange,
  protocol: Protocol,
  markers: Markers,
  failures: FailFirstRegistry,
  text: string,
): boolean {
  if (markers.failFirst === undefined || !failures.claim(text, markers.failFirst)) return false;
  const message = `${usualErrorMessage(protocol, 503)} (mock:fail_first=${markers.failFirst})`;
  sendProviderError(x.res, protocol, 503, { message });
  return true;
}

import type { Exchange } from './exchange';
import { after } from './http-io';
import type { Markers } from './markers';
import { type Protocol, sendMarkedError } from './provider-errors';

/** Applies the markers every route shares (delay, stall, status), then lets `answer` produce the response. */
export function answerWithMarkers(x: Exchange, protocol: Protocol, markers: Markers, answer: () => void): void {
  after(x.res, markers.delayMs, () => {
    // A stalled request is simply never answered; the close of its connection settles it.
    if (markers.stall) return;
    if (markers.status !== undefined) return sendMarkedError(x.res, protocol, markers.status);
    answer();
  });
}

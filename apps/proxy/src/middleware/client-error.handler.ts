import { createClientErrorHandler, createExpectationHandler, gatewayResponseIds } from '@gw/common';
import { proxyMetrics } from '@gw/observability';
import { onRequestDeadline } from '../transport/client-deadlines';

/**
 * The proxy's answer to requests the HTTP parser refuses (libs/common), with the gateway's ids; a request not received
 * within the client deadlines (HEADERS_TIMEOUT_MS, BODY_TIMEOUT_MS) gets a 408 in its protocol's format, or nothing
 * when it was already answered (refused before its body was read).
 */
export const clientErrorHandler = createClientErrorHandler({
  responseIds: gatewayResponseIds,
  onRequestTimeout: (socket) => {
    proxyMetrics().clientTimeouts.inc();
    return onRequestDeadline(socket);
  },
});

/** The proxy's answer to an `Expect` other than 100-continue (libs/common), with the gateway's ids. */
export const expectationHandler = createExpectationHandler(gatewayResponseIds);

import type { Readable } from 'node:stream';
import { GatewayError, GatewayErrorCode } from '@gw/common';

/**
 * Bodies are received into blocks of this size, each its own ArrayBuffer: a chunk is copied as it arrives (a few
 * microseconds), and a large body is never joined on the event loop (joining 32 MB costs about 25 ms there) but handed
 * to a worker thread block by block, without copying (validation/json-offload.ts).
 */
export const BLOCK_BYTES = 1024 * 1024;

/** A received body: `length` bytes in `blocks`, every block full but the last. */
export interface BodyBytes {
  blocks: Buffer[];
  length: number;
}

/** Bodies of unknown length (chunked) start with a smaller block: most are small. */
const FIRST_BLOCK_OF_UNKNOWN_LENGTH = 64 * 1024;

export function tooLarge(): GatewayError {
  return new GatewayError(GatewayErrorCode.PAYLOAD_TOO_LARGE, 'Request body is too large');
}

/**
 * The body stopped arriving: the client left, the connection broke or the body deadline cut it (answered 408 by the
 * HTTP layer). Unlike the body's other problems, there is nobody left to answer after authentication and admission.
 */
export class BodyNotReceivedError extends GatewayError {
  constructor(cause?: unknown) {
    super(GatewayErrorCode.INVALID_REQUEST, 'The request body was not received in full', { cause });
  }
}

/** The body as one Buffer (for the small bodies parsed on the event loop; large ones go to a worker as blocks). */
export function joinBlocks({ blocks, length }: BodyBytes): Buffer {
  if (blocks.length === 1) return blocks[0].subarray(0, length);
  return Buffer.concat(blocks, length);
}

/**
 * Reads a request body of at most `limit` bytes: 413 at once when Content-Length announces more, or as soon as more
 * arrives; 400 when fewer bytes than announced arrive.
 */
export function readBody(payload: Readable, declaredLength: number | null, limit: number): Promise<BodyBytes> {
  if (declaredLength !== null && declaredLength > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const blocks: Buffer[] = [];
    let block: Buffer | null = null;
    let used = 0;
    let length = 0;
    const stop = () => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onError);
    };
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        stop();
        reject(tooLarge());
        return;
      }
      for (let at = 0; at < chunk.length; ) {
        if (block === null || used === block.length) {
          // Exactly the announced size when it fits one block; small bodies then take no more memory than they need.
          const stored = length - chunk.length + at;
          const size =
            declaredLength !== null
              ? Math.min(BLOCK_BYTES, declaredLength - stored)
              : blocks.length === 0
                ? FIRST_BLOCK_OF_UNKNOWN_LENGTH
                : BLOCK_BYTES;
          block = Buffer.allocUnsafeSlow(Math.max(1, size));
          blocks.push(block);
          used = 0;
        }
        const copied = chunk.copy(block, used, at);
        used += copied;
        at += copied;
      }
    };
    const onEnd = () => {
      stop();
      if (declaredLength !== null && length !== declaredLength) {
        reject(GatewayError.invalidRequest('Invalid Content-Length header'));
        return;
      }
      resolve({ blocks, length });
    };
    const onError = (error: Error) => {
      stop();
      reject(new BodyNotReceivedError(error));
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.resume();
  });
}

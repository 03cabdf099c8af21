import { isUtf8 } from 'node:buffer';
import secureJsonParse from 'secure-json-parse';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from './json-depth';

export type ParsedJson = { value: unknown; problem?: undefined } | { problem: string; value?: undefined };

const PROTOTYPE_POISONING = { protoAction: 'error', constructorAction: 'error' } as const;

/**
 * Request body bytes -> JSON value, or the 400 message saying why not. The one parse of the proxy, whether it runs
 * on the event loop (small bodies) or in a worker thread (large ones, validation/json-offload.ts), so that both give
 * the same answers: bytes that are not UTF-8 are refused rather than silently turned into U+FFFD (which would change
 * what the client meant, and what upstream is asked and charged); nesting past MAX_JSON_DEPTH is refused before
 * parsing; `__proto__` and `constructor.prototype` keys are refused (prototype poisoning), as Fastify's parser does.
 */
export function parseJsonDocument(bytes: Buffer): ParsedJson {
  if (bytes.length === 0) return { problem: 'Request body is empty: expected a JSON object' };
  if (!isUtf8(bytes)) return { problem: 'Request body is not valid UTF-8' };
  if (exceedsJsonDepth(bytes)) {
    return { problem: `Request body is nested too deeply: at most ${MAX_JSON_DEPTH} levels of objects and arrays` };
  }
  try {
    return { value: secureJsonParse.parse(bytes, PROTOTYPE_POISONING) };
  } catch {
    return { problem: 'Request body is not valid JSON' };
  }
}

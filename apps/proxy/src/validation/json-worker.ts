import { move, transferableSymbol, valueSymbol } from 'piscina';
import { type ClientProtocol, type ProviderProtocol, TranslateError, type TranslateRequestOptions, translateRequest } from '@gw/translate';
import { BODY_SCHEMAS, type RouteBody } from './body-schemas';
import { parseJsonDocument } from './json-document';
import { type JsonPath, sliceJson } from './json-slices';
import { bodyProblem } from './validate-body';

/**
 * Worker-thread side of validation/json-offload.ts (a piscina worker: each export is a task). Large bodies are parsed,
 * checked and serialised here, off the event loop; what goes back is bytes, moved rather than copied.
 */

export interface ParseTask {
  blocks: Uint8Array[];
  length: number;
  /** The route's body schema (by name: body-schemas.ts) and protocol, to check the body here; null when it has none. */
  route: RouteBody | null;
}

/** A document cut into parts (json-slices.ts), for the event loop to assemble (JsonOffload). */
export interface PackedDocument {
  /** The document's parts, UTF-8, one after the other in `packed`, ending at `ends`. */
  packed: Uint8Array;
  ends: number[];
  /** Per part: null for a slice, the path of its string for a piece of a long string. */
  paths: (JsonPath | null)[];
}

export type ParseOutcome =
  | { problem: string }
  | (PackedDocument & {
      problem?: undefined;
      /** The body's own bytes, kept by the event loop to serialise the upstream body later (serialize below). */
      source: Uint8Array;
      /** The verdict of the route's schema (the first problem, or null); absent when the route has none (or unlisted). */
      verdict?: { schema: string; problem: string | null };
    });

export interface TranslateTask {
  /** The client body's bytes (a body parse above read): given back with the outcome. */
  source: Uint8Array;
  from: ClientProtocol;
  to: ProviderProtocol;
  options: TranslateRequestOptions;
}

/**
 * A translated request: the provider's body as parts to assemble and as its JSON bytes (to serialise the upstream body
 * from, as for a parsed body); a 400's message (a feature the provider cannot honour, an invalid body); or `failed`
 * for anything else, which the event loop then meets again translating there (the same error as without a worker).
 * The client's bytes come back in every case.
 */
export type TranslateOutcome = { source: Uint8Array } & (
  | { problem: string; failed?: undefined }
  | { failed: true; problem?: undefined }
  | (PackedDocument & {
      problem?: undefined;
      failed?: undefined;
      translated: Uint8Array;
      /** translateRequest's `request.streamIncludeUsage`. */
      includeUsage: boolean;
      /** Milliseconds translateRequest took (gw_stage_duration_seconds{stage="translate"}). */
      elapsedMs: number;
    })
);

export interface SerializeTask {
  source: Uint8Array;
  /** Top-level fields to set (the model id upstream knows, stream options): what the relays change. */
  overrides: Record<string, unknown>;
}

const encoder = new TextEncoder();

/** Moves every ArrayBuffer of the result to the event loop instead of copying it. */
function moving<T extends object>(value: T, buffers: ArrayBuffer[]): T {
  return move({ [transferableSymbol]: buffers, [valueSymbol]: value } as never) as T;
}

function bytesOf(blocks: Uint8Array[], length: number): Buffer {
  if (blocks.length === 1) return Buffer.from(blocks[0].buffer, blocks[0].byteOffset, length);
  return Buffer.concat(blocks, length);
}

export function parse(task: ParseTask): ParseOutcome {
  const source = bytesOf(task.blocks, task.length);
  const parsed = parseJsonDocument(source);
  if (parsed.problem !== undefined) return { problem: parsed.problem };
  const { route } = task;
  const schema = route === null ? undefined : BODY_SCHEMAS.get(route.schema);
  const verdict = route !== null && schema !== undefined ? { schema: schema.name, problem: bodyProblem(schema, parsed.value, route.protocol) } : undefined;

  const document = packDocument(parsed.value);
  // `source` may be a view of a larger block: send exactly its bytes.
  const own = source.byteOffset === 0 && source.buffer.byteLength === source.length ? source : Uint8Array.prototype.slice.call(source);
  return moving({ ...document, source: own, verdict }, [document.packed.buffer as ArrayBuffer, own.buffer as ArrayBuffer]);
}

function packDocument(value: unknown): PackedDocument {
  const parts = sliceJson(value);
  const encoded = parts.map((part) => encoder.encode(part.path === undefined ? part.slice : part.piece));
  const packed = new Uint8Array(encoded.reduce((total, bytes) => total + bytes.length, 0));
  const ends: number[] = [];
  let at = 0;
  for (const bytes of encoded) {
    packed.set(bytes, at);
    at += bytes.length;
    ends.push(at);
  }
  return { packed, ends, paths: parts.map((part) => part.path ?? null) };
}

/**
 * translateRequest (libs/translate) of a large client body, as the resolve stage runs it on a small one: on a wide
 * body of small parts (an agent's tool calls and results) it takes hundreds of milliseconds, and serialising the
 * result as long again.
 */
export function translate(task: TranslateTask): TranslateOutcome {
  const { source } = task;
  const giveBack = (outcome: TranslateOutcome, more: ArrayBuffer[] = []) => moving(outcome, [source.buffer as ArrayBuffer, ...more]);
  const parsed = parseJsonDocument(Buffer.from(source.buffer, source.byteOffset, source.length));
  if (parsed.problem !== undefined) return giveBack({ source, failed: true });
  let translated;
  const started = performance.now();
  try {
    translated = translateRequest(task.from, task.to, parsed.value, task.options);
  } catch (error) {
    if (error instanceof TranslateError && error.status === 400) return giveBack({ source, problem: error.message });
    return giveBack({ source, failed: true });
  }
  const elapsedMs = performance.now() - started;
  const bytes = encoder.encode(JSON.stringify(translated.body));
  const document = packDocument(translated.body);
  const includeUsage = translated.request.streamIncludeUsage === true;
  return giveBack({ source, ...document, translated: bytes, includeUsage, elapsedMs }, [document.packed.buffer as ArrayBuffer, bytes.buffer]);
}

export function serialize(task: SerializeTask): Uint8Array {
  const document = parseOwnJson(Buffer.from(task.source.buffer, task.source.byteOffset, task.source.length));
  // As `{ ...body, ...overrides }` on the event loop: a field already present keeps its place.
  for (const [field, value] of Object.entries(task.overrides)) document[field] = value;
  const bytes = encoder.encode(JSON.stringify(document));
  return moving(bytes, [bytes.buffer]);
}

/**
 * JSON text known to be valid: a client body that parsed before, or a provider body this thread wrote (translate).
 * parseJsonDocument's checks are for what a client sends, and a translation may fail them where the client's body
 * passed: it nests a body deeper (an Anthropic tool's input_schema inside Gemini's functionDeclarations), and parses a
 * tool call's arguments, text of any depth and any keys (`__proto__` among them: JSON.parse makes it a field), into an
 * object. Such text is parsed by JSON.parse, as the event loop serialises the same provider body (JSON.stringify).
 */
function parseOwnJson(bytes: Buffer): Record<string, unknown> {
  const parsed = parseJsonDocument(bytes);
  if (parsed.problem === undefined) return parsed.value as Record<string, unknown>;
  try {
    return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new Error(`a body that parsed before no longer parses: ${parsed.problem}`);
  }
}

import { move, transferableSymbol, valueSymbol } from 'piscina';
import { BODY_BY_ROUTE } from './body-schemas';
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
  /** The route's path, to check the body against its schema here (body-schemas.ts); null when unknown. */
  route: string | null;
}

export type ParseOutcome =
  | { problem: string }
  | {
      problem?: undefined;
      /** The document's parts (json-slices.ts), UTF-8, one after the other in `packed`, ending at `ends`. */
      packed: Uint8Array;
      ends: number[];
      /** Per part: null for a slice, the path of its string for a piece of a long string. */
      paths: (JsonPath | null)[];
      /** The body's own bytes, kept by the event loop to serialise the upstream body later (serialize below). */
      source: Uint8Array;
      /** The verdict of the route's schema (the first problem, or null); absent when the route has none. */
      verdict?: { schema: string; problem: string | null };
    };

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
  const route = task.route === null ? undefined : BODY_BY_ROUTE[task.route];
  const verdict = route && { schema: route.schema.name, problem: bodyProblem(route.schema, parsed.value, route.protocol) };

  const parts = sliceJson(parsed.value);
  const encoded = parts.map((part) => encoder.encode(part.path === undefined ? part.slice : part.piece));
  const packed = new Uint8Array(encoded.reduce((total, bytes) => total + bytes.length, 0));
  const ends: number[] = [];
  let at = 0;
  for (const bytes of encoded) {
    packed.set(bytes, at);
    at += bytes.length;
    ends.push(at);
  }
  const paths = parts.map((part) => part.path ?? null);
  // `source` may be a view of a larger block: send exactly its bytes.
  const own = source.byteOffset === 0 && source.buffer.byteLength === source.length ? source : Uint8Array.prototype.slice.call(source);
  return moving({ packed, ends, paths, source: own, verdict }, [packed.buffer, own.buffer as ArrayBuffer]);
}

export function serialize(task: SerializeTask): Uint8Array {
  const parsed = parseJsonDocument(Buffer.from(task.source.buffer, task.source.byteOffset, task.source.length));
  if (parsed.problem !== undefined) throw new Error(`a body that parsed before no longer parses: ${parsed.problem}`);
  const document = parsed.value as Record<string, unknown>;
  // As `{ ...body, ...overrides }` on the event loop: a field already present keeps its place.
  for (const [field, value] of Object.entries(task.overrides)) document[field] = value;
  const bytes = encoder.encode(JSON.stringify(document));
  return moving(bytes, [bytes.buffer]);
}

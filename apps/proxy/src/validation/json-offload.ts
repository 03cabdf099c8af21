import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Piscina } from 'piscina';
import { GatewayError, GatewayErrorCode, type WireProtocol } from '@gw/common';
import { APP_CONFIG, type AppConfig } from '@gw/config';
import { bodyMetrics } from '@gw/observability';
import type { ClientProtocol, ProviderProtocol, TranslateRequestOptions } from '@gw/translate';
import type { RouteBody } from './body-schemas';
import type { BodyBytes } from './body-reader';
import { JsonAssembler } from './json-slices';
import { originOf, topLevelChanges, upstreamBytes } from './json-source';
import type { PackedDocument, ParseOutcome, ParseTask, SerializeTask, TranslateOutcome, TranslateTask } from './json-worker';
import { type BodySchema, validateBody } from './validate-body';

/** Assembling a document's slices yields to other work once it has held the event loop this long. */
const ASSEMBLY_TURN_MS = 2;
/** Idle worker threads exit after this long (the first large body after a quiet spell waits for one to start). */
const IDLE_THREAD_MS = 60_000;
const WORKER_FILE = join(__dirname, 'json-worker.js');

type Operation = 'parse' | 'serialize' | 'translate';

/** A large client body translated in a worker thread (JsonOffload.translate). */
export interface OffloadedTranslation {
  body: Record<string, unknown>;
  /** translateRequest's `request.streamIncludeUsage`. */
  includeUsage: boolean;
  /** Milliseconds the translation itself took, in the worker. */
  elapsedMs: number;
}

/**
 * Keeps large request bodies off the event loop (no single request may block it for more than a few milliseconds).
 * At or above `json.offloadBytes` a body is checked for UTF-8 and nesting depth, parsed and validated in a worker
 * thread (json-worker.ts, the same functions as on the event loop, so the same answers), then assembled here slice
 * by slice, yielding between slices. Its upstream body is serialised there too, from the body's own bytes; translated
 * for a provider of another protocol, it is translated there, and its provider body serialised there, the same way.
 * Below the threshold all this costs less than a millisecond and stays on the event loop: a thread hop would cost more.
 *
 * Measured on the development machine (2 cores): JSON.parse of 10 MB of chat messages takes 15-40 ms, of 32 MB of
 * small content blocks 365 ms, and JSON.stringify back 16-230 ms; 256 KB takes about 0.5 ms either way.
 */
@Injectable()
export class JsonOffload implements OnApplicationShutdown {
  private pool: Piscina | null = null;
  /** The bytes of each offloaded body, until its upstream body is serialised. */
  private readonly sources = new WeakMap<object, Uint8Array>();
  /** The worker's verdict on each body it parsed and checked (bodies are read-only once parsed), for validate. */
  private readonly verdicts = new WeakMap<object, { schema: string; problem: string | null }>();
  readonly offloadBytes: number;
  private readonly threads: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.offloadBytes = config.proxy.json.offloadBytes;
    this.threads = config.proxy.json.workerThreads;
  }

  /** Whether a body of this size is parsed in a worker thread. */
  offloads(length: number): boolean {
    return length >= this.offloadBytes;
  }

  /**
   * Parses (and, when `route` names a schema of body-schemas.ts, validates) a large body in a worker thread. Rejects
   * with the 400 the event-loop parser would give; the validation verdict is kept for validate.
   */
  async parse(body: BodyBytes, route: RouteBody | null): Promise<unknown> {
    const timer = bodyMetrics().offloadSeconds.startTimer({ operation: 'parse' });
    const task: ParseTask = { blocks: body.blocks, length: body.length, route };
    const outcome = await this.run<ParseOutcome>('parse', task, body.blocks.map((block) => block.buffer as ArrayBuffer));
    if (outcome.problem !== undefined) throw GatewayError.invalidRequest(outcome.problem);

    const document = await this.assemble(outcome);
    if (typeof document === 'object' && document !== null) {
      this.sources.set(document, outcome.source);
      if (outcome.verdict) this.verdicts.set(document, outcome.verdict);
    }
    timer();
    return document;
  }

  /**
   * validateBody of a route's body: the verdict the worker reached where it parsed the body, when it checked it
   * against this very schema (counted as operation="validate"), so that a large body is never checked again on the
   * event loop (12-24 ms for 11 MB); any other body is checked here. The same answers either way (the same bodyProblem).
   */
  validate(schema: BodySchema, body: unknown, protocol: WireProtocol): Record<string, unknown> {
    const known = typeof body === 'object' && body !== null ? this.verdicts.get(body) : undefined;
    if (known?.schema !== schema.name) return validateBody(schema, body, protocol);
    bodyMetrics().offloaded.inc({ operation: 'validate' });
    if (known.problem !== null) throw GatewayError.invalidRequest(known.problem);
    return body as Record<string, unknown>;
  }

  /** Whether `body` is a body this class parsed, whose bytes it still holds (translate can take it). */
  holds(body: object): boolean {
    return this.sources.has(body);
  }

  /**
   * translateRequest of a body this class parsed, in a worker thread: its provider body, assembled here as parse
   * assembles a body, and serialised later (stringify) from the bytes the worker wrote. Rejects with the 400 the
   * translation gives (a feature the provider cannot honour, an invalid body). Null when the body is not one this
   * class holds, or when the worker could not translate it for another reason: the caller translates it on the event
   * loop then (and meets that error as it would have without a worker).
   */
  async translate(body: object, from: ClientProtocol, to: ProviderProtocol, options: TranslateRequestOptions): Promise<OffloadedTranslation | null> {
    const source = this.sources.get(body);
    if (source === undefined) return null;
    const timer = bodyMetrics().offloadSeconds.startTimer({ operation: 'translate' });
    // Moved to the worker, which gives it back: the client's body may still be sent as it is (a failover link).
    this.sources.delete(body);
    let outcome: TranslateOutcome;
    try {
      outcome = await this.run<TranslateOutcome>('translate', { source, from, to, options } satisfies TranslateTask, [source.buffer as ArrayBuffer]);
    } catch {
      return null;
    }
    this.sources.set(body, outcome.source);
    if (outcome.failed) return null;
    if (outcome.problem !== undefined) throw GatewayError.invalidRequest(outcome.problem);
    const translated = (await this.assemble(outcome)) as Record<string, unknown>;
    this.sources.set(translated, outcome.translated);
    timer();
    return { body: translated, includeUsage: outcome.includeUsage, elapsedMs: outcome.elapsedMs };
  }

  /** A document from its parts (json-slices.ts), yielding to other work every ASSEMBLY_TURN_MS. */
  private async assemble(document: PackedDocument): Promise<unknown> {
    const assembler = new JsonAssembler();
    const text = Buffer.from(document.packed.buffer, document.packed.byteOffset, document.packed.length);
    let turnStarted = performance.now();
    let start = 0;
    for (const [index, end] of document.ends.entries()) {
      const part = text.toString('utf8', start, end);
      const path = document.paths[index];
      if (path === null) assembler.applySlice(part);
      else assembler.append(path, part);
      start = end;
      if (performance.now() - turnStarted >= ASSEMBLY_TURN_MS) {
        await nextTurn();
        turnStarted = performance.now();
      }
    }
    return assembler.value;
  }

  /**
   * The upstream body: `body` with `overrides` set (a field already present keeps its place). A body parsed on the
   * event loop is written from the client's bytes (upstreamBytes); a body this class parsed or translated, or a copy
   * of one with top-level fields set (deriveBody: the reserve stage's output limit), is serialised in a worker from
   * its bytes (the provider reads exactly what was validated and priced); any other is serialised here.
   * Call it once per body (failover reuses the result).
   */
  async stringify(body: Record<string, unknown>, overrides: Record<string, unknown>): Promise<string | Uint8Array> {
    // Parsed on the event loop: the client's own bytes, with the changed top-level fields replaced (json-source.ts).
    const own = upstreamBytes(body, overrides);
    if (own !== null) return own;
    const origin = originOf(body) as Record<string, unknown>;
    const source = this.sources.get(origin);
    if (source === undefined) return JSON.stringify({ ...body, ...overrides });
    this.sources.delete(origin);
    const timer = bodyMetrics().offloadSeconds.startTimer({ operation: 'serialize' });
    const changes = origin === body ? overrides : { ...topLevelChanges(origin, body), ...overrides };
    const task: SerializeTask = { source, overrides: changes };
    const serialised = await this.run<Uint8Array>('serialize', task, [source.buffer as ArrayBuffer]);
    timer();
    return serialised;
  }

  async onApplicationShutdown(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.destroy();
  }

  private async run<T>(name: Operation, task: ParseTask | SerializeTask | TranslateTask, transferList: ArrayBuffer[]): Promise<T> {
    bodyMetrics().offloaded.inc({ operation: name });
    try {
      return (await this.workers().run(task, { name, transferList })) as T;
    } catch (error) {
      // A worker that died (out of memory, say) is replaced by the pool; this request gets a retryable 503.
      throw new GatewayError(GatewayErrorCode.SERVICE_UNAVAILABLE, 'The request body could not be processed; retry', { cause: error });
    }
  }

  private workers(): Piscina {
    if (this.pool === null) {
      if (!existsSync(WORKER_FILE)) throw new Error(`${WORKER_FILE} is missing: run the built proxy (npm run build)`);
      this.pool = new Piscina({ filename: WORKER_FILE, minThreads: 0, maxThreads: this.threads, idleTimeout: IDLE_THREAD_MS });
    }
    return this.pool;
  }
}

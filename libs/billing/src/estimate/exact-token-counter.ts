import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { APP_CONFIG, AppConfig } from '@gw/config';
import { mergeLongPiece } from './long-piece-merge';
import type { ExactEncoding } from './model-tokens';

/** Work waiting for a thread may add up to this many times the per-count limit; beyond it, counts are refused. */
const QUEUE_BYTES_FACTOR = 4;

/** Pieces longer than this (UTF-8 bytes) are merged by mergeLongPiece; below, the tokenizer's own merge is faster. */
const LONG_PIECE_BYTES = 500;

/**
 * The thread's code. Loaded from gpt-tokenizer's CommonJS build by absolute path (resolved here), so that it runs the
 * same under the built app and under the test runner. o200k is loaded at start (the encoding of current OpenAI
 * models), others on first use. Special-token text in user content is just text to the provider: never refused.
 * Each encoding merges long pieces (one pre-token: a run without word boundaries) with mergeLongPiece, the same tokens
 * in O(n log n) rather than quadratic time (a 100 KB word: about 0.1 s instead of 3 to 5). The hook is gpt-tokenizer's
 * internal bytePairMerge (long-piece-merge.spec.ts checks both agree), left alone should a release not have it.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const options = { disallowedSpecial: new Set() };
const mergeLongPiece = ${mergeLongPiece.toString()};
function load(path) {
  const encoder = require(path);
  const core = encoder.default?.bytePairEncodingCoreProcessor;
  if (typeof core?.bytePairMerge === 'function' && typeof core.getBpeRankFromBytes === 'function') {
    const ownMerge = core.bytePairMerge.bind(core);
    const rankOf = (bytes) => core.getBpeRankFromBytes(bytes);
    core.bytePairMerge = (piece) =>
      piece.length > ${LONG_PIECE_BYTES} ? mergeLongPiece(piece, rankOf) : ownMerge(piece);
  }
  return encoder;
}
const encoders = { o200k_base: load(workerData.paths.o200k_base) };
parentPort.on('message', ({ id, encoding, pieces }) => {
  const encoder = encoders[encoding] ?? (encoders[encoding] = load(workerData.paths[encoding]));
  let tokens = 0;
  for (const piece of pieces) tokens += encoder.countTokens(piece, options);
  parentPort.postMessage({ id, tokens });
});`;

const ENCODING_PATHS: Record<ExactEncoding, string> = {
  o200k_base: require.resolve('gpt-tokenizer/encoding/o200k_base'),
  cl100k_base: require.resolve('gpt-tokenizer/encoding/cl100k_base'),
};

interface Job {
  id: number;
  pieces: string[];
  encoding: ExactEncoding;
  bytes: number;
  resolve: (tokens: number | null) => void;
  timer: NodeJS.Timeout;
}

interface Slot {
  worker: Worker | null;
  job: Job | null;
}

export interface ExactCountLimits {
  /** Texts longer than this (UTF-8 bytes) are not counted. */
  maxBytes: number;
  /** A count (waiting included) not done by then is given up, and its thread replaced. */
  timeoutMs: number;
  threads: number;
}

/**
 * Exact token counts, never on the event loop: worker threads run the tokenizer, bounded by size (EXACT_COUNT_MAX_BYTES)
 * and by time (EXACT_COUNT_TIMEOUT_MS), because a count of megabytes takes its time and the tokenizer is a
 * dependency (its own merge took seconds on a 100 KB run without spaces; see WORKER_SOURCE). A count that cannot be
 * had in those bounds is null: the caller keeps its byte bound. A thread past its time is terminated, which is the
 * only way to stop a tokenizer mid-text, and replaced on next use.
 */
@Injectable()
export class ExactTokenCounter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ExactTokenCounter.name);
  private readonly limits: ExactCountLimits;
  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private queuedBytes = 0;
  private nextId = 0;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.limits = config.billing.exactCount;
    this.slots = Array.from({ length: this.limits.threads }, () => ({ worker: null, job: null }));
  }

  onModuleInit(): void {
    this.warm();
  }

  /** Starts the threads now, so that the first count does not pay for loading the tokenizer. */
  warm(): void {
    for (const slot of this.slots) slot.worker ??= this.spawn(slot);
  }

  /**
   * The number of tokens the encoding makes of the pieces (each counted on its own), or null when they are over the
   * size limit, the count is past its time limit, or too much is waiting already. `bytes` is their UTF-8 length.
   */
  count(pieces: string[], encoding: ExactEncoding, bytes: number): Promise<number | null> {
    if (pieces.length === 0) return Promise.resolve(0);
    if (bytes > this.limits.maxBytes || this.queuedBytes + bytes > this.limits.maxBytes * QUEUE_BYTES_FACTOR) {
      return Promise.resolve(null);
    }
    return new Promise((resolve) => {
      const job: Job = {
        id: this.nextId++,
        pieces,
        encoding,
        bytes,
        resolve,
        timer: setTimeout(() => this.giveUp(job), this.limits.timeoutMs),
      };
      job.timer.unref();
      this.queue.push(job);
      this.queuedBytes += bytes;
      this.dispatch();
    });
  }

  async onModuleDestroy(): Promise<void> {
    for (const job of this.queue.splice(0)) this.finish(job, null);
    await Promise.all(
      this.slots.map(async (slot) => {
        if (slot.job) this.finish(slot.job, null);
        const worker = slot.worker;
        slot.worker = null;
        slot.job = null;
        await worker?.terminate();
      }),
    );
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.job) continue;
      const job = this.queue.shift()!;
      this.queuedBytes -= job.bytes;
      slot.worker ??= this.spawn(slot);
      slot.job = job;
      slot.worker.postMessage({ id: job.id, encoding: job.encoding, pieces: job.pieces });
    }
  }

  private spawn(slot: Slot): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { paths: ENCODING_PATHS } });
    worker.unref();
    worker.on('message', ({ id, tokens }: { id: number; tokens: number }) => {
      if (slot.job?.id !== id) return;
      const job = slot.job;
      slot.job = null;
      this.finish(job, tokens);
      this.dispatch();
    });
    worker.on('error', (error) => this.logger.warn(`token counter thread failed: ${error.message}`));
    worker.on('exit', () => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      if (slot.job) this.finish(slot.job, null);
      slot.job = null;
      this.dispatch();
    });
    return worker;
  }

  /** Time is up: a queued job leaves the queue; a running one takes its thread down with it. */
  private giveUp(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.queuedBytes -= job.bytes;
      this.finish(job, null);
      return;
    }
    const slot = this.slots.find((candidate) => candidate.job === job);
    if (!slot) return;
    const worker = slot.worker;
    slot.worker = null;
    slot.job = null;
    this.finish(job, null);
    void worker?.terminate();
    this.dispatch();
  }

  private finish(job: Job, tokens: number | null): void {
    clearTimeout(job.timer);
    job.resolve(tokens);
  }
}

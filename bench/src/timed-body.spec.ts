import { setTimeout as sleep } from 'node:timers/promises';
import { readTimedBody } from './timed-body';

const MARKER = '"delta":{"content":"';

/** A body arriving as these pieces, each `gapMs` after the one before. */
async function* arriving(pieces: (string | Uint8Array)[], gapMs = 0): AsyncIterable<Uint8Array> {
  for (const piece of pieces) {
    if (gapMs > 0) await sleep(gapMs);
    yield typeof piece === 'string' ? Buffer.from(piece) : piece;
  }
}

describe(readTimedBody.name, () => {
  it('times the chunk that completes the first marker, not the head before it nor the end after it', async () => {
    const head = 'data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n\n';
    const content = `data: {"choices":[{${MARKER}Hi"}}]}\n\n`;
    const started = process.hrtime.bigint();
    const { text, firstMs } = await readTimedBody(arriving([head, content, content, 'data: [DONE]\n\n'], 40), MARKER, started);
    const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(text).toBe(`${head}${content}${content}data: [DONE]\n\n`);
    // Second piece: after two gaps of 40 ms, well before the fourth (four gaps).
    expect(firstMs).toBeGreaterThanOrEqual(75);
    expect(firstMs!).toBeLessThan(totalMs - 60);
  });

  it('finds a marker split across chunks, byte by byte if need be', async () => {
    const body = `data: {"choices":[{${MARKER}x"}}]}\n\n`;
    const bytes = [...Buffer.from(body)].map((byte) => Uint8Array.of(byte));
    const { text, firstMs } = await readTimedBody(arriving(bytes), MARKER, process.hrtime.bigint());
    expect(text).toBe(body);
    expect(firstMs).not.toBeNull();
    const split = await readTimedBody(arriving([body.slice(0, 25), body.slice(25)]), MARKER, process.hrtime.bigint());
    expect(split.firstMs).not.toBeNull();
  });

  it('has no first-content time when the marker never comes, and keeps multi-byte characters split across chunks', async () => {
    const bytes = Buffer.from('{"error":"überlastet"}');
    const { text, firstMs } = await readTimedBody(arriving([bytes.subarray(0, 11), bytes.subarray(11)]), MARKER, process.hrtime.bigint());
    expect(text).toBe('{"error":"überlastet"}');
    expect(firstMs).toBeNull();
  });
});

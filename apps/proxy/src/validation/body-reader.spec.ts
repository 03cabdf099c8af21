import { PassThrough, Readable } from 'node:stream';
import { BLOCK_BYTES, BodyNotReceivedError, joinBlocks, readBody } from './body-reader';

const chunksOf = (bytes: Buffer, size: number) => {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
};

describe(readBody.name, () => {
  const body = Buffer.from('x'.repeat(2 * BLOCK_BYTES + 12_345));

  it('receives a body into blocks of their own, announced or not', async () => {
    for (const declared of [body.length, null]) {
      const received = await readBody(Readable.from(chunksOf(body, 65_536)), declared, 10 * BLOCK_BYTES);
      expect(received.length).toBe(body.length);
      expect(joinBlocks(received).equals(body)).toBe(true);
      for (const block of received.blocks) {
        expect(block.byteOffset).toBe(0);
        expect(block.buffer.byteLength).toBe(block.length);
      }
    }
  });

  it('refuses a body over the limit with a 413, announced or found on arrival', async () => {
    await expect(readBody(Readable.from([body]), body.length, 1_000)).rejects.toMatchObject({ status: 413 });
    await expect(readBody(Readable.from(chunksOf(body, 1_000)), null, 5_000)).rejects.toMatchObject({
      status: 413,
      message: 'Request body is too large',
    });
  });

  it('refuses a body shorter than announced, and one cut off', async () => {
    await expect(readBody(Readable.from([Buffer.from('{}')]), 10, 1_000)).rejects.toMatchObject({
      status: 400,
      message: 'Invalid Content-Length header',
    });
    const cut = new PassThrough();
    const reading = readBody(cut, null, 1_000);
    cut.write('{"a":');
    cut.destroy(new Error('aborted'));
    // Told apart from the body's own problems: nobody is left to answer after authentication and admission.
    await expect(reading).rejects.toBeInstanceOf(BodyNotReceivedError);
    await expect(reading).rejects.toMatchObject({ status: 400, message: 'The request body was not received in full' });
  });
});

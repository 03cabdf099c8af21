import { GatewayError } from '@gw/common';
import { serialCursor, textCursor, timeCursor } from './cursor';

describe('cursors', () => {
  it('round-trip a time position exactly (milliseconds and id)', () => {
    const position = { createdAt: new Date('2026-11-25T10:11:12.345Z'), id: 'b1f0c2de-0000-4000-8000-000000000001' };
    const cursor = timeCursor.encode(position)!;
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(timeCursor.decode(cursor)).toEqual(position);
  });

  it('round-trip serial and text positions, and null means "no more pages"', () => {
    expect(serialCursor.decode(serialCursor.encode(9_007_199_254_740_993n)!)).toBe(9_007_199_254_740_993n);
    expect(textCursor.decode(textCursor.encode('openai/gpt-4.1-mini')!)).toBe('openai/gpt-4.1-mini');
    expect(timeCursor.encode(null)).toBeNull();
    expect(serialCursor.decode(undefined)).toBeNull();
  });

  it.each([
    ['not base64 JSON', 'garbage!'],
    ['JSON of the wrong shape', Buffer.from('{"t":"yesterday","i":"x"}').toString('base64url')],
    ['an array', Buffer.from('[1,2]').toString('base64url')],
  ])('refuses %s with a 400 naming the cursor', (_name, cursor) => {
    const attempt = () => timeCursor.decode(cursor);
    expect(attempt).toThrow(GatewayError);
    expect(attempt).toThrow(/'cursor'/);
  });

  it('refuses a serial cursor that is not a non-negative integer', () => {
    expect(() => serialCursor.decode(Buffer.from('{"i":"-1"}').toString('base64url'))).toThrow(/'cursor'/);
    expect(() => serialCursor.decode(Buffer.from('{"i":1}').toString('base64url'))).toThrow(/'cursor'/);
  });
});

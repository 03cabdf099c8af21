import { exceedsJsonNesting } from './json-nesting';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe(exceedsJsonNesting.name, () => {
  it('allows exactly maxDepth levels of objects and arrays, and refuses one more', () => {
    expect(exceedsJsonNesting(bytes(nested(64)), 64)).toBe(false);
    expect(exceedsJsonNesting(bytes(nested(65)), 64)).toBe(true);
    expect(exceedsJsonNesting(bytes('{"a":{"b":[{"c":1}]}}'), 4)).toBe(false);
    expect(exceedsJsonNesting(bytes('{"a":{"b":[{"c":1}]}}'), 3)).toBe(true);
  });

  it('counts depth, not the number of containers', () => {
    const wide = `[${Array.from({ length: 10_000 }, () => '{"a":[1]}').join(',')}]`;
    expect(exceedsJsonNesting(bytes(wide), 3)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(exceedsJsonNesting(bytes(`{"a":"${'['.repeat(100)}"}`), 1)).toBe(false);
    expect(exceedsJsonNesting(bytes(`{"a":"\\"${'{'.repeat(100)}\\\\"}`), 1)).toBe(false);
    expect(exceedsJsonNesting(bytes(`{"a\\"[[[":1}`), 1)).toBe(false);
  });

  it('is not fooled by multi-byte UTF-8 text', () => {
    expect(exceedsJsonNesting(bytes(`{"名前":"[[[ 😀 ]]]"}`), 1)).toBe(false);
  });

  it('answers the 1,500-level attack in one linear pass', () => {
    expect(exceedsJsonNesting(bytes(`{"name":${nested(1_500)}}`), 64)).toBe(true);
    expect(exceedsJsonNesting(bytes('['.repeat(5_000_000)), 64)).toBe(true);
  });
});

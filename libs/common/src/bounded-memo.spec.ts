import { BoundedMemo } from './bounded-memo';

describe(BoundedMemo.name, () => {
  it('computes a key once and gives the same value after', () => {
    const compute = jest.fn((key: string) => ({ key }));
    const memo = new BoundedMemo(10, compute);
    const first = memo.get('a');
    expect(memo.get('a')).toBe(first);
    expect(compute).toHaveBeenCalledTimes(1);
  });

  it('empties itself when full, so distinct keys never grow it past its size', () => {
    const compute = jest.fn((key: string) => key.toUpperCase());
    const memo = new BoundedMemo(2, compute);
    memo.get('a');
    memo.get('b');
    memo.get('c'); // full: emptied, then c kept
    memo.get('a'); // computed again
    memo.get('c'); // still kept
    expect(compute.mock.calls.map(([key]) => key)).toEqual(['a', 'b', 'c', 'a']);
  });
});

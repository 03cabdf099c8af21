import fc from 'fast-check';
import { channelOrder } from './channel-order';

const channel = (id: string, priority: number, weight: number) => ({ id, priority, weight });

describe(channelOrder.name, () => {
  it('tries every channel once, lower priorities first', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ priority: fc.integer({ min: 0, max: 3 }), weight: fc.integer({ min: 1, max: 10 }) }), {
          maxLength: 8,
        }),
        (specs) => {
          const channels = specs.map((spec, i) => channel(`c${i}`, spec.priority, spec.weight));
          const order = channelOrder(channels);
          expect([...order].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
            [...channels].sort((a, b) => a.id.localeCompare(b.id)),
          );
          for (let i = 1; i < order.length; i++) expect(order[i - 1].priority).toBeLessThanOrEqual(order[i].priority);
        },
      ),
    );
  });

  it('puts a channel first in proportion to its weight among equal priorities', () => {
    const channels = [channel('light', 0, 1), channel('heavy', 0, 3), channel('backup', 1, 100)];
    let seed = 42;
    // A fixed pseudo-random sequence (LCG): the test is deterministic, not a timing or luck test.
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const firsts = { light: 0, heavy: 0, backup: 0 };
    for (let i = 0; i < 10_000; i++) firsts[channelOrder(channels, random)[0].id as keyof typeof firsts]++;
    expect(firsts.backup).toBe(0);
    expect(firsts.heavy / 10_000).toBeGreaterThan(0.72);
    expect(firsts.heavy / 10_000).toBeLessThan(0.78);
  });

  it('returns a single channel as it is', () => {
    const only = [channel('only', 0, 1)];
    expect(channelOrder(only)).toBe(only);
  });
});

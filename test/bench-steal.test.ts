import { describe, expect, it } from 'vitest';
// @ts-expect-error the benchmarks' helpers are plain JavaScript without declarations
import { machineTicks, stealPercent } from '../bench/support.mjs';

type Ticks = { total: number; steal: number } | null;
const steal = stealPercent as (before: Ticks, after: Ticks) => number | null;

describe('the benchmarks read the host stealing CPU time', () => {
  it.each([
    { before: { total: 1000, steal: 10 }, after: { total: 2000, steal: 60 }, percent: 5 },
    { before: { total: 1000, steal: 10 }, after: { total: 4000, steal: 10 }, percent: 0 },
    { before: { total: 0, steal: 0 }, after: { total: 3, steal: 1 }, percent: 33.3 },
    { before: { total: 500, steal: 5 }, after: { total: 500, steal: 5 }, percent: null },
    { before: null, after: { total: 500, steal: 5 }, percent: null },
    { before: { total: 500, steal: 5 }, after: null, percent: null },
  ])('$before → $after: $percent %', ({ before, after, percent }) => {
    expect(steal(before, after)).toBe(percent);
  });

  it('reads the machine: steal within the total, both growing', async () => {
    const first = (machineTicks as () => Ticks)();
    expect(first).not.toBeNull();
    expect(first!.steal).toBeGreaterThanOrEqual(0);
    expect(first!.steal).toBeLessThanOrEqual(first!.total);
    // The total counts idle time too: any 50 ms of the machine's clock moves it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = (machineTicks as () => Ticks)()!;
    expect(second.total).toBeGreaterThan(first!.total);
    expect(second.steal).toBeGreaterThanOrEqual(first!.steal);
  });
});

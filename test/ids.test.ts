/**
 * Ids (src/domain/clock.ts): 12 hex digits of the creation time in ms, a 4-digit per-millisecond
 * sequence, 8 hex digits of randomness; never going backwards, whatever the clock does. The
 * system randomness behind them (cryptoRandom) serves small draws from a pool.
 */
import { describe, expect, it } from 'vitest';
import { cryptoRandom, idSource, newId, type Clock, type Random } from '../src/domain/clock.js';

/** A clock that answers the given times in turn, and random bytes 0, 1, 2, … in turn. */
function fixtures(times: number[]) {
  let next = 0;
  let byte = 0;
  const clock: Clock = { now: () => times[Math.min(next++, times.length - 1)]! };
  const random: Random = { bytes: (size) => Buffer.from(Array.from({ length: size }, () => byte++ & 0xff)) };
  return { clock, random };
}

const hex = (value: number, digits: number) => value.toString(16).padStart(digits, '0');
// Far ahead of the real clock, so that earlier ids of this process cannot interfere.
const T = 3_000_000_000_000;

describe('ids', () => {
  it.each([
    ['a new millisecond starts the sequence at 0', [T, T + 1], [[T, 0], [T + 1, 0]]],
    ['the same millisecond counts on', [T + 10, T + 10, T + 10], [[T + 10, 0], [T + 10, 1], [T + 10, 2]]],
    ['a clock set back keeps the last time and counts on', [T + 20, T + 5], [[T + 20, 0], [T + 20, 1]]],
  ] as const)('%s', (_, times, expected) => {
    const { clock, random } = fixtures([...times]);
    const ids = times.map(() => newId(clock, random));
    expect(ids).toEqual(expected.map(([ms, seq], i) => `${hex(ms, 12)}${hex(seq, 4)}${[0, 1, 2, 3].map((k) => hex(i * 4 + k, 2)).join('')}`));
  });

  it('moves to the next millisecond once 65,536 ids share one', () => {
    const { clock, random } = fixtures([T + 100]);
    const next = idSource(clock, random);
    const ids = Array.from({ length: 0x10001 }, () => next());
    expect(ids[0]!.slice(0, 16)).toBe(`${hex(T + 100, 12)}0000`);
    expect(ids[0xffff]!.slice(0, 16)).toBe(`${hex(T + 100, 12)}ffff`);
    expect(ids[0x10000]!.slice(0, 16)).toBe(`${hex(T + 101, 12)}0000`);
    // The random part: bytes in the order drawn, 4 per id.
    expect(ids[1]!.slice(16)).toBe('04050607');
    expect(ids.every((id) => /^[0-9a-f]{24}$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('cryptoRandom', () => {
  it.each([0, 1, 4, 256, 257, 5000])('draws %i bytes', (size) => {
    expect(cryptoRandom.bytes(size).length).toBe(size);
  });

  it('hands out bytes that later draws leave alone, and never the same bytes twice', () => {
    const first = cryptoRandom.bytes(64);
    const kept = Buffer.from(first);
    // 16-byte draws across more than two fills of the pool.
    const drawn = Array.from({ length: 600 }, () => cryptoRandom.bytes(16).toString('hex'));
    expect(first).toEqual(kept);
    expect(first.equals(Buffer.alloc(64))).toBe(false);
    expect(new Set(drawn).size).toBe(drawn.length);
    expect(drawn.every((hex) => hex !== '0'.repeat(32))).toBe(true);
  });
});

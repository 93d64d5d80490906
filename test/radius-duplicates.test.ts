/**
 * RFC 5080 duplicate detection (src/radius/duplicates.ts) on a clock the test moves: a request
 * is a retransmission for exactly the window after it was first seen, whenever expired entries
 * happen to be dropped.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DuplicateCache, KEY_ROOM, type DuplicateCacheRoom } from '../src/radius/duplicates.js';

const WINDOW_MS = 5000;

function cache() {
  const clock = { now: 1_000_000 };
  return { clock, duplicates: new DuplicateCache(WINDOW_MS, () => clock.now) };
}

describe('DuplicateCache', () => {
  it.each([
    ['at once', 0, true],
    ['1 ms before the window ends', WINDOW_MS - 1, true],
    ['as the window ends', WINDOW_MS, false],
    ['long after', 10 * WINDOW_MS, false],
  ])('a copy %s is a retransmission: %s', (_, after, seen) => {
    const { clock, duplicates } = cache();
    expect(duplicates.begin('a')).toEqual({ seen: false });
    duplicates.finish('a', Buffer.from('reply'));
    clock.now += after;
    expect(duplicates.begin('a')).toEqual(seen ? { seen: true, reply: Buffer.from('reply') } : { seen: false });
  });

  it('an expired entry not yet dropped is a new request, and starts a window of its own', () => {
    const { clock, duplicates } = cache();
    duplicates.begin('a');
    // A request 10 ms before 'a' expires drops what has expired by then (nothing).
    clock.now += WINDOW_MS - 10;
    duplicates.begin('b');
    // 'a' has expired; expired entries were dropped 20 ms ago, and are not dropped again so soon.
    clock.now += 20;
    expect(duplicates.begin('a')).toEqual({ seen: false });
    expect(duplicates.begin('b')).toEqual({ seen: true, reply: undefined });
    // 'a' now lives a full window from its second sight, 'b' from its first.
    clock.now += WINDOW_MS - 20;
    expect(duplicates.begin('a')).toEqual({ seen: true, reply: undefined });
    expect(duplicates.begin('b')).toEqual({ seen: false });
  });

  it('answers a retransmission while the first copy is handled with no reply, and forgets a failed one', () => {
    const { duplicates } = cache();
    duplicates.begin('a');
    expect(duplicates.begin('a')).toEqual({ seen: true, reply: undefined });
    duplicates.forget('a');
    expect(duplicates.begin('a')).toEqual({ seen: false });
  });

  it('drops expired entries as time passes, keeping those within the window', () => {
    const { clock, duplicates } = cache();
    for (let i = 0; i < 1000; i++) {
      duplicates.begin(`old ${i}`);
      clock.now += 1;
    }
    clock.now += WINDOW_MS;
    for (let i = 0; i < 10; i++) {
      duplicates.begin(`new ${i}`);
      clock.now += 1;
    }
    expect(duplicates.size).toBe(10);
    expect(duplicates.begin('new 0')).toEqual({ seen: true, reply: undefined });
  });

  it('gives back the reply as it was sent, every octet value and up to the largest packet, on any clock', () => {
    const clock = { now: Date.UTC(2026, 10, 27, 12, 0, 0, 123) };
    const duplicates = new DuplicateCache(WINDOW_MS, () => clock.now);
    const replies = [Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.alloc(4096, 0xff), Buffer.alloc(0)];
    replies.forEach((reply, i) => {
      duplicates.begin(`r${i}`);
      duplicates.finish(`r${i}`, reply);
    });
    clock.now += WINDOW_MS - 1;
    replies.forEach((reply, i) => expect(duplicates.begin(`r${i}`)).toEqual({ seen: true, reply }));
    clock.now += 1;
    replies.forEach((_, i) => expect(duplicates.begin(`r${i}`)).toEqual({ seen: false }));
  });
});

/** The cache's rules as plainly as they can be written: a Map, every expired entry dropped at most every 100 ms. */
class ModelCache {
  private readonly entries = new Map<string, { at: number; reply: Buffer | undefined }>();
  private prunedAt = -Infinity;

  constructor(private readonly now: () => number) {}

  begin(key: string) {
    const now = this.now();
    if (now - this.prunedAt >= 100) {
      this.prunedAt = now;
      for (const [k, entry] of this.entries) if (entry.at <= now - WINDOW_MS) this.entries.delete(k);
    }
    const found = this.entries.get(key);
    if (found && found.at > now - WINDOW_MS) return { seen: true, reply: found.reply };
    this.entries.set(key, { at: now, reply: undefined });
    return { seen: false };
  }

  finish(key: string, reply: Buffer | undefined) {
    const found = this.entries.get(key);
    if (found) found.reply = reply;
  }

  forget(key: string) {
    this.entries.delete(key);
  }

  /** Entries within the window, and all entries kept: the cache's size lies between (it may drop expired ones sooner). */
  sizes() {
    const now = this.now();
    return { live: [...this.entries.values()].filter((entry) => entry.at > now - WINDOW_MS).length, kept: this.entries.size };
  }
}

type Step =
  | { readonly op: 'begin' | 'forget'; readonly key: number }
  | { readonly op: 'finish'; readonly key: number; readonly reply: number }
  | { readonly op: 'wait'; readonly ms: number };

describe('DuplicateCache against its rules written plainly', () => {
  // Few keys, so that they come back often; replies on either side of the room kept inline (256 octets).
  const replies = [undefined, Buffer.alloc(0), Buffer.from('accept'), Buffer.alloc(256, 7), Buffer.alloc(257, 9), Buffer.alloc(4096, 1)];
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ op: fc.constantFrom('begin' as const, 'forget' as const), key: fc.nat({ max: 12 }) }),
    fc.record({ op: fc.constant('finish' as const), key: fc.nat({ max: 12 }), reply: fc.nat({ max: replies.length - 1 }) }),
    fc.record({ op: fc.constant('wait' as const), ms: fc.oneof(fc.nat({ max: 150 }), fc.integer({ min: WINDOW_MS - 200, max: WINDOW_MS + 200 })) }),
  );

  it.each<[string, DuplicateCacheRoom]>([
    ['room for 1 entry at first, growing', { capacity: 1 }],
    ['room for 4 at first, growing', { capacity: 4 }],
    ['room for 8 at most, the oldest going early', { capacity: 2, maxCapacity: 8 }],
    ['every key hashed to one of 4 places, crowding the index', { capacity: 4, hashBits: 2 }],
    ['every key hashed to the same place', { capacity: 1, hashBits: 0 }],
  ])('answers every request as they do, with %s', (_, room) => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 20, maxLength: 300, size: 'max' }), (steps) => {
        const clock = { now: 1_000_000 };
        const cache = new DuplicateCache(WINDOW_MS, () => clock.now, room);
        const model = new ModelCache(() => clock.now);
        const evicts = room.maxCapacity !== undefined;
        for (const s of steps) {
          if (s.op === 'wait') {
            clock.now += s.ms;
          } else if (s.op === 'begin') {
            const got = cache.begin(`key ${s.key}`);
            const expected = model.begin(`key ${s.key}`);
            // With room for 8 at most, the cache may have let go of an entry the model keeps: a new request then.
            if (evicts && got.seen !== expected.seen) {
              expect(got).toEqual({ seen: false });
              model.forget(`key ${s.key}`);
              model.begin(`key ${s.key}`);
            } else {
              expect(got).toEqual(expected);
            }
          } else if (s.op === 'finish') {
            cache.finish(`key ${s.key}`, replies[s.reply]);
            model.finish(`key ${s.key}`, replies[s.reply]);
          } else {
            cache.forget(`key ${s.key}`);
            model.forget(`key ${s.key}`);
          }
          const { live, kept } = model.sizes();
          if (evicts) expect(cache.size).toBeLessThanOrEqual(8);
          else expect(cache.size).toBeGreaterThanOrEqual(live);
          expect(cache.size).toBeLessThanOrEqual(kept);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a full window however many requests it holds, growing from room for one', () => {
    const clock = { now: 1_000_000 };
    const cache = new DuplicateCache(WINDOW_MS, () => clock.now, { capacity: 1 });
    for (let i = 0; i < 20_000; i++) {
      expect(cache.begin(`k${i}`)).toEqual({ seen: false });
      cache.finish(`k${i}`, Buffer.from(`reply ${i}`));
      if (i % 50 === 0) clock.now += 1;
    }
    expect(cache.size).toBe(20_000);
    for (let i = 0; i < 20_000; i += 997) expect(cache.begin(`k${i}`)).toEqual({ seen: true, reply: Buffer.from(`reply ${i}`) });
  });

  it('keeps its entries in order when it grows after its oldest went', () => {
    const clock = { now: 1_000_000 };
    const cache = new DuplicateCache(WINDOW_MS, () => clock.now, { capacity: 4 });
    ['a', 'b'].forEach((key) => cache.begin(key));
    clock.now += 1000;
    ['c', 'd'].forEach((key) => cache.begin(key));
    // a and b expire and are dropped; e–j wrap around the ring of 4, which then grows to 8.
    clock.now += WINDOW_MS - 500;
    ['e', 'f', 'g', 'h', 'i', 'j'].forEach((key) => expect(cache.begin(key)).toEqual({ seen: false }));
    expect(cache.size).toBe(8);
    ['c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].forEach((key) => expect(cache.begin(key)).toEqual({ seen: true, reply: undefined }));
    // c and d go next, in their turn.
    clock.now += 600;
    expect(cache.begin('k')).toEqual({ seen: false });
    expect(cache.size).toBe(7);
    expect(cache.begin('c')).toEqual({ seen: false });
    expect(cache.begin('e')).toEqual({ seen: true, reply: undefined });
  });

  it('lets the oldest entries go first once it holds as many as it may', () => {
    const clock = { now: 1_000_000 };
    const cache = new DuplicateCache(WINDOW_MS, () => clock.now, { capacity: 2, maxCapacity: 16 });
    for (let i = 0; i < 20; i++) cache.begin(`k${i}`);
    expect(cache.size).toBe(16);
    // k0–k3 went to make room; asking again for k0 makes room by letting k4 go.
    expect(cache.begin('k0')).toEqual({ seen: false });
    expect(cache.begin('k19')).toEqual({ seen: true, reply: undefined });
    expect(cache.begin('k5')).toEqual({ seen: true, reply: undefined });
    expect(cache.begin('k4')).toEqual({ seen: false });
  });

  it('asked for room for no entries, has room for one and grows', () => {
    const cache = new DuplicateCache(WINDOW_MS, Date.now, { capacity: 0 });
    ['a', 'b', 'c'].forEach((key) => expect(cache.begin(key)).toEqual({ seen: false }));
    ['a', 'b', 'c'].forEach((key) => expect(cache.begin(key)).toEqual({ seen: true, reply: undefined }));
  });

  it('refuses a key longer than its room', () => {
    const cache = new DuplicateCache(WINDOW_MS);
    expect(() => cache.begin('x'.repeat(KEY_ROOM + 1))).toThrow(RangeError);
    expect(cache.begin('x'.repeat(KEY_ROOM))).toEqual({ seen: false });
  });
});

describe('DuplicateCache.key', () => {
  const packet = (identifier: number, authenticator: number) => {
    const bytes = Buffer.alloc(20);
    bytes[0] = 1;
    bytes[1] = identifier;
    bytes.writeUInt16BE(20, 2);
    bytes.fill(authenticator, 4, 20);
    return bytes;
  };
  const base = DuplicateCache.key('192.0.2.10', 1645, packet(7, 0xaa));

  it.each([
    ['another address', DuplicateCache.key('192.0.2.11', 1645, packet(7, 0xaa))],
    ['an address that only starts the same', DuplicateCache.key('192.0.2.1', 1645, packet(7, 0xaa))],
    ['another port', DuplicateCache.key('192.0.2.10', 1646, packet(7, 0xaa))],
    ['another identifier', DuplicateCache.key('192.0.2.10', 1645, packet(8, 0xaa))],
    ['another Request Authenticator', DuplicateCache.key('192.0.2.10', 1645, packet(7, 0xab))],
    ['an IPv6 source', DuplicateCache.key('2001:db8::10', 1645, packet(7, 0xaa))],
  ])('differs for %s', (_, other) => {
    expect(other).not.toBe(base);
  });

  it.each([
    ['an IPv4 address', '192.0.2.10'],
    ['the longest IPv6 literal, with a zone', `${'ffff:'.repeat(5)}255.255.255.255%${'e'.repeat(15)}`],
    ['an address longer than the room', 'a'.repeat(500)],
  ])('fits the cache with %s, and tells it from another', (_, address) => {
    const key = DuplicateCache.key(address, 1645, packet(7, 0xaa));
    expect(key.length).toBeLessThanOrEqual(KEY_ROOM);
    expect(DuplicateCache.key(address, 1645, packet(7, 0xaa))).toBe(key);
    expect(DuplicateCache.key(`${address.slice(0, -1)}b`, 1645, packet(7, 0xaa))).not.toBe(key);
  });

  it('is the same for the same source, identifier and authenticator, whatever the attributes', () => {
    const longer = Buffer.concat([packet(7, 0xaa), Buffer.from([1, 6, 65, 66, 67, 68])]);
    longer.writeUInt16BE(26, 2);
    expect(DuplicateCache.key('192.0.2.10', 1645, longer)).toBe(base);
  });
});


/**
 * RFC 5080 duplicate detection (src/radius/duplicates.ts) on a clock the test moves: a request
 * is a retransmission for exactly the window after it was first seen, whenever expired entries
 * happen to be dropped.
 */
import { describe, expect, it } from 'vitest';
import { DuplicateCache } from '../src/radius/duplicates.js';

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

  it('is the same for the same source, identifier and authenticator, whatever the attributes', () => {
    const longer = Buffer.concat([packet(7, 0xaa), Buffer.from([1, 6, 65, 66, 67, 68])]);
    longer.writeUInt16BE(26, 2);
    expect(DuplicateCache.key('192.0.2.10', 1645, longer)).toBe(base);
  });
});


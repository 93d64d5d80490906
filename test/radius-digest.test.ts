/**
 * The RADIUS thread's MD5 and HMAC-MD5 (src/radius/digest.ts) hash in a buffer of their own
 * with node's one-shot `hash`: they must give node's createHash/createHmac digests for every
 * secret and length a NAS can bring, including inputs past that buffer.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacMd5, md5 } from '../src/radius/digest.js';

const nodeMd5 = (...parts: (Buffer | string)[]) => {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

const secrets: [string, string][] = [
  ['one character', 'x'],
  ['16 characters', 'bench-radius-sec'],
  ['63 octets', 'a'.repeat(63)],
  ['64 octets, one HMAC block', 'b'.repeat(64)],
  ['65 octets, hashed first', 'c'.repeat(65)],
  ['128 characters, the longest secret', 'd'.repeat(128)],
  ['128 two-octet characters', 'é'.repeat(128)],
];

const lengths = [0, 1, 20, 63, 64, 65, 4096, 8128, 8129, 8192, 8193, 20000];

describe('md5', () => {
  it.each(lengths)('matches createHash over %i octets and a secret', (length) => {
    const data = randomBytes(length);
    expect(md5(data, 'secret')).toEqual(nodeMd5(data, 'secret'));
    expect(md5('secret', data)).toEqual(nodeMd5('secret', data));
  });

  it.each(secrets)('matches createHash with a secret of %s', (_name, secret) => {
    const authenticator = randomBytes(16);
    expect(md5(secret, authenticator)).toEqual(nodeMd5(secret, authenticator));
  });

  it('hashes many parts in order, text as UTF-8', () => {
    const parts = [Buffer.from([7]), 'Código', randomBytes(16), '', Buffer.alloc(0), '代码'];
    expect(md5(...parts)).toEqual(nodeMd5(...parts));
  });

  it('gives digests that later digests do not overwrite', () => {
    const first = md5('one');
    const copy = Buffer.from(first);
    md5('two');
    hmacMd5('secret', Buffer.from('three'));
    expect(first).toEqual(copy);
    expect(first.length).toBe(16);
  });
});

describe('hmacMd5', () => {
  it.each(secrets)('matches createHmac with a secret of %s', (_name, secret) => {
    for (const length of lengths) {
      const data = randomBytes(length);
      expect(hmacMd5(secret, data), `${length} octets`).toEqual(createHmac('md5', secret).update(data).digest());
    }
  });

  it.each([100, 9000])('hashes the copy `prepare` edited and leaves the data as it was (%i octets)', (length) => {
    const data = randomBytes(length);
    const before = Buffer.from(data);
    const zeroed = Buffer.from(data);
    zeroed.fill(0, 4, 20);
    const seen: number[] = [];
    const digest = hmacMd5('secret', data, (copy) => {
      seen.push(copy.length);
      copy.fill(0, 4, 20);
    });
    expect(digest).toEqual(createHmac('md5', 'secret').update(zeroed).digest());
    expect(seen).toEqual([length]);
    expect(data).toEqual(before);
  });

  it('matches createHmac for any secret and data', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 128 }), fc.uint8Array({ maxLength: 300 }), (secret, bytes) => {
        const data = Buffer.from(bytes);
        expect(hmacMd5(secret, data)).toEqual(createHmac('md5', secret).update(data).digest());
        expect(md5(data, secret)).toEqual(nodeMd5(data, secret));
      }),
    );
  });
});

import { randomBytes } from 'node:crypto';

/** Wall-clock time in epoch milliseconds; injected so tests can pin and move it. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A source of random bytes; injected so tests can make ids and codes repeatable. */
export interface Random {
  bytes(size: number): Buffer;
}

export const cryptoRandom: Random = { bytes: (size) => randomBytes(size) };

/**
 * A 24-hex-character id, shaped like the controller's ids: four bytes of creation time in
 * seconds then eight random bytes, so ids sort roughly by creation.
 */
export function newId(clock: Clock, random: Random): string {
  const seconds = Math.floor(clock.now() / 1000) >>> 0;
  return seconds.toString(16).padStart(8, '0') + random.bytes(8).toString('hex');
}

/** Random bytes drawn at once by `idSource`: one draw serves this many ids. */
const IDS_PER_DRAW = 512;

/**
 * `newId` for many ids in a row (the vouchers of a group): the same shape, but the random bytes
 * come from one draw per 512 ids, since a draw per id costs more than the rest of an insert.
 */
export function idSource(clock: Clock, random: Random): () => string {
  let pool: Buffer = Buffer.alloc(0);
  let at = 0;
  return () => {
    if (at + 8 > pool.length) {
      pool = random.bytes(8 * IDS_PER_DRAW);
      at = 0;
    }
    const seconds = Math.floor(clock.now() / 1000) >>> 0;
    at += 8;
    return seconds.toString(16).padStart(8, '0') + pool.toString('hex', at - 8, at);
  };
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` characters drawn uniformly from [A-Za-z0-9] by rejection sampling. */
export function randomBase62(random: Random, length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of random.bytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

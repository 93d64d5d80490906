import { randomBytes, randomFillSync } from 'node:crypto';

/** Wall-clock time in epoch milliseconds; injected so tests can pin and move it. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A source of random bytes; injected so tests can make ids and codes repeatable. */
export interface Random {
  bytes(size: number): Buffer;
}

/** Bytes drawn from the system at once for small draws; each draw from it costs about 5 µs whatever its size. */
const POOL_SIZE = 4096;
/** Draws larger than this go to the system directly. */
const POOLED_UP_TO = 256;
const pool = Buffer.alloc(POOL_SIZE);
let poolAt = POOL_SIZE;

/**
 * The system's cryptographic randomness. Small draws (an id's 4 bytes, twice a redemption) are
 * served from a pool filled 4 KiB at a time; each is a copy, and its bytes are wiped from the pool
 * once handed out.
 */
export const cryptoRandom: Random = {
  bytes(size) {
    if (size > POOLED_UP_TO) return randomBytes(size);
    if (poolAt + size > POOL_SIZE) {
      randomFillSync(pool);
      poolAt = 0;
    }
    const drawn = Buffer.from(pool.subarray(poolAt, poolAt + size));
    pool.fill(0, poolAt, poolAt + size);
    poolAt += size;
    return drawn;
  },
};

/**
 * Ids are 24 hex characters, like the controller's: 6 bytes of creation time in milliseconds, a
 * 2-byte sequence that orders ids made in the same millisecond by this process, and 4 random
 * bytes. So ids sort by creation on every database, and lists can break ties of creation time by id.
 */
let lastMs = -1;
let sequence = 0;
/** lastMs as the 12 hex digits ids begin with; the thousands of ids of one group share it. */
let lastMsHex = '';

/** Each byte value as two hex digits. */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

function prefix(clock: Clock): string {
  let ms = clock.now();
  if (ms <= lastMs) {
    // Same millisecond (or a clock set back): keep counting from the last id, so ids never go backwards.
    ms = lastMs;
    sequence++;
    if (sequence > 0xffff) {
      ms = lastMs + 1;
      sequence = 0;
    }
  } else {
    sequence = 0;
  }
  if (ms !== lastMs) {
    lastMs = ms;
    lastMsHex = ms.toString(16).padStart(12, '0');
  }
  return lastMsHex + HEX[sequence >>> 8]! + HEX[sequence & 0xff]!;
}

export function newId(clock: Clock, random: Random): string {
  return prefix(clock) + random.bytes(4).toString('hex');
}

/** Random bytes drawn at once by `idSource`: one draw serves this many ids. */
const IDS_PER_DRAW = 512;

/**
 * `newId` for many ids in a row (the vouchers of a group): the same ids, but the random bytes
 * come from one draw per 512 ids, since a draw per id costs more than the rest of an insert.
 */
export function idSource(clock: Clock, random: Random): () => string {
  let pool: Buffer = Buffer.alloc(0);
  let at = 0;
  return () => {
    if (at + 4 > pool.length) {
      pool = random.bytes(4 * IDS_PER_DRAW);
      at = 0;
    }
    at += 4;
    return prefix(clock) + HEX[pool[at - 4]!]! + HEX[pool[at - 3]!]! + HEX[pool[at - 2]!]! + HEX[pool[at - 1]!]!;
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

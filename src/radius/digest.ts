import { hash } from 'node:crypto';

/**
 * MD5 and HMAC-MD5 (RFC 2104) for RADIUS's authenticators, several per packet. Each digest is
 * one call of node's one-shot `hash` over a buffer this module keeps: no Hash or Hmac object is
 * made per packet (each is a native object the garbage collector has to finalise), and the
 * digest comes back as 16 octets of pooled memory.
 */

/** Digests come back as text of one character per octet ('binary' is node's name for latin1). */
const OCTETS = 'binary';
const BLOCK = 64;
/** Room for the largest packet (4096 octets) with an HMAC key block or a secret (128 characters, UTF-8) on either side. */
const SCRATCH_LENGTH = 8192;
const scratch = Buffer.allocUnsafeSlow(SCRATCH_LENGTH);

export type Part = Buffer | string;

const partLength = (part: Part) => (typeof part === 'string' ? Buffer.byteLength(part, 'utf8') : part.length);

/** Writes `parts` one after the other at `offset` of the scratch buffer; returns where they end. */
function put(parts: readonly Part[], offset: number): number {
  for (const part of parts) offset += typeof part === 'string' ? scratch.write(part, offset, 'utf8') : part.copy(scratch, offset);
  return offset;
}

function fits(parts: readonly Part[], room: number): boolean {
  let length = 0;
  for (const part of parts) length += partLength(part);
  return length <= room;
}

/** MD5 of the parts in order, strings as UTF-8. */
export function md5(...parts: Part[]): Buffer {
  if (!fits(parts, SCRATCH_LENGTH)) return Buffer.from(hash('md5', Buffer.concat(parts.map((part) => Buffer.from(part))), OCTETS), OCTETS);
  return Buffer.from(hash('md5', scratch.subarray(0, put(parts, 0)), OCTETS), OCTETS);
}

interface KeyBlocks {
  readonly inner: Buffer;
  readonly outer: Buffer;
}

/** Key blocks by secret: a server has a few secrets and uses each for every packet of its NAS. */
const keyBlocks = new Map<string, KeyBlocks>();
const MAX_KEYS = 1024;

function blocksOf(secret: string): KeyBlocks {
  let blocks = keyBlocks.get(secret);
  if (blocks) return blocks;
  const raw = Buffer.from(secret, 'utf8');
  const key = raw.length > BLOCK ? md5(raw) : raw;
  const inner = Buffer.alloc(BLOCK, 0x36);
  const outer = Buffer.alloc(BLOCK, 0x5c);
  for (let i = 0; i < key.length; i++) {
    inner[i]! ^= key[i]!;
    outer[i]! ^= key[i]!;
  }
  blocks = { inner, outer };
  if (keyBlocks.size >= MAX_KEYS) keyBlocks.clear();
  keyBlocks.set(secret, blocks);
  return blocks;
}

/**
 * HMAC-MD5 of `data` keyed with `secret` (UTF-8). `prepare`, when given, edits the copy of `data`
 * that is hashed (it is handed exactly that copy), so a caller can zero fields without a copy of
 * its own.
 */
export function hmacMd5(secret: string, data: Buffer, prepare?: (copy: Buffer) => void): Buffer {
  const { inner, outer } = blocksOf(secret);
  if (BLOCK + data.length > SCRATCH_LENGTH) {
    const copy = Buffer.from(data);
    prepare?.(copy);
    const innerDigest = Buffer.from(hash('md5', Buffer.concat([inner, copy]), OCTETS), OCTETS);
    return Buffer.from(hash('md5', Buffer.concat([outer, innerDigest]), OCTETS), OCTETS);
  }
  inner.copy(scratch, 0);
  data.copy(scratch, BLOCK);
  prepare?.(scratch.subarray(BLOCK, BLOCK + data.length));
  const innerDigest = hash('md5', scratch.subarray(0, BLOCK + data.length), OCTETS);
  outer.copy(scratch, 0);
  scratch.write(innerDigest, BLOCK, OCTETS);
  return Buffer.from(hash('md5', scratch.subarray(0, BLOCK + 16), OCTETS), OCTETS);
}

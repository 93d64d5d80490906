import { randomBytes } from 'node:crypto';
import { md5 } from './digest.js';

/**
 * How often expired entries are dropped (ms): they go oldest first, and every request's check of
 * the oldest one would cost more than letting them stay a little past their window.
 */
const PRUNE_EVERY_MS = 100;

/** Room for a key (see `DuplicateCache.key`): port, identifier, authenticator and an address of 77 octets. */
export const KEY_ROOM = 96;
/**
 * Room for a reply kept in the cache's own memory. Accepts and rejects take 40–200 octets; a
 * larger one (a request through proxies carries Proxy-State attributes, which its reply repeats)
 * is kept as a Buffer of its own.
 */
const REPLY_ROOM = 256;

export interface DuplicateCacheRoom {
  /** Entries the cache has room for at first; it doubles when its window holds more. */
  readonly capacity?: number;
  /** Entries at most: past this the oldest entries go before their window ends. */
  readonly maxCapacity?: number;
  /** Hashes keep this many low bits (32): fewer crowd the index, as its tests want. */
  readonly hashBits?: number;
}

/**
 * Room for 4096 entries at first (1.5 MB), and for 262,144 at most (99 MB): 52,000 requests a
 * second over a 5 s window.
 */
const ROOM: Required<DuplicateCacheRoom> = { capacity: 4096, maxCapacity: 1 << 18, hashBits: 32 };

/** A slot's state: empty (never used, or its entry gone), a request being handled, or one answered. */
const EMPTY = 0;
const HANDLING = 1;
const ANSWERED = 2;

/** Keys as octets, hashed (FNV-1a from a seed of this process's own, so that nobody can choose keys that collide). */
const KEY = Buffer.allocUnsafeSlow(KEY_ROOM);
const SEED = randomBytes(4).readUInt32LE(0);

function hashKey(length: number): number {
  let hash = SEED;
  for (let i = 0; i < length; i++) hash = Math.imul(hash ^ KEY[i]!, 0x01000193);
  return hash >>> 0;
}

/** Writes `key` as octets into KEY; answers its length. */
function keyOctets(key: string): number {
  if (key.length > KEY_ROOM) throw new RangeError(`a duplicate cache key is at most ${KEY_ROOM} octets`);
  return KEY.write(key, 0, 'latin1');
}

/**
 * RFC 5080 §2.2.2 duplicate detection: a request with the same source address and port,
 * Identifier and Request Authenticator as one seen within the window is a retransmission. It is
 * answered with the reply already sent, or dropped while the first copy is still being handled,
 * and never handled twice (a retransmitted Access-Request must not take a second use).
 *
 * The entries live in typed arrays, outside the garbage-collected heap: at 5,000 requests a
 * second the window holds 25,000 of them, each outliving the RADIUS thread's young collections,
 * and as strings in a Map they made every one of those collections copy the newest (2.9 against
 * 0.4 ms of copying a collection; the thread stops meanwhile). The slots form a ring in the order
 * requests came, so that expired ones go from its oldest end; an index of open addressing (linear
 * probing) finds a key's slot.
 */
export class DuplicateCache {
  private capacity = 0;
  /** Sequence numbers of the oldest slot that may hold an entry and of the next one; a slot is its number modulo `capacity`. */
  private first = 0;
  private next = 0;
  private live = 0;
  private seenAt = new Float64Array(0);
  private state = new Uint8Array(0);
  private hashes = new Uint32Array(0);
  private keyLengths = new Uint8Array(0);
  private keys = Buffer.alloc(0);
  private replyLengths = new Uint16Array(0);
  private replies = Buffer.alloc(0);
  /** Replies longer than REPLY_ROOM, by slot. */
  private largeReplies = new Map<number, Buffer>();
  /** Slot + 1 by hash, 0 where free; at least twice the capacity (a power of two), so that probes stay short. */
  private index = new Int32Array(0);
  private prunedAt = -Infinity;
  private readonly maxCapacity: number;
  private readonly hashMask: number;

  constructor(
    private readonly windowMs = 5000,
    private readonly now: () => number = Date.now,
    room: DuplicateCacheRoom = {},
  ) {
    const { maxCapacity, hashBits } = { ...ROOM, ...room };
    const capacity = Math.max(1, room.capacity ?? ROOM.capacity);
    this.maxCapacity = Math.max(capacity, maxCapacity);
    this.hashMask = hashBits >= 32 ? 0xffffffff : 2 ** hashBits - 1;
    this.allocate(capacity);
  }

  /**
   * The request's source port, Identifier and Request Authenticator, then its source address, as
   * one string of octets. An address too long for the key's room (no IP literal is) goes in as
   * its MD5.
   */
  static key(address: string, port: number, packet: Buffer): string {
    KEY.writeUInt16BE(port, 0);
    KEY[2] = packet[1]!;
    packet.copy(KEY, 3, 4, 20);
    const length = Buffer.byteLength(address, 'utf8') <= KEY_ROOM - 19 ? 19 + KEY.write(address, 19, 'utf8') : 19 + md5(address).copy(KEY, 19);
    return KEY.toString('latin1', 0, length);
  }

  /**
   * `{ seen: false }` for a new request, which is now marked as being handled; `{ seen: true,
   * reply }` for a retransmission (reply undefined while the first copy is still being handled,
   * or when it got no answer).
   */
  begin(key: string): { seen: false } | { seen: true; reply: Buffer | undefined } {
    const now = this.now();
    this.prune(now);
    const length = keyOctets(key);
    const hash = this.hash(length);
    const found = this.find(hash, length);
    if (found >= 0) {
      if (this.seenAt[found]! > now - this.windowMs) return { seen: true, reply: this.replyOf(found) };
      // Past the window but not dropped yet: a new request, which goes last in age order.
      this.remove(found);
    }
    this.add(now, hash, length);
    return { seen: false };
  }

  /** Records the reply to a request, for its retransmissions. */
  finish(key: string, reply: Buffer | undefined): void {
    const length = keyOctets(key);
    const slot = this.find(this.hash(length), length);
    if (slot < 0) return;
    this.largeReplies.delete(slot);
    // No reply: retransmissions are dropped, as while the request was handled.
    this.state[slot] = reply ? ANSWERED : HANDLING;
    if (!reply) return;
    if (reply.length <= REPLY_ROOM) {
      this.replyLengths[slot] = reply.copy(this.replies, slot * REPLY_ROOM);
    } else {
      this.replyLengths[slot] = 0;
      this.largeReplies.set(slot, Buffer.from(reply));
    }
  }

  /** Forgets a request whose handling failed, so that a retransmission is handled anew. */
  forget(key: string): void {
    const length = keyOctets(key);
    const slot = this.find(this.hash(length), length);
    if (slot >= 0) this.remove(slot);
  }

  get size(): number {
    return this.live;
  }

  private hash(length: number): number {
    return (hashKey(length) & this.hashMask) >>> 0;
  }

  private replyOf(slot: number): Buffer | undefined {
    if (this.state[slot] !== ANSWERED) return undefined;
    const large = this.largeReplies.get(slot);
    if (large) return Buffer.from(large);
    const start = slot * REPLY_ROOM;
    return Buffer.from(this.replies.subarray(start, start + this.replyLengths[slot]!));
  }

  /** The slot holding the key now in KEY, or -1. */
  private find(hash: number, length: number): number {
    const mask = this.index.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const entry = this.index[i]!;
      if (entry === 0) return -1;
      const slot = entry - 1;
      if (this.hashes[slot] === hash && this.keyLengths[slot] === length && KEY.compare(this.keys, slot * KEY_ROOM, slot * KEY_ROOM + length, 0, length) === 0) {
        return slot;
      }
    }
  }

  /** Puts the key now in KEY in the next slot, seen at `now`. */
  private add(now: number, hash: number, length: number): void {
    if (this.next - this.first === this.capacity) this.makeRoom(now);
    const slot = this.next % this.capacity;
    this.next++;
    this.live++;
    this.seenAt[slot] = now;
    this.state[slot] = HANDLING;
    this.hashes[slot] = hash;
    this.keyLengths[slot] = length;
    KEY.copy(this.keys, slot * KEY_ROOM, 0, length);
    this.link(slot);
  }

  /** Room for one more entry: past the empty and expired oldest slots, else twice the room, else the oldest entry goes. */
  private makeRoom(now: number): void {
    this.dropOldest(now - this.windowMs);
    if (this.next - this.first < this.capacity) return;
    if (this.capacity < this.maxCapacity) {
      this.allocate(Math.min(this.capacity * 2, this.maxCapacity));
      return;
    }
    this.remove(this.first % this.capacity);
    this.first++;
  }

  private prune(now: number): void {
    if (now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    this.dropOldest(now - this.windowMs);
  }

  /** Drops entries from the oldest end while they were seen at `oldest` or before. */
  private dropOldest(oldest: number): void {
    while (this.first < this.next) {
      const slot = this.first % this.capacity;
      if (this.state[slot] !== EMPTY) {
        if (this.seenAt[slot]! > oldest) return;
        this.remove(slot);
      }
      this.first++;
    }
  }

  private remove(slot: number): void {
    this.unlink(slot);
    this.state[slot] = EMPTY;
    this.largeReplies.delete(slot);
    this.live--;
  }

  private link(slot: number): void {
    const mask = this.index.length - 1;
    let i = this.hashes[slot]! & mask;
    while (this.index[i] !== 0) i = (i + 1) & mask;
    this.index[i] = slot + 1;
  }

  /** Takes a slot out of the index, moving later entries of its run back so that no probe stops short of them. */
  private unlink(slot: number): void {
    const mask = this.index.length - 1;
    let hole = this.hashes[slot]! & mask;
    while (this.index[hole] !== slot + 1) hole = (hole + 1) & mask;
    for (let i = (hole + 1) & mask; this.index[i] !== 0; i = (i + 1) & mask) {
      const home = this.hashes[this.index[i]! - 1]! & mask;
      // The entry at i may fill the hole unless its home lies cyclically within (hole, i].
      const stays = hole <= i ? home > hole && home <= i : home > hole || home <= i;
      if (!stays) {
        this.index[hole] = this.index[i]!;
        hole = i;
      }
    }
    this.index[hole] = 0;
  }

  /** (Re)allocates every array for `capacity` slots, moving the entries there are. */
  private allocate(capacity: number): void {
    const old = {
      capacity: this.capacity,
      seenAt: this.seenAt,
      state: this.state,
      hashes: this.hashes,
      keyLengths: this.keyLengths,
      keys: this.keys,
      replyLengths: this.replyLengths,
      replies: this.replies,
      largeReplies: this.largeReplies,
    };
    this.capacity = capacity;
    this.seenAt = new Float64Array(capacity);
    this.state = new Uint8Array(capacity);
    this.hashes = new Uint32Array(capacity);
    this.keyLengths = new Uint8Array(capacity);
    this.keys = Buffer.alloc(capacity * KEY_ROOM);
    this.replyLengths = new Uint16Array(capacity);
    this.replies = Buffer.alloc(capacity * REPLY_ROOM);
    this.largeReplies = new Map();
    this.index = new Int32Array(2 ** Math.ceil(Math.log2(capacity * 2)));
    for (let sequence = this.first; sequence < this.next; sequence++) {
      const from = sequence % old.capacity;
      if (old.state[from] === EMPTY) continue;
      const to = sequence % capacity;
      this.seenAt[to] = old.seenAt[from]!;
      this.state[to] = old.state[from]!;
      this.hashes[to] = old.hashes[from]!;
      this.keyLengths[to] = old.keyLengths[from]!;
      old.keys.copy(this.keys, to * KEY_ROOM, from * KEY_ROOM, (from + 1) * KEY_ROOM);
      this.replyLengths[to] = old.replyLengths[from]!;
      old.replies.copy(this.replies, to * REPLY_ROOM, from * REPLY_ROOM, (from + 1) * REPLY_ROOM);
      const large = old.largeReplies.get(from);
      if (large) this.largeReplies.set(to, large);
      this.link(to);
    }
  }
}

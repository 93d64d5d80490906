import { MAX_PACKET_LENGTH } from './packet.js';

/**
 * How often expired entries are dropped (ms). Dropping walks the Map from its oldest entry, and a
 * Map keeps the slots of deleted entries until it is rebuilt, so a walk per request, each deleting
 * one entry, stepped over thousands of slots (10 µs a request at 3,000 a second).
 */
const PRUNE_EVERY_MS = 100;

/** Room for a key: port, identifier and authenticator, then the address (an IP literal). */
const KEY = Buffer.allocUnsafeSlow(19 + 512);
/** Room for an entry: when it was first seen (a float64), whether a reply follows, and the largest packet. */
const ENTRY = Buffer.allocUnsafeSlow(9 + MAX_PACKET_LENGTH);
const AT = new Float64Array(1);
const AT_OCTETS = new Uint8Array(AT.buffer);
const NO_REPLY = 0;
const REPLY = 1;

/**
 * An entry as one flat string of octets: when its request was first seen, then the reply when
 * there is one. A string holds no references and a young collection copies it in one piece: the
 * window's entries (25,000 at 5,000 requests a second) outlive the RADIUS thread's young
 * collections, and an object, a number and a buffer per entry, under a key built of several
 * strings, were a good part of what those collections copied.
 */
function entry(at: number, reply: Buffer | undefined): string {
  AT[0] = at;
  ENTRY.set(AT_OCTETS, 0);
  ENTRY[8] = reply ? REPLY : NO_REPLY;
  const length = reply ? 9 + reply.copy(ENTRY, 9) : 9;
  return ENTRY.toString('latin1', 0, length);
}

function seenAt(entry: string): number {
  for (let i = 0; i < 8; i++) AT_OCTETS[i] = entry.charCodeAt(i);
  return AT[0]!;
}

function replyOf(entry: string): Buffer | undefined {
  return entry.charCodeAt(8) === REPLY ? Buffer.from(entry, 'latin1').subarray(9) : undefined;
}

/**
 * RFC 5080 §2.2.2 duplicate detection: a request with the same source address and port,
 * Identifier and Request Authenticator as one seen within the window is a retransmission. It is
 * answered with the reply already sent, or dropped while the first copy is still being handled,
 * and never handled twice (a retransmitted Access-Request must not take a second use).
 */
export class DuplicateCache {
  /** Entries (see `entry`) by key. Insertion order is age order, since every entry lives the same window. */
  private readonly entries = new Map<string, string>();
  private prunedAt = -Infinity;

  constructor(
    private readonly windowMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The request's source port, Identifier and Request Authenticator, then its source address, as one string of octets. */
  static key(address: string, port: number, packet: Buffer): string {
    KEY.writeUInt16BE(port, 0);
    KEY[2] = packet[1]!;
    packet.copy(KEY, 3, 4, 20);
    const length = 19 + KEY.write(address, 19, 'utf8');
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
    const found = this.entries.get(key);
    if (found !== undefined && seenAt(found) > now - this.windowMs) return { seen: true, reply: replyOf(found) };
    // Past the window but not dropped yet: a new request, which goes last in age order.
    if (found !== undefined) this.entries.delete(key);
    this.entries.set(key, entry(now, undefined));
    return { seen: false };
  }

  /** Records the reply to a request, for its retransmissions. */
  finish(key: string, reply: Buffer | undefined): void {
    const found = this.entries.get(key);
    if (found !== undefined) this.entries.set(key, entry(seenAt(found), reply));
  }

  /** Forgets a request whose handling failed, so that a retransmission is handled anew. */
  forget(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private prune(now: number): void {
    if (now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    const oldest = now - this.windowMs;
    for (const [key, found] of this.entries) {
      if (seenAt(found) > oldest) break;
      this.entries.delete(key);
    }
  }
}

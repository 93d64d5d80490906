/**
 * How often expired entries are dropped (ms). Dropping walks the Map from its oldest entry, and a
 * Map keeps the slots of deleted entries until it is rebuilt, so a walk per request, each deleting
 * one entry, stepped over thousands of slots (10 µs a request at 3,000 a second).
 */
const PRUNE_EVERY_MS = 100;

/**
 * RFC 5080 §2.2.2 duplicate detection: a request with the same source address and port,
 * Identifier and Request Authenticator as one seen within the window is a retransmission. It is
 * answered with the reply already sent, or dropped while the first copy is still being handled,
 * and never handled twice (a retransmitted Access-Request must not take a second use).
 */
export class DuplicateCache {
  /** Insertion order is age order, since every entry lives the same window. */
  private readonly entries = new Map<string, { at: number; reply: Buffer | undefined }>();
  private prunedAt = -Infinity;

  constructor(
    private readonly windowMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  static key(address: string, port: number, packet: Buffer): string {
    return `${address}|${port}|${packet[1]}|${packet.toString('base64', 4, 20)}`;
  }

  /**
   * `{ seen: false }` for a new request, which is now marked as being handled; `{ seen: true,
   * reply }` for a retransmission (reply undefined while the first copy is still being handled,
   * or when it got no answer).
   */
  begin(key: string): { seen: false } | { seen: true; reply: Buffer | undefined } {
    const now = this.now();
    this.prune(now);
    const entry = this.entries.get(key);
    if (entry && entry.at > now - this.windowMs) return { seen: true, reply: entry.reply };
    // Past the window but not dropped yet: a new request, which goes last in age order.
    if (entry) this.entries.delete(key);
    this.entries.set(key, { at: now, reply: undefined });
    return { seen: false };
  }

  /** Records the reply to a request, for its retransmissions. */
  finish(key: string, reply: Buffer | undefined): void {
    const entry = this.entries.get(key);
    if (entry) entry.reply = reply;
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
    for (const [key, entry] of this.entries) {
      if (entry.at > oldest) break;
      this.entries.delete(key);
    }
  }
}

import { hash } from 'node:crypto';
import type { Store } from '../store/port.js';
import type { Clock } from './clock.js';
import { Errors, OmadaError } from './errors.js';

/** Counting windows are one minute long and start on the minute. */
export const RATE_WINDOW_MS = 60_000;

/**
 * One limit a request counts against: `limit` requests per window for everything sharing
 * `bucket` and `subject`, e.g. `{ bucket: 'token-client', subject: clientId, limit: 60 }`.
 * A limit of 0 (or less) is no limit, and the request is not counted against it.
 */
export interface RateRule {
  /** What is limited, e.g. `token-client`, `token-address`; front doors add their own (`radius-nas`, `portal-client`). */
  readonly bucket: string;
  /** Who is limited: a client id, an address, a MAC. Kept hashed, so any text will do. */
  readonly subject: string;
  readonly limit: number;
}

/**
 * Fixed-window rate limiting with its counters in the database, so every instance on one
 * database counts together. A request counts against every rule it is given; when any count
 * passes its limit the request is refused with −7132 (HTTP 429) and counts still, so a caller
 * that keeps knocking stays refused until the window turns.
 */
export class RateLimiter {
  /** Windows before this one are pruned already, by this process. */
  private prunedBefore = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly windowMs: number = RATE_WINDOW_MS,
  ) {}

  /** Counts one request against each rule; throws −7132 when any rule's count passes its limit. */
  async hit(rules: readonly RateRule[]): Promise<void> {
    const active = rules.filter((rule) => rule.limit > 0);
    if (active.length === 0) return;
    const now = this.clock.now();
    const windowStart = now - (now % this.windowMs);
    await this.prune(windowStart);
    const counts = await Promise.all(active.map((rule) => this.store.rateLimits.hit(bucketKey(rule), windowStart)));
    if (counts.some((count, i) => count > active[i]!.limit)) throw new OmadaError(Errors.TOO_MANY_REQUESTS);
  }

  /**
   * Forgets old windows, once per window per process. The window before the current one is
   * kept, so an instance whose clock runs a little behind does not start its window afresh.
   */
  private async prune(windowStart: number): Promise<void> {
    const before = windowStart - this.windowMs;
    if (before <= this.prunedBefore) return;
    this.prunedBefore = before;
    await this.store.rateLimits.prune(before);
  }
}

/**
 * The stored key: the bucket in clear and the subject hashed, so a key has a fixed length
 * whatever a client sends as its id, and no address or client id is kept in clear.
 */
export function bucketKey(rule: Pick<RateRule, 'bucket' | 'subject'>): string {
  return `${rule.bucket}:${hash('sha256', rule.subject)}`;
}

import type { FirstUse, SiteRecord, Store } from '../store/port.js';
import type { Clock } from './clock.js';
import { invalidField } from './errors.js';
import { localDayAfter, startOfLocalDay } from './local-time.js';

/**
 * Voucher statistics, from records kept for the purpose: the creation log (one row per group
 * ever created) and the use log (one row per use of a voucher), both of which outlive the
 * vouchers and groups they tell of, so deleting vouchers never rewrites history. Only "current"
 * and its parts (unused, in use, expired) read the vouchers that exist now.
 *
 * A voucher counts as used, and its unit price as taken, at its first use. Money is summed with
 * BigInt and leaves as a decimal string; durations are minutes, summed over the vouchers counted.
 */

/** The most local days one history answer holds. */
export const MAX_HISTORY_DAYS = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** `filters.timeStart` and `filters.timeEnd` as sent: epoch seconds, both inclusive. */
export interface TimeFilter {
  readonly timeStart: number;
  readonly timeEnd: number;
}

/** VoucherSummaryOpenApiVO. */
export interface SummaryView {
  readonly count: number;
  readonly amount: string;
  readonly duration: number;
  readonly currency?: string;
}

/** VoucherUsageOpenApiVO: one local day. */
export interface UsagePoint {
  readonly count: number;
  readonly amount: string;
  readonly currency?: string;
  /** The end of the day (the next local midnight), epoch ms. */
  readonly time: number;
  /** The day's length in seconds (82800 or 90000 on a day daylight saving moves the clocks). */
  readonly timeInterval: number;
}

export interface DurationShare {
  readonly duration: number;
  readonly durationType: number;
  readonly totalDuration: number;
  readonly usedCount: number;
}

export interface PriceShare {
  readonly unitPrice: string;
  readonly totalAmount: string;
  readonly usedCount: number;
  readonly currency?: string;
}

export interface AllTimeSummary {
  readonly created: SummaryView;
  readonly current: SummaryView;
  readonly unused: SummaryView;
  readonly inUse: SummaryView;
  readonly expired: SummaryView;
}

/** A running count with its amount and minutes, exact. */
class Tally {
  private count = 0;
  private amount = 0n;
  private duration = 0n;

  /** `count` vouchers at `unitPrice` each (none when unpriced or priced in another currency) of `duration` minutes. */
  add(count: number, unitPrice: number | undefined, duration: number): void {
    this.count += count;
    if (unitPrice !== undefined) this.amount += BigInt(unitPrice) * BigInt(count);
    this.duration += BigInt(duration) * BigInt(count);
  }

  view(currency: string | undefined): SummaryView {
    return {
      count: this.count,
      amount: this.amount.toString(),
      duration: Number(this.duration),
      ...(currency !== undefined && { currency }),
    };
  }

  point(currency: string | undefined, start: number, end: number): UsagePoint {
    return {
      count: this.count,
      amount: this.amount.toString(),
      ...(currency !== undefined && { currency }),
      time: end,
      timeInterval: Math.round((end - start) / 1000),
    };
  }
}

/** The window a time filter names, in epoch ms: [from, to). The end second counts whole. */
export function timeWindow(filter: TimeFilter): { from: number; to: number } {
  if (filter.timeStart > filter.timeEnd) {
    throw invalidField('filters.timeStart must not be later than filters.timeEnd.');
  }
  return { from: filter.timeStart * 1000, to: (filter.timeEnd + 1) * 1000 };
}

/** The local days of `timeZone` that [from, to) touches, each as [start, end). */
export function localDays(from: number, to: number, timeZone: string): { start: number; end: number }[] {
  const days: { start: number; end: number }[] = [];
  for (let start = startOfLocalDay(from, timeZone); start < to; ) {
    const end = localDayAfter(start, 1, timeZone);
    days.push({ start, end });
    start = end;
  }
  return days;
}

/** Index of the day holding `at` (days sorted, contiguous, `at` inside them). */
function dayOf(days: readonly { start: number; end: number }[], at: number): number {
  let low = 0;
  let high = days.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (days[mid]!.start <= at) low = mid;
    else high = mid - 1;
  }
  return low;
}

function page<T>(rows: readonly T[], paging: { page: number; pageSize: number } | undefined) {
  if (!paging) return { totalRows: rows.length, currentPage: 1, currentSize: rows.length, data: [...rows] };
  const start = (paging.page - 1) * paging.pageSize;
  return {
    totalRows: rows.length,
    currentPage: paging.page,
    currentSize: paging.pageSize,
    data: rows.slice(start, start + paging.pageSize),
  };
}

export class VoucherStatisticsService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /**
   * Created (every voucher ever created, deleted ones included), current (those that exist now)
   * and current split by status, for the site or, with `groupId`, one group of it.
   */
  async summary(site: SiteRecord, groupId?: string): Promise<AllTimeSummary> {
    const now = this.clock.now();
    const creations = await this.creationsOf(site, groupId);
    const currency = await this.currencyOf(site, groupId, creations);
    const counts = await this.store.statistics.statusCounts(site.id, now, groupId);
    const created = new Tally();
    for (const creation of creations) created.add(creation.count, priceIn(currency, creation), creation.duration);
    const current = new Tally();
    const byStatus = [new Tally(), new Tally(), new Tally()] as const;
    for (const row of counts) {
      const price = priceIn(currency, row);
      current.add(row.count, price, row.duration);
      byStatus[row.status]?.add(row.count, price, row.duration);
    }
    return {
      created: created.view(currency),
      current: current.view(currency),
      unused: byStatus[0].view(currency),
      inUse: byStatus[1].view(currency),
      expired: byStatus[2].view(currency),
    };
  }

  /**
   * Vouchers used (first used) in the window: in all, and per local day of the site's time zone,
   * every day the window touches present, each stamped with its end.
   */
  async history(site: SiteRecord, filter: TimeFilter, groupId?: string): Promise<{ summary: SummaryView; usage: UsagePoint[] }> {
    const { from, to } = timeWindow(filter);
    if (to - from > MAX_HISTORY_DAYS * DAY_MS) {
      throw invalidField(`filters.timeEnd must be at most ${MAX_HISTORY_DAYS} days after filters.timeStart.`);
    }
    const creations = await this.creationsOf(site, groupId);
    const currency = await this.currencyOf(site, groupId, creations);
    const uses = await this.store.statistics.firstUses(site.id, from, to, groupId);
    const days = localDays(from, to, site.timeZone);
    const tallies = days.map(() => new Tally());
    const total = new Tally();
    for (const use of uses) {
      const price = use.creation && priceIn(currency, use.creation);
      const duration = use.creation?.duration ?? 0;
      total.add(1, price, duration);
      tallies[dayOf(days, use.usedAt)]!.add(1, price, duration);
    }
    return {
      summary: total.view(currency),
      usage: days.map((day, i) => tallies[i]!.point(currency, day.start, day.end)),
    };
  }

  /** Vouchers used in the window by duration (and duration type), shortest first. */
  async byDuration(site: SiteRecord, filter: TimeFilter, groupId?: string, paging?: { page: number; pageSize: number }) {
    const uses = await this.usesIn(site, filter, groupId);
    const shares = new Map<string, { duration: number; durationType: number; usedCount: number }>();
    for (const { creation } of uses) {
      if (!creation) continue;
      const key = `${creation.duration}/${creation.durationType}`;
      const share = shares.get(key) ?? { duration: creation.duration, durationType: creation.durationType, usedCount: 0 };
      share.usedCount++;
      shares.set(key, share);
    }
    const rows: DurationShare[] = [...shares.values()]
      .sort((a, b) => a.duration - b.duration || a.durationType - b.durationType)
      .map((share) => ({ ...share, totalDuration: Number(BigInt(share.duration) * BigInt(share.usedCount)) }));
    return page(rows, paging);
  }

  /** Priced vouchers used in the window by unit price (and currency), cheapest first. */
  async byPrice(site: SiteRecord, filter: TimeFilter, groupId?: string, paging?: { page: number; pageSize: number }) {
    const uses = await this.usesIn(site, filter, groupId);
    const shares = new Map<string, { unitPrice: number; currency: string | undefined; usedCount: number }>();
    for (const { creation } of uses) {
      if (creation?.unitPrice === undefined) continue;
      const key = `${creation.unitPrice}/${creation.currency ?? ''}`;
      const share = shares.get(key) ?? { unitPrice: creation.unitPrice, currency: creation.currency, usedCount: 0 };
      share.usedCount++;
      shares.set(key, share);
    }
    const rows: PriceShare[] = [...shares.values()]
      .sort((a, b) => a.unitPrice - b.unitPrice || (a.currency ?? '').localeCompare(b.currency ?? ''))
      .map((share) => ({
        unitPrice: String(share.unitPrice),
        totalAmount: (BigInt(share.unitPrice) * BigInt(share.usedCount)).toString(),
        usedCount: share.usedCount,
        ...(share.currency !== undefined && { currency: share.currency }),
      }));
    return page(rows, paging);
  }

  private async usesIn(site: SiteRecord, filter: TimeFilter, groupId: string | undefined): Promise<FirstUse[]> {
    const { from, to } = timeWindow(filter);
    if (groupId !== undefined) await this.creationsOf(site, groupId);
    return this.store.statistics.firstUses(site.id, from, to, groupId);
  }

  /** The site's creation log, or the one entry of `groupId` (−1001 when the site never had that group). */
  private async creationsOf(site: SiteRecord, groupId: string | undefined) {
    const creations = await this.store.statistics.creations(site.id, groupId);
    if (groupId !== undefined && creations.length === 0) {
      throw invalidField('groupId does not name a voucher group of this site.');
    }
    return creations;
  }

  /**
   * The currency the figures are in: a group's own; for a site, its currency (the hotspot
   * setting, else its groups'), else that of the last group created with one.
   */
  private async currencyOf(
    site: SiteRecord,
    groupId: string | undefined,
    creations: readonly { currency: string | undefined }[],
  ): Promise<string | undefined> {
    if (groupId !== undefined) return creations[0]?.currency;
    const current = await this.store.vouchers.siteCurrency(site.id);
    if (current !== undefined) return current;
    for (let i = creations.length - 1; i >= 0; i--) if (creations[i]!.currency !== undefined) return creations[i]!.currency;
    return undefined;
  }
}

/**
 * The unit price that counts toward amounts in `currency`: none for a group priced in another
 * one (a site whose currency setting changed), whose money cannot be added to the rest.
 */
function priceIn(currency: string | undefined, group: { unitPrice: number | undefined; currency: string | undefined }) {
  if (group.currency !== undefined && currency !== undefined && group.currency !== currency) return undefined;
  return group.unitPrice;
}

import type {
  Page,
  SiteRecord,
  StoredVoucherGroup,
  Store,
  VoucherGroupRecord,
  VoucherRecord,
  VoucherSchedule,
} from '../store/port.js';
import { idSource, newId, type Clock, type Random } from './clock.js';
import { CodeDrawer, codeFormOf, DEFAULT_ALPHABET, type CodeAlphabet } from './codes.js';
import { Errors, invalidField, OmadaError } from './errors.js';
import { CURRENCIES } from './reference-data.js';
import { windowClosed } from './validity.js';

/** The most vouchers one group may hold (`config-limit`). */
export const GROUP_AMOUNT_LIMIT = 5000;
/** How far ahead a group may expire (−42063). */
export const MAX_EXPIRATION_MS = 1000 * 24 * 60 * 60 * 1000;

const CURRENCY_CODES: ReadonlySet<string> = new Set(CURRENCIES.map((currency) => currency.code));

/** A create request as its schema has already checked it: types and ranges hold. */
export interface NewVoucherGroup {
  readonly name: string;
  readonly amount: number;
  readonly codeLength: number;
  readonly codeForm: readonly number[];
  readonly limitType: number;
  readonly limitNum?: number;
  readonly durationType: number;
  readonly duration: number;
  readonly timingType: number;
  readonly rateLimit: {
    readonly mode: number;
    readonly rateLimitProfileId?: string;
    readonly customRateLimit?: {
      readonly downLimitEnable: boolean;
      readonly downLimit?: number;
      readonly upLimitEnable: boolean;
      readonly upLimit?: number;
    };
  };
  readonly trafficLimitEnable: boolean;
  readonly trafficLimit?: number;
  readonly trafficLimitFrequency?: number;
  readonly unitPrice?: number;
  readonly currency?: string;
  readonly applyToAllPortals: boolean;
  readonly portals?: readonly string[];
  readonly expirationTime?: number;
  readonly effectiveTime?: number;
  readonly logout?: boolean;
  readonly description?: string;
  readonly printComments?: string;
  readonly validityType?: number;
  readonly schedule?: VoucherSchedule;
}

export interface VoucherGroupSettings {
  readonly voucherLimitPerSite: number;
  /** The characters codes are drawn from; tests shrink it to make a code space small. */
  readonly alphabet?: CodeAlphabet;
}

export interface GroupListQuery {
  readonly page: number;
  readonly pageSize: number;
  readonly searchKey?: string | undefined;
  readonly sort?: { readonly field: 'name' | 'createTime'; readonly direction: 'asc' | 'desc' } | undefined;
  readonly timeStart?: number | undefined;
  readonly timeEnd?: number | undefined;
}

export interface VoucherListQuery {
  readonly page: number;
  readonly pageSize: number;
  readonly searchKey?: string | undefined;
  readonly status?: number | undefined;
  readonly sortCode?: 'asc' | 'desc' | undefined;
}

/** Status as a client sees it: a group whose window has closed has only expired vouchers. */
export function effectiveStatus(voucher: VoucherRecord, group: VoucherGroupRecord, now: number): number {
  if (windowClosed(group, now)) return 2;
  // An in-use voucher whose time ran out is expired, whether or not a step has written so yet.
  if (voucher.status === 1 && voucher.expiresAt !== undefined && voucher.expiresAt <= now) return 2;
  return voucher.status;
}

/** Group counters as a client sees them at `now`. */
export function groupCounts(group: StoredVoucherGroup, now: number) {
  if (windowClosed(group, now)) {
    return { unused: 0, inUse: 0, expired: group.totalCount, used: group.usedCount, total: group.totalCount };
  }
  return {
    unused: group.totalCount - group.inUseCount - group.expiredCount,
    inUse: group.inUseCount,
    expired: group.expiredCount,
    used: group.usedCount,
    total: group.totalCount,
  };
}

export type GroupCounts = ReturnType<typeof groupCounts>;

/** `count` vouchers at the unit price, exact, as the string the wire carries. */
export function amountOf(unitPrice: number | undefined, count: number): string {
  return (BigInt(unitPrice ?? 0) * BigInt(count)).toString();
}

/** The rules of a create that JSON Schema cannot say: each names the field and the rule. */
export function checkGroupRules(input: NewVoucherGroup): void {
  if ((input.limitType === 0 || input.limitType === 1) && input.limitNum === undefined) {
    throw invalidField('limitNum is required when limitType is 0 or 1.');
  }
  const { rateLimit } = input;
  if (rateLimit.mode === 1 && !rateLimit.rateLimitProfileId) {
    throw invalidField('rateLimit.rateLimitProfileId is required when rateLimit.mode is 1.');
  }
  const custom = rateLimit.customRateLimit;
  if (rateLimit.mode === 0 && custom) {
    if (custom.downLimitEnable && custom.downLimit === undefined) {
      throw invalidField('rateLimit.customRateLimit.downLimit is required when downLimitEnable is true.');
    }
    if (custom.upLimitEnable && custom.upLimit === undefined) {
      throw invalidField('rateLimit.customRateLimit.upLimit is required when upLimitEnable is true.');
    }
  }
  if (input.trafficLimitEnable && input.trafficLimit === undefined) {
    throw invalidField('trafficLimit is required when trafficLimitEnable is true.');
  }
  const validityType = input.validityType ?? 0;
  if (validityType === 1) {
    if (input.effectiveTime === undefined) throw invalidField('effectiveTime is required when validityType is 1.');
    if (input.expirationTime === undefined) throw invalidField('expirationTime is required when validityType is 1.');
    if (input.effectiveTime >= input.expirationTime) {
      throw invalidField('effectiveTime must be earlier than expirationTime.');
    }
  }
  if (validityType === 2) {
    const { schedule } = input;
    if (!schedule) throw invalidField('schedule is required when validityType is 2.');
    if (schedule.type === 0) {
      for (const field of ['dailyStartHour', 'dailyStartMin', 'dailyEndHour', 'dailyEndMin'] as const) {
        if (schedule[field] === undefined) throw invalidField(`schedule.${field} is required when schedule.type is 0.`);
      }
      if (schedule.dailyStartHour === schedule.dailyEndHour && schedule.dailyStartMin === schedule.dailyEndMin) {
        throw invalidField('schedule daily start and end must differ.');
      }
    } else if (!schedule.weeklyEnableDays || schedule.weeklyEnableDays.length === 0) {
      throw invalidField('schedule.weeklyEnableDays is required when schedule.type is 1.');
    }
  }
}

/** Voucher groups: creating them with every rule of the controller, and reading them back. */
export class VoucherGroupService {
  private readonly alphabet: CodeAlphabet;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly settings: VoucherGroupSettings,
  ) {
    this.alphabet = settings.alphabet ?? DEFAULT_ALPHABET;
  }

  /** Creates a group and its vouchers, all or nothing; answers the group id. */
  async create(site: SiteRecord, creatorName: string, request: NewVoucherGroup): Promise<string> {
    // Clients built on the controller's SDKs send "" for a currency they leave unset.
    const input = { ...request, currency: request.currency || undefined };
    checkGroupRules(input);
    const now = this.clock.now();
    if (input.currency !== undefined && !CURRENCY_CODES.has(input.currency)) {
      throw new OmadaError(Errors.CURRENCY_NOT_SUPPORTED);
    }
    const validityType = input.validityType ?? 0;
    if (validityType === 1 && input.expirationTime! - now > MAX_EXPIRATION_MS) {
      throw new OmadaError(Errors.VOUCHER_EXPIRATION_TOO_FAR);
    }
    const portalIds = input.applyToAllPortals ? [] : [...new Set(input.portals ?? [])];
    // Whether the listed portals and the profile are this site's is checked as the group is written.
    if (!input.applyToAllPortals && portalIds.length === 0) throw new OmadaError(Errors.VOUCHER_PORTAL_REQUIRED);
    const { rateLimit } = input;
    const custom = rateLimit.mode === 0 ? rateLimit.customRateLimit : undefined;
    const group: VoucherGroupRecord = {
      id: newId(this.clock, this.random),
      siteId: site.id,
      name: input.name,
      amount: input.amount,
      codeLength: input.codeLength,
      codeForm: [...input.codeForm].sort(),
      limitType: input.limitType,
      limitNum: input.limitType === 2 ? undefined : input.limitNum,
      durationType: input.durationType,
      duration: input.duration,
      timingType: input.timingType,
      rateLimit: {
        mode: rateLimit.mode,
        profileId: rateLimit.mode === 1 ? rateLimit.rateLimitProfileId : undefined,
        downLimitEnable: custom?.downLimitEnable ?? false,
        downLimit: custom?.downLimitEnable ? custom.downLimit : undefined,
        upLimitEnable: custom?.upLimitEnable ?? false,
        upLimit: custom?.upLimitEnable ? custom.upLimit : undefined,
      },
      trafficLimitEnable: input.trafficLimitEnable,
      trafficLimit: input.trafficLimitEnable ? input.trafficLimit : undefined,
      trafficLimitFrequency: input.trafficLimitEnable ? (input.trafficLimitFrequency ?? 0) : 0,
      unitPrice: input.unitPrice,
      // A group without a currency of its own takes the site's, so its amounts add up with the rest.
      currency: input.currency ?? (input.unitPrice !== undefined ? await this.store.vouchers.siteCurrency(site.id) : undefined),
      applyToAllPortals: input.applyToAllPortals,
      portalIds,
      validityType,
      effectiveTime: validityType === 1 ? input.effectiveTime : undefined,
      expirationTime: validityType === 1 ? input.expirationTime : undefined,
      schedule: validityType === 2 ? this.schedule(input.schedule!) : undefined,
      logout: input.logout ?? false,
      description: input.description,
      printComments: input.printComments,
      creatorName,
      createdAt: now,
    };
    const drawer = new CodeDrawer(this.random, input.codeLength, codeFormOf(input.codeForm), this.alphabet);
    const codes = {
      length: drawer.length,
      form: drawer.form,
      space: drawer.space,
      draw: (count: number, taken: Set<string>) => drawer.draw(count, taken),
      newId: idSource(this.clock, this.random),
    };
    await this.store.vouchers.createGroup(group, codes, { perSite: this.settings.voucherLimitPerSite, now });
    return group.id;
  }

  /** Only the fields of the schedule's own type are kept. */
  private schedule(schedule: VoucherSchedule): VoucherSchedule {
    if (schedule.type === 0) {
      return {
        type: 0,
        dailyStartHour: schedule.dailyStartHour!,
        dailyStartMin: schedule.dailyStartMin!,
        dailyEndHour: schedule.dailyEndHour!,
        dailyEndMin: schedule.dailyEndMin!,
      };
    }
    return { type: 1, weeklyEnableDays: [...new Set(schedule.weeklyEnableDays!)].sort((a, b) => a - b) };
  }

  async list(site: SiteRecord, query: GroupListQuery): Promise<Page<StoredVoucherGroup>> {
    const page = await this.store.vouchers.listGroups(site.id, {
      page: query.page,
      pageSize: query.pageSize,
      ...(query.searchKey && { searchKey: query.searchKey }),
      ...(query.sort && { sort: query.sort }),
      ...(query.timeStart !== undefined && { timeStart: query.timeStart }),
      ...(query.timeEnd !== undefined && { timeEnd: query.timeEnd }),
    });
    return { totalRows: page.totalRows, rows: await this.withDue(page.rows) };
  }

  /**
   * Counters as of now: in-use vouchers whose time ran out count as expired before a step writes so.
   * With none in use, `groups` itself (the same array for as long as the store keeps its rows).
   */
  private async withDue(groups: readonly StoredVoucherGroup[]): Promise<readonly StoredVoucherGroup[]> {
    if (!groups.some((group) => group.inUseCount > 0)) return groups;
    const inUse = groups.filter((group) => group.inUseCount > 0).map((group) => group.id);
    const due = await this.store.redemptions.dueCounts(inUse, this.clock.now());
    return groups.map((group) => {
      const n = due.get(group.id) ?? 0;
      return n === 0 ? group : { ...group, inUseCount: group.inUseCount - n, expiredCount: group.expiredCount + n };
    });
  }

  /** Each group's portal names, in the order getPortalList gives the site's portals. */
  portalNames(site: SiteRecord, groups: readonly VoucherGroupRecord[]): Promise<Map<string, string[]>> {
    return this.store.vouchers.portalNames(site.id, groups);
  }

  async group(site: SiteRecord, groupId: string): Promise<StoredVoucherGroup> {
    const group = await this.store.vouchers.getGroup(site.id, groupId);
    if (!group) throw invalidField('groupId does not name a voucher group of this site.');
    return (await this.withDue([group]))[0]!;
  }

  /** A page of a group's vouchers, with the counts of those matching the search. */
  async vouchers(group: StoredVoucherGroup, query: VoucherListQuery) {
    const now = this.clock.now();
    const closed = windowClosed(group, now);
    const searchKey = query.searchKey || undefined;
    const counted = await this.store.vouchers.countVouchers(group.id, searchKey, now);
    const counts = closed
      ? { unused: 0, inUse: 0, expired: counted.total, used: counted.used, total: counted.total }
      : {
          unused: counted.byStatus[0] ?? 0,
          inUse: counted.byStatus[1] ?? 0,
          expired: counted.byStatus[2] ?? 0,
          used: counted.used,
          total: counted.total,
        };
    // Once the window has closed every voucher reads as expired, whatever redemption left.
    const status = query.status;
    const noneMatch = closed && status !== undefined && status !== 2;
    const page = noneMatch
      ? { totalRows: 0, rows: [] }
      : await this.store.vouchers.listVouchers(group.id, {
          now,
          page: query.page,
          pageSize: query.pageSize,
          ...(searchKey && { searchKey }),
          ...(status !== undefined && !closed && { status }),
          ...(query.sortCode && { sortCode: query.sortCode }),
        });
    return { page, counts, now };
  }

  async voucher(site: SiteRecord, voucherId: string): Promise<{ voucher: VoucherRecord; group: StoredVoucherGroup }> {
    const voucher = await this.store.vouchers.getVoucher(site.id, voucherId);
    if (!voucher) throw invalidField('id does not name a voucher of this site.');
    const group = await this.group(site, voucher.groupId);
    return { voucher, group };
  }

  async currencyCandidates(site: SiteRecord): Promise<{ currencyList: string[]; selectedCurrency?: string }> {
    const selected = await this.store.vouchers.siteCurrency(site.id);
    return { currencyList: CURRENCIES.map((currency) => currency.code), ...(selected && { selectedCurrency: selected }) };
  }

  /**
   * Sets the site's voucher currency. A site whose groups already carry another currency keeps
   * them as they are; new groups must then use the new one (−42061 otherwise).
   */
  async setCurrency(site: SiteRecord, currency: string | undefined): Promise<void> {
    if (currency !== undefined && !CURRENCY_CODES.has(currency)) throw new OmadaError(Errors.CURRENCY_NOT_SUPPORTED);
    await this.store.vouchers.setSiteCurrency(site.id, currency, this.clock.now());
  }
}

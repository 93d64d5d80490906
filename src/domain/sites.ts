import type { AppRecord, DstSetting, Page, SiteRecord, SiteUpdate, Store } from '../store/port.js';
import { newId, type Clock, type Random } from './clock.js';
import { Errors, invalidField, OmadaError } from './errors.js';
import { COUNTRIES, TIME_ZONES } from './reference-data.js';

/** The scenarios a site may name (−33809 for any other). */
export const SCENARIOS = [
  'Hotel',
  'Office',
  'Home',
  'Restaurant',
  'Cafe',
  'School',
  'Shopping Mall',
  'Hospital',
  'Warehouse',
  'Campsite',
  'Other',
] as const;

const REGION_NAMES: ReadonlySet<string> = new Set(COUNTRIES.map((country) => country.name));
const TIME_ZONE_NAMES: ReadonlySet<string> = new Set(TIME_ZONES);
const SCENARIO_NAMES: ReadonlySet<string> = new Set(SCENARIOS);
/** Site ids, like every id voucherd makes: 24 lowercase hexadecimal characters. */
const SITE_ID = /^[0-9a-f]{24}$/;
/** How long a site lock outlives a process that died holding it. */
export const SITE_LOCK_TTL_MS = 10 * 60 * 1000;
const DST_OFFSETS = [1_800_000, 3_600_000, 5_400_000, 7_200_000];

export interface SiteFields {
  readonly name?: string;
  readonly type?: number;
  readonly region: string;
  readonly timeZone: string;
  readonly scenario: string;
  readonly tagIds?: readonly string[];
  readonly longitude?: number;
  readonly latitude?: number;
  readonly address?: string;
  readonly supportES?: boolean;
  readonly supportL2?: boolean;
}

export interface NewSite extends SiteFields {
  readonly name: string;
  readonly deviceAccountSetting: { readonly username: string; readonly password: string };
}

export interface SiteChange extends SiteFields {
  readonly ntpEnable?: boolean;
  readonly ntpServers?: readonly { readonly address: string }[];
  readonly dst?: DstSetting;
}

export interface SiteListQuery {
  readonly page: number;
  readonly pageSize: number;
  readonly searchKey?: string | undefined;
  readonly sortName?: string | undefined;
  readonly filterType?: string | undefined;
  readonly filterTag?: string | undefined;
}

function checkPlace(fields: SiteFields): void {
  if (!REGION_NAMES.has(fields.region)) {
    throw invalidField('region must be a country or region name from the Access Guide table 5.4.1, e.g. "United States".');
  }
  if (!TIME_ZONE_NAMES.has(fields.timeZone)) {
    throw invalidField('timeZone must be a time zone from the Access Guide table 5.1, e.g. "UTC" or "Europe/London".');
  }
  if (!SCENARIO_NAMES.has(fields.scenario)) throw new OmadaError(Errors.SCENARIO_NOT_EXIST);
}

/** The device account rules of the controller, one sentence per rule broken. */
export function checkDeviceAccount(account: { username: string; password: string }): void {
  const { username, password } = account;
  if (!/^[\x21-\x7e]{1,64}$/.test(username)) {
    throw invalidField('deviceAccountSetting.username must contain 1 to 64 printable ASCII characters without spaces.');
  }
  const field = 'deviceAccountSetting.password';
  if (password.length < 10 || password.length > 64) throw invalidField(`${field} must contain 10 to 64 characters.`);
  if (!/^[\x21\x23-\x3e\x40-\x7e]+$/.test(password)) {
    throw invalidField(`${field} may hold only printable ASCII characters other than space, " and ?.`);
  }
  if (!/[a-z]/.test(password) || !/[A-Z]/.test(password) || !/\d/.test(password) || !/[^a-zA-Z\d]/.test(password)) {
    throw invalidField(`${field} must combine uppercase letters, lowercase letters, digits and symbols.`);
  }
  if (/(.)\1/.test(password)) throw invalidField(`${field} must not contain consecutive identical characters.`);
  if (password === username) throw invalidField(`${field} must differ from the username.`);
}

function checkDst(dst: DstSetting | undefined): void {
  if (!dst?.enable || dst.mode !== 2) return;
  if (!dst.start || !dst.end) throw invalidField('dst.start and dst.end are required when dst.mode is 2.');
  if (dst.offset === undefined || !DST_OFFSETS.includes(dst.offset)) {
    throw invalidField(`dst.offset must be one of ${DST_OFFSETS.join(', ')} when dst.mode is 2.`);
  }
}

/** Sites: the places vouchers belong to, each with its region, time zone and scenario. */
export class SiteService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly siteLimit: number,
  ) {}

  async create(input: NewSite): Promise<string> {
    checkPlace(input);
    checkDeviceAccount(input.deviceAccountSetting);
    const site: SiteRecord = {
      id: newId(this.clock, this.random),
      name: input.name,
      type: input.type ?? 0,
      region: input.region,
      timeZone: input.timeZone,
      scenario: input.scenario,
      tagIds: input.tagIds ?? [],
      longitude: input.longitude,
      latitude: input.latitude,
      address: input.address,
      deviceAccount: { username: input.deviceAccountSetting.username, password: input.deviceAccountSetting.password },
      supportES: input.supportES ?? false,
      supportL2: input.supportL2 ?? false,
      ntpEnable: false,
      ntpServers: [],
      dst: undefined,
      createdAt: this.clock.now(),
      currency: undefined,
      lockedUntil: undefined,
    };
    await this.store.sites.insert(site, this.siteLimit, newId(this.clock, this.random));
    return site.id;
  }

  /** The site `id`; an id that is not 24 hexadecimal characters names no site, and the database is not asked. */
  async get(id: string): Promise<SiteRecord | undefined> {
    if (!SITE_ID.test(id)) return undefined;
    return this.store.sites.get(id);
  }

  /** The sites `app` may see: all of them, or those of its scope. */
  list(app: AppRecord, query: SiteListQuery): Promise<Page<SiteRecord>> {
    const sortName = query.sortName?.toLowerCase();
    if (sortName !== undefined && sortName !== 'asc' && sortName !== 'desc') {
      throw invalidField('sorts.name must be asc or desc.');
    }
    if (query.filterType !== undefined && query.filterType !== '0' && query.filterType !== '1') {
      throw invalidField('filters.type must be 0 or 1.');
    }
    return this.store.sites.list({
      page: query.page,
      pageSize: query.pageSize,
      ...(query.searchKey && { searchKey: query.searchKey }),
      ...(sortName && { sortName }),
      ...(query.filterType !== undefined && { type: Number(query.filterType) }),
      ...(query.filterTag && { tagId: query.filterTag }),
      ...(app.siteScope !== 'all' && { ids: app.siteScope }),
    });
  }

  /** Applies a change; fields left out stay as they are. −33000 when the site is gone. */
  async update(id: string, input: SiteChange): Promise<void> {
    checkPlace(input);
    checkDst(input.dst);
    const change: SiteUpdate = {
      region: input.region,
      timeZone: input.timeZone,
      scenario: input.scenario,
      ...(input.name !== undefined && { name: input.name }),
      ...(input.type !== undefined && { type: input.type }),
      ...(input.tagIds !== undefined && { tagIds: input.tagIds }),
      ...(input.longitude !== undefined && { longitude: input.longitude }),
      ...(input.latitude !== undefined && { latitude: input.latitude }),
      ...(input.address !== undefined && { address: input.address }),
      ...(input.supportES !== undefined && { supportES: input.supportES }),
      ...(input.supportL2 !== undefined && { supportL2: input.supportL2 }),
      ...(input.ntpEnable !== undefined && { ntpEnable: input.ntpEnable }),
      ...(input.ntpServers !== undefined && { ntpServers: input.ntpServers.map((server) => server.address) }),
      ...(input.dst !== undefined && { dst: input.dst }),
    };
    if (!(await this.store.sites.update(id, change, this.clock.now()))) throw new OmadaError(Errors.SITE_NOT_EXIST);
  }

  /**
   * Deletes a site with everything in it. The site is locked first, so writes to it answer
   * −33004 until it is gone; a lock left by a crash expires after SITE_LOCK_TTL_MS.
   */
  async delete(id: string): Promise<void> {
    const now = this.clock.now();
    if (!(await this.store.sites.lock(id, 'deletion', now, now + SITE_LOCK_TTL_MS))) {
      throw new OmadaError(Errors.SITE_BUSY);
    }
    try {
      if (!(await this.store.sites.delete(id))) throw new OmadaError(Errors.SITE_NOT_EXIST);
    } finally {
      await this.store.sites.unlock(id);
    }
  }
}

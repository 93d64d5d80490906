import type { Role } from '../domain/permissions.js';

/**
 * The narrow storage port the domain talks to. One Kysely implementation serves it, with the
 * SQL dialect chosen at construction; nothing above this line knows which database it runs on.
 * Storage failures that mean something to a client (a unique name taken, a cap reached) leave
 * the store as `OmadaError`s, never as driver errors.
 */
export type SiteScope = 'all' | readonly string[];

export interface AppRecord {
  readonly id: string;
  readonly clientId: string;
  readonly secretHash: string;
  readonly name: string;
  readonly role: Role;
  readonly siteScope: SiteScope;
  readonly createdAt: number;
}

export interface DstTime {
  readonly month: number;
  readonly serial: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

export interface DstSetting {
  readonly enable: boolean;
  readonly mode?: number;
  readonly start?: DstTime;
  readonly end?: DstTime;
  readonly offset?: number;
}

export interface SiteRecord {
  readonly id: string;
  readonly name: string;
  readonly type: number;
  readonly region: string;
  readonly timeZone: string;
  readonly scenario: string;
  readonly tagIds: readonly string[];
  readonly longitude: number | undefined;
  readonly latitude: number | undefined;
  readonly address: string | undefined;
  readonly deviceAccount: { readonly username: string; readonly password: string };
  readonly supportES: boolean;
  readonly supportL2: boolean;
  readonly ntpEnable: boolean;
  readonly ntpServers: readonly string[];
  readonly dst: DstSetting | undefined;
  readonly createdAt: number;
  /** The voucher currency chosen in the site's hotspot setting. */
  readonly currency: string | undefined;
  /** Until when a long operation holds the site (−33004 meanwhile); undefined when none does. */
  readonly lockedUntil: number | undefined;
}

export type SiteUpdate = Partial<Omit<SiteRecord, 'id' | 'createdAt' | 'deviceAccount' | 'lockedUntil'>>;

export interface SiteQuery {
  readonly page: number;
  readonly pageSize: number;
  readonly searchKey?: string;
  readonly sortName?: 'asc' | 'desc';
  readonly type?: number;
  readonly tagId?: string;
  /** Only these sites (an app scoped to a list); undefined means every site. */
  readonly ids?: readonly string[];
}

export interface Page<T> {
  readonly totalRows: number;
  readonly rows: readonly T[];
}

export interface TokenRow {
  readonly tokenHash: string;
  readonly expiresAt: number;
}

export interface SettingsRepository {
  /** The stored value of `key`, writing `value` first when there is none; safe under races. */
  getOrInit(key: string, value: string): Promise<string>;
  put(key: string, value: string): Promise<void>;
}

export interface AppRepository {
  insert(app: AppRecord): Promise<void>;
  findByClientId(clientId: string): Promise<AppRecord | undefined>;
  list(): Promise<AppRecord[]>;
  count(): Promise<number>;
  /** Changes an app; a changed role, scope or secret ends every token it holds. */
  update(clientId: string, change: { role?: Role; siteScope?: SiteScope; secretHash?: string }): Promise<boolean>;
  /** Deletes an app and every token it holds. */
  delete(clientId: string): Promise<boolean>;
}

export interface TokenRepository {
  insertPair(appId: string, access: TokenRow, refresh: TokenRow, now: number): Promise<void>;
  findAccess(tokenHash: string): Promise<{ expiresAt: number; app: AppRecord } | undefined>;
  /**
   * Spends a refresh token of `appId` and stores the new pair, atomically: of many concurrent
   * calls with one token, exactly one answers true. False: unknown, spent or expired.
   */
  rotateRefresh(appId: string, oldRefreshHash: string, access: TokenRow, refresh: TokenRow, now: number): Promise<boolean>;
  /** Forgets tokens that expired before `before`. */
  purge(before: number): Promise<void>;
}

export interface SiteRepository {
  /**
   * Inserts a site with its default rate limit profile, unless the name is taken (−33101) or
   * `limit` sites exist (−33104).
   */
  insert(site: SiteRecord, limit: number, defaultProfileId: string): Promise<void>;
  get(id: string): Promise<SiteRecord | undefined>;
  list(query: SiteQuery): Promise<Page<SiteRecord>>;
  /** Changes a site's fields; −33004 while it is locked. */
  update(id: string, change: SiteUpdate, now: number): Promise<boolean>;
  /** Deletes a site and everything in it, in one transaction. */
  delete(id: string): Promise<boolean>;
  /** Takes the site's lock until `expiresAt` unless another operation holds it; false then. */
  lock(id: string, reason: string, now: number, expiresAt: number): Promise<boolean>;
  unlock(id: string): Promise<void>;
}

export interface VoucherSchedule {
  readonly type: number;
  readonly dailyStartHour?: number;
  readonly dailyStartMin?: number;
  readonly dailyEndHour?: number;
  readonly dailyEndMin?: number;
  readonly weeklyEnableDays?: readonly number[];
}

/** A group's rate limit: its own (mode 0) or a profile's (mode 1). */
export interface RateLimitSetting {
  readonly mode: number;
  readonly profileId: string | undefined;
  readonly downLimitEnable: boolean;
  readonly downLimit: number | undefined;
  readonly upLimitEnable: boolean;
  readonly upLimit: number | undefined;
}

export interface VoucherGroupRecord {
  readonly id: string;
  readonly siteId: string;
  readonly name: string;
  readonly amount: number;
  readonly codeLength: number;
  readonly codeForm: readonly number[];
  readonly limitType: number;
  readonly limitNum: number | undefined;
  readonly durationType: number;
  readonly duration: number;
  readonly timingType: number;
  readonly rateLimit: RateLimitSetting;
  readonly trafficLimitEnable: boolean;
  readonly trafficLimit: number | undefined;
  readonly trafficLimitFrequency: number;
  /** Integer money in the currency's smallest unit as entered; never a float. */
  readonly unitPrice: number | undefined;
  readonly currency: string | undefined;
  readonly applyToAllPortals: boolean;
  readonly portalIds: readonly string[];
  readonly validityType: number;
  readonly effectiveTime: number | undefined;
  readonly expirationTime: number | undefined;
  readonly schedule: VoucherSchedule | undefined;
  readonly logout: boolean;
  readonly description: string | undefined;
  readonly printComments: string | undefined;
  readonly creatorName: string;
  readonly createdAt: number;
}

/** A group as stored, with the live counters create, delete and redemption keep. */
export interface StoredVoucherGroup extends VoucherGroupRecord {
  readonly totalCount: number;
  readonly usedCount: number;
  readonly inUseCount: number;
  readonly expiredCount: number;
  /** The limits a client gets: the group's own, or its profile's. */
  readonly effectiveRate: { readonly downLimit: number | undefined; readonly upLimit: number | undefined };
}

export interface VoucherRecord {
  readonly id: string;
  readonly groupId: string;
  readonly code: string;
  readonly createdAt: number;
  /** 0 unused, 1 in use, 2 expired, as redemption last left it. */
  readonly status: number;
  readonly used: number;
  readonly startTime: number | undefined;
  readonly timeUsedSec: number;
  readonly trafficUsed: number;
  /** When the voucher becomes expired by time alone, unless something happens first. */
  readonly expiresAt: number | undefined;
  /** Since when the voucher's shared usage clock runs (durationType 1, timingType 1). */
  readonly clockSince: number | undefined;
}

export interface VoucherGroupQuery {
  readonly page: number;
  readonly pageSize: number;
  readonly searchKey?: string;
  readonly sort?: { readonly field: 'name' | 'createTime'; readonly direction: 'asc' | 'desc' };
  readonly timeStart?: number;
  readonly timeEnd?: number;
}

export interface VoucherQuery {
  /** Statuses are as of this time: an in-use voucher whose time ran out counts as expired. */
  readonly now: number;
  readonly page: number;
  readonly pageSize: number;
  readonly searchKey?: string;
  readonly status?: number;
  readonly sortCode?: 'asc' | 'desc';
}

/** How to draw codes for a new group; the repository redraws when a code is already taken. */
export interface CodeSource {
  readonly length: number;
  /** "0", "1" or "01". */
  readonly form: string;
  /** How many codes of this length and form exist at all. */
  readonly space: number;
  draw(count: number, taken: Set<string>): string[];
  newId(): string;
}

/**
 * Which groups of a site a batch acts on (SelectVoucherGroupOpenApiVO): exactly `ids` (type 1),
 * or every group matching the filters (type 0) but those in `except` (type 2).
 */
export interface GroupSelection {
  readonly ids?: readonly string[];
  readonly except?: readonly string[];
  /** Groups whose name, or the code of a voucher of theirs, contains it, any case. */
  readonly searchKey?: string;
  /** Groups created at or after this time (epoch ms). */
  readonly createdFrom?: number;
}

/**
 * Which vouchers a batch acts on (SelectIdsOpenApiVO): exactly `ids` (type 1), or every voucher
 * matching the filters (type 0) but those in `except` (type 2); only of `groupId` when given.
 */
export interface VoucherSelection {
  readonly groupId?: string;
  readonly ids?: readonly string[];
  readonly except?: readonly string[];
  /** Codes containing it, any case. */
  readonly searchKey?: string;
  /** Status at the time of the call, as a client sees it (see effectiveStatus). */
  readonly status?: number;
}

/** What a delete did. */
export interface DeleteOutcome {
  /** Groups the selection matched (deleted, for a group delete). */
  readonly groups: number;
  readonly vouchers: number;
  /** The sessions of deleted vouchers that were still live, now ended; their gateways are to be told. */
  readonly ended: readonly SessionRecord[];
}

/** A group and the codes of it a print shows. */
export interface PrintBatch {
  readonly group: StoredVoucherGroup;
  readonly codes: readonly string[];
}

/**
 * Deleting vouchers and groups, and reading what a print shows. Each delete runs in one
 * transaction that checks the site's lock (−33004), frees the deleted codes, keeps the groups' and
 * the site's counters, and ends the deleted vouchers' open sessions; voucher_uses rows stay.
 */
export interface VoucherLifecycleRepository {
  /** Deletes the selected groups with all their vouchers. */
  deleteGroups(siteId: string, selection: GroupSelection, now: number): Promise<DeleteOutcome>;
  /** Deletes the selected vouchers; `groups` is 0 when `selection.groupId` names no group of the site. */
  deleteVouchers(siteId: string, selection: VoucherSelection, now: number): Promise<DeleteOutcome>;
  /** Deletes the expired vouchers (status 2 at `now`) of the selected groups; the groups stay. */
  deleteExpired(siteId: string, selection: GroupSelection, now: number): Promise<DeleteOutcome>;
  /** The unused vouchers' codes of the selected groups, groups newest first, codes in order. */
  unusedCodes(siteId: string, selection: GroupSelection, now: number): Promise<PrintBatch[]>;
  /** The selected vouchers' codes in order, with their group; undefined when `groupId` names no group of the site. */
  selectedCodes(siteId: string, selection: VoucherSelection & { readonly groupId: string }, now: number): Promise<PrintBatch | undefined>;
  /** The selected groups in the order an export lists them: oldest first (creation time, then id). */
  exportGroups(siteId: string, selection: GroupSelection, now: number): Promise<StoredVoucherGroup[]>;
  /**
   * The vouchers of a group in code order, `batchSize` at a time, each batch its own keyset query
   * (codes after the last one read), so no more than one batch is held however large the group.
   */
  voucherBatches(groupId: string, batchSize: number): AsyncIterable<VoucherRecord[]>;
}

export interface VoucherRepository {
  /**
   * Writes the group, its portal links and `group.amount` vouchers in one transaction, or nothing:
   * −33004 (site locked), −33732 (profile not in the site), −42062 (a portal not in the site),
   * −42059 (name taken), −42061 (another currency in the site), −42010 (site cap, or no room left
   * in the code space).
   */
  createGroup(group: VoucherGroupRecord, codes: CodeSource, limits: { readonly perSite: number; readonly now: number }): Promise<void>;
  /** The site's currency: its hotspot setting, or else the currency of its existing groups. */
  siteCurrency(siteId: string): Promise<string | undefined>;
  setSiteCurrency(siteId: string, currency: string | undefined, now: number): Promise<void>;
  listGroups(siteId: string, query: VoucherGroupQuery): Promise<Page<StoredVoucherGroup>>;
  getGroup(siteId: string, groupId: string): Promise<StoredVoucherGroup | undefined>;
  /** Names of the portals each group applies to (all the site's portals for applyToAllPortals). */
  portalNames(siteId: string, groups: readonly VoucherGroupRecord[]): Promise<Map<string, string[]>>;
  listVouchers(groupId: string, query: VoucherQuery): Promise<Page<VoucherRecord>>;
  /** Vouchers of a group matching `searchKey`, counted by status, and how many were ever used. */
  countVouchers(groupId: string, searchKey: string | undefined, now: number): Promise<{ byStatus: Record<number, number>; used: number; total: number }>;
  getVoucher(siteId: string, voucherId: string): Promise<VoucherRecord | undefined>;
}

/**
 * Fixed-window request counters shared by every instance on the database (see RateLimiter).
 * Keys are opaque to the store.
 */
export interface RateLimitRepository {
  /** Adds one to the count of `key` in the window starting at `windowStart` and answers the new count, atomically. */
  hit(key: string, windowStart: number): Promise<number>;
  /** The count of `key` summed over the windows starting at or after `fromWindowStart`. */
  count(key: string, fromWindowStart: number): Promise<number>;
  /** Keys starting with `prefix` counted in windows from `fromWindowStart` on, with the latest such window. */
  latestSince(prefix: string, fromWindowStart: number): Promise<Map<string, number>>;
  /** Forgets the counts of windows that started before `before`. */
  prune(before: number): Promise<void>;
}

/** A voucher group as it was created, from the log kept for statistics (it outlives the group). */
export interface VoucherCreation {
  readonly groupId: string;
  readonly name: string;
  /** Vouchers the group was created with. */
  readonly count: number;
  readonly unitPrice: number | undefined;
  readonly currency: string | undefined;
  /** Minutes. */
  readonly duration: number;
  readonly durationType: number;
  readonly createdAt: number;
}

/** A voucher's first use (when it counts as sold), with what its group was created at. */
export interface FirstUse {
  readonly groupId: string;
  readonly usedAt: number;
  /** Undefined, with the rest, when the group left no creation log (deleted before the log began). */
  readonly creation: Pick<VoucherCreation, 'unitPrice' | 'currency' | 'duration' | 'durationType'> | undefined;
}

/** How many of a group's existing vouchers have a status (0 unused, 1 in use, 2 expired) at a time. */
export interface StatusCount {
  readonly groupId: string;
  readonly status: number;
  readonly count: number;
  readonly unitPrice: number | undefined;
  readonly currency: string | undefined;
  readonly duration: number;
}

/**
 * What the voucher statistics read: the creation log and the use log, both kept when vouchers
 * and groups are deleted, and the vouchers that exist now. `groupId` narrows each to one group.
 */
export interface VoucherStatisticsRepository {
  /** The site's creation log, oldest first. */
  creations(siteId: string, groupId?: string): Promise<VoucherCreation[]>;
  /**
   * Vouchers of the site first used in [from, to) (epoch ms), oldest first: one per voucher, at
   * the earliest of its clients' first uses (voucher_uses keeps one per client).
   */
  firstUses(siteId: string, from: number, to: number, groupId?: string): Promise<FirstUse[]>;
  /**
   * The site's existing vouchers counted by group and status as a client sees it at `now`: an
   * in-use voucher whose time ran out, and every voucher of a group whose window closed, expired.
   */
  statusCounts(siteId: string, now: number, groupId?: string): Promise<StatusCount[]>;
}

/** A logo uploaded for printed vouchers, checked to be a PNG or JPEG of these dimensions. */
export interface VoucherLogoRecord {
  readonly id: string;
  readonly siteId: string;
  readonly fileName: string;
  readonly mediaType: 'image/png' | 'image/jpeg';
  readonly width: number;
  readonly height: number;
  readonly md5: string;
  readonly bytes: Buffer;
  readonly createdAt: number;
}

/** How a group's vouchers print (EditVoucherGroupPatternOpenApiVO as stored). */
export interface PrintPattern {
  /** 0 logo, 1 title, 2 neither. */
  readonly patternType: number;
  /** 0 left, 1 right, 2 middle. */
  readonly position: number;
  readonly logoId: string | undefined;
  readonly logoSize: number;
  readonly title: string | undefined;
  readonly titleSize: number;
  readonly durationEnable: boolean;
  readonly limitEnable: boolean;
  readonly ssidNetworkEnable: boolean;
  readonly ssidList: readonly string[];
  readonly networkList: readonly string[];
}

/** A voucher group as an option to pick (VoucherGroupOptionOpenApiVO). */
export interface VoucherGroupOption {
  readonly groupId: string;
  readonly name: string;
}

/**
 * Print patterns and logos. Writes run in one transaction that checks the site's lock (−33004).
 */
export interface VoucherPrintRepository {
  /** The site's groups as options, newest first (as the group list orders them). */
  groupOptions(siteId: string, page: number, pageSize: number): Promise<Page<VoucherGroupOption>>;
  insertLogo(logo: VoucherLogoRecord, now: number): Promise<void>;
  getLogo(siteId: string, logoId: string): Promise<VoucherLogoRecord | undefined>;
  /** The site's newest logo with these bytes, for an upload that sends only their md5. */
  findLogoByMd5(siteId: string, md5: string): Promise<VoucherLogoRecord | undefined>;
  /** The patterns of these groups that were ever edited, by group id. */
  patterns(siteId: string, groupIds: readonly string[]): Promise<Map<string, PrintPattern>>;
  /**
   * Writes a group's pattern (and, when given, its print comments) in one transaction; false when
   * the group is not the site's.
   */
  savePattern(siteId: string, groupId: string, pattern: PrintPattern, printComments: string | undefined, now: number): Promise<boolean>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly settings: SettingsRepository;
  readonly apps: AppRepository;
  readonly tokens: TokenRepository;
  readonly sites: SiteRepository;
  readonly rateLimitProfiles: RateLimitProfileRepository;
  readonly vouchers: VoucherRepository;
  readonly portals: PortalRepository;
  readonly rateLimits: RateLimitRepository;
  readonly nas: NasRepository;
  readonly redemptions: RedemptionRepository;
  readonly voucherLifecycle: VoucherLifecycleRepository;
  readonly statistics: VoucherStatisticsRepository;
  readonly voucherPrint: VoucherPrintRepository;
  migrate(): Promise<void>;
  /** Runs a trivial query; rejects when the database does not answer (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A named pair of download and upload limits (Kbps) that voucher groups of its site can use. */
export interface RateLimitProfileRecord {
  readonly id: string;
  readonly siteId: string;
  readonly name: string;
  readonly downLimitEnable: boolean;
  /** Kept only while `downLimitEnable` is true. */
  readonly downLimit: number | undefined;
  readonly upLimitEnable: boolean;
  /** Kept only while `upLimitEnable` is true. */
  readonly upLimit: number | undefined;
  /** The profile every site is created with; it cannot be deleted. */
  readonly isDefault: boolean;
  readonly createdAt: number;
}

export type RateLimitProfileChange = Pick<
  RateLimitProfileRecord,
  'name' | 'downLimitEnable' | 'downLimit' | 'upLimitEnable' | 'upLimit'
>;

export interface RateLimitProfileRepository {
  /**
   * Inserts a profile unless the site is locked (−33004), holds a profile of that name (−33733)
   * or already holds `limit` profiles, its default one included (−33734).
   */
  insert(profile: RateLimitProfileRecord, limit: number, now: number): Promise<void>;
  /** The site's profiles: the default one first, then in creation order. */
  list(siteId: string): Promise<RateLimitProfileRecord[]>;
  /** The profile `id` if it belongs to `siteId`; undefined otherwise. */
  getProfile(siteId: string, id: string): Promise<RateLimitProfileRecord | undefined>;
  /** Replaces a profile's name and limits: −33004 (site locked), −33732 (no such profile in the site), −33733 (name taken). */
  update(siteId: string, id: string, change: RateLimitProfileChange, now: number): Promise<void>;
  /**
   * Deletes a profile: −33004 (site locked), −33732 (no such profile in the site), −33736 (the
   * default profile), −33737 (a voucher group uses it).
   */
  delete(siteId: string, id: string, now: number): Promise<void>;
}

/** How long a portal keeps a client authenticated: a preset (1–7) or, with 0, a custom span. */
export interface PortalAuthTimeout {
  /** 0 custom; 1 30 minutes; 2 1 hour; 3 2 hours; 4 4 hours; 5 8 hours; 6 1 day; 7 7 days. */
  readonly authTimeout: number;
  /** Kept only while `authTimeout` is 0. */
  readonly customTimeout?: number;
  /** 1 minutes, 2 hours, 3 days; kept only while `authTimeout` is 0. */
  readonly customTimeoutUnit?: number;
}

/** A captive portal of a site: the page and rules by which its clients authenticate (vouchers among them). */
export interface PortalRecord {
  readonly id: string;
  readonly siteId: string;
  readonly name: string;
  readonly enable: boolean;
  /** 0 none, 1 simple password, 2 external RADIUS, 4 external portal, 11 hotspot, 15 LDAP. */
  readonly authType: number;
  /** The hotspot types enabled (3 voucher, 5 local user, 6 SMS, 8 RADIUS, 12 form); empty unless authType is 11. */
  readonly hotspotTypes: readonly number[];
  readonly ssidList: readonly string[];
  readonly networkList: readonly string[];
  readonly authTimeout: PortalAuthTimeout;
  readonly httpsRedirectEnable: boolean;
  /** 1 the original URL, 2 a promotional URL, 3 the logout page. */
  readonly landingPage: number;
  /** Kept only while `landingPage` is 2. */
  readonly landingUrlScheme: string | undefined;
  /** Kept only while `landingPage` is 2. */
  readonly landingUrl: string | undefined;
  readonly createdAt: number;
}

export interface PortalRepository {
  /** Inserts a portal unless the site is locked (−33004) or holds a portal of that name (−1001). */
  insert(portal: PortalRecord, now: number): Promise<void>;
  /** The site's portals in creation order. */
  list(siteId: string): Promise<PortalRecord[]>;
  /** The portal `id` if it belongs to `siteId`; undefined otherwise. */
  get(siteId: string, id: string): Promise<PortalRecord | undefined>;
  /**
   * Reads the portal, lets `change` compute its next state (a rule it breaks throws) and writes
   * that, in one transaction: −33004 (site locked), −1001 (no such portal in the site, or the new
   * name is taken).
   */
  update(siteId: string, id: string, change: (current: PortalRecord) => PortalRecord, now: number): Promise<void>;
  /** Deletes a portal and its voucher group links: −33004 (site locked), −1001 (no such portal in the site). */
  delete(siteId: string, id: string, now: number): Promise<void>;
  /**
   * The names of those of `ids` that are portals of `siteId`, by id; ids of other sites or of no
   * portal are absent, so `result.size < new Set(ids).size` means one does not exist (−42062).
   */
  namesByIds(siteId: string, ids: readonly string[]): Promise<Map<string, string>>;
}

/** A gateway allowed to ask over RADIUS, for one site. */
export interface NasRecord {
  readonly id: string;
  readonly siteId: string;
  readonly name: string;
  /** An IPv4/IPv6 address or a CIDR block, in canonical form. */
  readonly address: string;
  readonly secret: string;
  /** Access-Requests without a Message-Authenticator are dropped. */
  readonly requireMessageAuthenticator: boolean;
  /** Where RFC 5176 Disconnect-Requests go; undefined when the NAS takes none. */
  readonly disconnectPort: number | undefined;
  readonly createdAt: number;
}

export interface NasRepository {
  /** Inserts a NAS unless its address is registered already (−1001). */
  insert(nas: NasRecord): Promise<void>;
  /** Every NAS, or those of one site, in creation order. */
  list(siteId?: string): Promise<NasRecord[]>;
  get(id: string): Promise<NasRecord | undefined>;
  delete(id: string): Promise<boolean>;
}

/** A voucher as redemption reads and writes it. */
export type RedeemableVoucher = VoucherRecord;

/** A client (MAC) holding a use of a voucher: its clock and its traffic in the current period. */
export interface VoucherClient {
  readonly mac: string;
  readonly firstAuthAt: number;
  /** Online seconds of its ended sessions (timing by usage). */
  readonly timeUsedSec: number;
  /** Bytes since `trafficPeriodStart`. */
  readonly trafficUsed: number;
  readonly trafficPeriodStart: number;
  /**
   * The client's latest session on the voucher, the only one of its sessions that can be open:
   * redemption opens a session for a client only when it has none live, having ended those whose
   * time ran out. A voucher's open sessions are read through its clients' rows.
   */
  readonly sessionId: string | undefined;
}

export type SessionVia = 'radius' | 'portal' | 'admin';

/** An authorized client: live while `endedAt` is undefined and `deadline` is ahead. */
export interface SessionRecord {
  readonly id: string;
  readonly siteId: string;
  readonly voucherId: string | undefined;
  readonly groupId: string | undefined;
  readonly code: string | undefined;
  /** AA-BB-CC-DD-EE-FF. */
  readonly clientMac: string;
  /** As AuthClientOpenApiVO: 3 voucher, 10 admin. */
  readonly authType: number;
  readonly via: SessionVia;
  readonly portalId: string | undefined;
  readonly nasId: string | undefined;
  readonly ssid: string | undefined;
  readonly apMac: string | undefined;
  readonly radioId: number | undefined;
  readonly clientIp: string | undefined;
  readonly startedAt: number;
  readonly deadline: number;
  readonly endedAt: number | undefined;
  readonly endReason: string | undefined;
  readonly acctSessionId: string | undefined;
  readonly sessionTimeSec: number;
  /** From the NAS's side, as RADIUS counts them: input is the client's upload. */
  readonly inputOctets: number;
  readonly outputOctets: number;
  readonly lastAcctAt: number | undefined;
}

/**
 * A group as redemption reads it: its settings, without the counters redemption itself moves
 * (a read of the settings may be kept from one batch of redemptions to the next).
 */
export type RedemptionGroup = Omit<StoredVoucherGroup, 'totalCount' | 'usedCount' | 'inUseCount' | 'expiredCount'>;

/** Everything a redemption decides on, read in the transaction that holds the voucher. */
export interface VoucherState {
  readonly siteId: string;
  readonly timeZone: string;
  readonly group: RedemptionGroup;
  readonly voucher: RedeemableVoucher;
  readonly clients: readonly VoucherClient[];
  /** The voucher's sessions not ended yet (their deadline may have passed). */
  readonly open: readonly SessionRecord[];
}

/** A use of a voucher, kept for statistics after the voucher is gone. */
export interface VoucherUse {
  readonly clientMac: string;
  /** The client's first use of the voucher. */
  readonly firstUse: boolean;
  /** The voucher's own first use: no client had used it before. */
  readonly voucherFirst: boolean;
  readonly usedAt: number;
}

/** What a redemption step writes; the repository applies it in the same transaction. */
export interface VoucherChange {
  /** Whether the voucher's own row changed at all (a re-authentication often changes nothing). */
  readonly voucherChanged: boolean;
  readonly voucher: Pick<
    RedeemableVoucher,
    'status' | 'used' | 'startTime' | 'timeUsedSec' | 'trafficUsed' | 'expiresAt' | 'clockSince'
  >;
  /** Inserted or replaced, by MAC. */
  readonly clients: readonly VoucherClient[];
  /** Sessions this step opened. */
  readonly newSessions: readonly SessionRecord[];
  /** Sessions that exist already, replaced by id. */
  readonly sessions: readonly SessionRecord[];
  /** Added to the group's counters. */
  readonly groupDelta: { readonly used: number; readonly inUse: number; readonly expired: number };
  readonly uses: readonly VoucherUse[];
}

export type VoucherLookup = { readonly code: string } | { readonly voucherId: string };

export interface SessionQuery {
  readonly page: number;
  readonly pageSize: number;
  readonly searchKey?: string;
  readonly sort?: { readonly field: 'mac' | 'ip' | 'start' | 'end' | 'duration' | 'download' | 'upload'; readonly direction: 'asc' | 'desc' };
  /** Started in [timeStart, timeEnd] (epoch ms). */
  readonly timeStart?: number;
  readonly timeEnd?: number;
}

export interface RedemptionRepository {
  /**
   * Reads the voucher of `siteId` found by `lookup` (codes match case-insensitively) with
   * everything a redemption decides on, lets `decide` answer, and writes its change, all in one
   * transaction that holds the voucher against every other step on it (in every instance).
   * `decide` gets undefined when there is no such voucher.
   */
  withVoucher<T>(
    siteId: string,
    lookup: VoucherLookup,
    decide: (state: VoucherState | undefined) => { readonly change?: VoucherChange; readonly result: T },
  ): Promise<T>;
  getSession(siteId: string, id: string): Promise<SessionRecord | undefined>;
  /** The session a NAS's accounting names. */
  findByAcctSessionId(nasId: string, acctSessionId: string): Promise<SessionRecord | undefined>;
  /** The sessions of a client in a site that have not ended. */
  openSessionsOf(siteId: string, clientMac: string): Promise<SessionRecord[]>;
  /** The voucher sessions through a NAS of the site that have not ended. */
  openVoucherSessionsOfNas(siteId: string, nasId: string): Promise<SessionRecord[]>;
  /** Inserts or replaces a session that holds no voucher (an admin's authorization). */
  putSession(session: SessionRecord): Promise<void>;
  listSessions(siteId: string, query: SessionQuery): Promise<Page<SessionRecord>>;
  deleteSession(siteId: string, id: string): Promise<boolean>;
  /** Deletes the site's ended or expired sessions started in [from, to] matching `searchKey`; answers how many. */
  deleteInvalidSessions(siteId: string, from: number, to: number, searchKey: string | undefined, now: number): Promise<number>;
  /** Vouchers of the site with a session not ended whose deadline has passed. */
  vouchersWithSessionsDue(siteId: string, now: number): Promise<string[]>;
  /** The group's in-use vouchers whose time ran out by `now`, by group id. */
  dueCounts(groupIds: readonly string[], now: number): Promise<Map<string, number>>;
}

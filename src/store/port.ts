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

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly settings: SettingsRepository;
  readonly apps: AppRepository;
  readonly tokens: TokenRepository;
  readonly sites: SiteRepository;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

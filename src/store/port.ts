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
}

export type SiteUpdate = Partial<Omit<SiteRecord, 'id' | 'createdAt' | 'deviceAccount'>>;

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

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  close(): Promise<void>;

  /** The stored value of `key`, writing `value` first when there is none; safe under races. */
  settingOrInit(key: string, value: string): Promise<string>;

  insertApp(app: AppRecord): Promise<void>;
  findAppByClientId(clientId: string): Promise<AppRecord | undefined>;
  listApps(): Promise<AppRecord[]>;
  countApps(): Promise<number>;
  /** Changes an app; a changed role, scope or secret ends every token it holds. */
  updateApp(clientId: string, change: { role?: Role; siteScope?: SiteScope; secretHash?: string }): Promise<boolean>;
  /** Deletes an app and every token it holds. */
  deleteApp(clientId: string): Promise<boolean>;

  insertTokenPair(appId: string, access: TokenRow, refresh: TokenRow, now: number): Promise<void>;
  findAccessToken(tokenHash: string): Promise<{ expiresAt: number; app: AppRecord } | undefined>;
  /**
   * Spends a refresh token of `appId` and stores the new pair, atomically: of many concurrent
   * calls with one token, exactly one answers true. False: unknown, spent or expired.
   */
  rotateRefreshToken(
    appId: string,
    oldRefreshHash: string,
    access: TokenRow,
    refresh: TokenRow,
    now: number,
  ): Promise<boolean>;
  /** Forgets tokens that expired before `before`. */
  purgeTokens(before: number): Promise<void>;

  /** Inserts a site unless its name is taken (−33101) or `limit` sites exist (−33104). */
  insertSite(site: SiteRecord, limit: number): Promise<void>;
  getSite(id: string): Promise<SiteRecord | undefined>;
  listSites(query: SiteQuery): Promise<Page<SiteRecord>>;
  updateSite(id: string, change: SiteUpdate): Promise<boolean>;
  deleteSite(id: string): Promise<boolean>;
}

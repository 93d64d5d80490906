import { Kysely, Migrator, sql, type Migration, type Selectable, type Transaction } from 'kysely';
import { Errors, OmadaError } from '../domain/errors.js';
import type { Role } from '../domain/permissions.js';
import { foundation } from './migrations/001-foundation.js';
import type { AppRecord, Page, SiteQuery, SiteRecord, SiteScope, SiteUpdate, Store, TokenRow } from './port.js';
import type { Database } from './schema.js';

const MIGRATIONS: Record<string, Migration> = {
  '001-foundation': foundation,
};

/** SQLite and PostgreSQL report a unique-key violation differently; both mean "taken". */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

const flag = (value: boolean): number => (value ? 1 : 0);
const optional = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

function toApp(row: Selectable<Database['apps']>): AppRecord {
  return {
    id: row.id,
    clientId: row.client_id,
    secretHash: row.secret_hash,
    name: row.name,
    role: row.role as Role,
    siteScope: row.all_sites ? 'all' : (JSON.parse(row.site_ids) as string[]),
    createdAt: Number(row.created_at),
  };
}

function toSite(row: Selectable<Database['sites']>): SiteRecord {
  return {
    id: row.id,
    name: row.name,
    type: Number(row.type),
    region: row.region,
    timeZone: row.time_zone,
    scenario: row.scenario,
    tagIds: JSON.parse(row.tag_ids) as string[],
    longitude: optional(row.longitude),
    latitude: optional(row.latitude),
    address: optional(row.address),
    deviceAccount: { username: row.device_username, password: row.device_password },
    supportES: Boolean(row.support_es),
    supportL2: Boolean(row.support_l2),
    ntpEnable: Boolean(row.ntp_enable),
    ntpServers: JSON.parse(row.ntp_servers) as string[],
    dst: row.dst === null ? undefined : JSON.parse(row.dst),
    createdAt: Number(row.created_at),
  };
}

function siteColumns(change: SiteUpdate): Partial<Database['sites']> {
  const columns: Partial<Database['sites']> = {};
  if (change.name !== undefined) columns.name = change.name;
  if (change.type !== undefined) columns.type = change.type;
  if (change.region !== undefined) columns.region = change.region;
  if (change.timeZone !== undefined) columns.time_zone = change.timeZone;
  if (change.scenario !== undefined) columns.scenario = change.scenario;
  if (change.tagIds !== undefined) columns.tag_ids = JSON.stringify(change.tagIds);
  if ('longitude' in change) columns.longitude = change.longitude ?? null;
  if ('latitude' in change) columns.latitude = change.latitude ?? null;
  if ('address' in change) columns.address = change.address ?? null;
  if (change.supportES !== undefined) columns.support_es = flag(change.supportES);
  if (change.supportL2 !== undefined) columns.support_l2 = flag(change.supportL2);
  if (change.ntpEnable !== undefined) columns.ntp_enable = flag(change.ntpEnable);
  if (change.ntpServers !== undefined) columns.ntp_servers = JSON.stringify(change.ntpServers);
  if ('dst' in change) columns.dst = change.dst === undefined ? null : JSON.stringify(change.dst);
  return columns;
}

/** `%`, `_` and `\` in a search key match themselves. */
function likePattern(searchKey: string): string {
  return `%${searchKey.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class KyselyStore implements Store {
  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: 'sqlite' | 'postgres',
  ) {}

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: { getMigrations: async () => MIGRATIONS } });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  async settingOrInit(key: string, value: string): Promise<string> {
    await this.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
    return row.value;
  }

  async insertApp(app: AppRecord): Promise<void> {
    await this.db
      .insertInto('apps')
      .values({
        id: app.id,
        client_id: app.clientId,
        secret_hash: app.secretHash,
        name: app.name,
        role: app.role,
        all_sites: flag(app.siteScope === 'all'),
        site_ids: JSON.stringify(app.siteScope === 'all' ? [] : app.siteScope),
        created_at: app.createdAt,
      })
      .execute();
  }

  async findAppByClientId(clientId: string): Promise<AppRecord | undefined> {
    const row = await this.db.selectFrom('apps').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return row && toApp(row);
  }

  async listApps(): Promise<AppRecord[]> {
    const rows = await this.db.selectFrom('apps').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(toApp);
  }

  async countApps(): Promise<number> {
    const row = await this.db
      .selectFrom('apps')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async updateApp(
    clientId: string,
    change: { role?: Role; siteScope?: SiteScope; secretHash?: string },
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const app = await trx.selectFrom('apps').select('id').where('client_id', '=', clientId).executeTakeFirst();
      if (!app) return false;
      const columns: Partial<Database['apps']> = {};
      if (change.role !== undefined) columns.role = change.role;
      if (change.secretHash !== undefined) columns.secret_hash = change.secretHash;
      if (change.siteScope !== undefined) {
        columns.all_sites = flag(change.siteScope === 'all');
        columns.site_ids = JSON.stringify(change.siteScope === 'all' ? [] : change.siteScope);
      }
      if (Object.keys(columns).length === 0) return true;
      await trx.updateTable('apps').set(columns).where('id', '=', app.id).execute();
      await this.endTokens(trx, app.id);
      return true;
    });
  }

  async deleteApp(clientId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const app = await trx.selectFrom('apps').select('id').where('client_id', '=', clientId).executeTakeFirst();
      if (!app) return false;
      await this.endTokens(trx, app.id);
      await trx.deleteFrom('apps').where('id', '=', app.id).execute();
      return true;
    });
  }

  private async endTokens(trx: Transaction<Database>, appId: string): Promise<void> {
    await trx.deleteFrom('access_tokens').where('app_id', '=', appId).execute();
    await trx.deleteFrom('refresh_tokens').where('app_id', '=', appId).execute();
  }

  async insertTokenPair(appId: string, access: TokenRow, refresh: TokenRow, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.insertPair(trx, appId, access, refresh, now);
    });
  }

  private async insertPair(
    trx: Transaction<Database>,
    appId: string,
    access: TokenRow,
    refresh: TokenRow,
    now: number,
  ): Promise<void> {
    await trx
      .insertInto('access_tokens')
      .values({ token_hash: access.tokenHash, app_id: appId, expires_at: access.expiresAt, created_at: now })
      .execute();
    await trx
      .insertInto('refresh_tokens')
      .values({
        token_hash: refresh.tokenHash,
        app_id: appId,
        expires_at: refresh.expiresAt,
        used_at: null,
        created_at: now,
      })
      .execute();
  }

  async findAccessToken(tokenHash: string): Promise<{ expiresAt: number; app: AppRecord } | undefined> {
    const row = await this.db
      .selectFrom('access_tokens as t')
      .innerJoin('apps as a', 'a.id', 't.app_id')
      .selectAll('a')
      .select('t.expires_at as token_expires_at')
      .where('t.token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!row) return undefined;
    const { token_expires_at, ...app } = row;
    return { expiresAt: Number(token_expires_at), app: toApp(app) };
  }

  async rotateRefreshToken(
    appId: string,
    oldRefreshHash: string,
    access: TokenRow,
    refresh: TokenRow,
    now: number,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // The guarded update is the single point of decision: only one caller flips used_at.
      const spent = await trx
        .updateTable('refresh_tokens')
        .set({ used_at: now })
        .where('token_hash', '=', oldRefreshHash)
        .where('app_id', '=', appId)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (Number(spent.numUpdatedRows) !== 1) return false;
      await this.insertPair(trx, appId, access, refresh, now);
      return true;
    });
  }

  async purgeTokens(before: number): Promise<void> {
    await this.db.deleteFrom('access_tokens').where('expires_at', '<', before).execute();
    await this.db.deleteFrom('refresh_tokens').where('expires_at', '<', before).execute();
  }

  async insertSite(site: SiteRecord, limit: number): Promise<void> {
    try {
      await this.db.transaction().execute(async (trx) => {
        const { n } = await trx
          .selectFrom('sites')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        if (Number(n) >= limit) throw new OmadaError(Errors.SITE_LIMIT_REACHED);
        await trx
          .insertInto('sites')
          .values({
            id: site.id,
            name: site.name,
            type: site.type,
            region: site.region,
            time_zone: site.timeZone,
            scenario: site.scenario,
            tag_ids: JSON.stringify(site.tagIds),
            longitude: site.longitude ?? null,
            latitude: site.latitude ?? null,
            address: site.address ?? null,
            device_username: site.deviceAccount.username,
            device_password: site.deviceAccount.password,
            support_es: flag(site.supportES),
            support_l2: flag(site.supportL2),
            ntp_enable: flag(site.ntpEnable),
            ntp_servers: JSON.stringify(site.ntpServers),
            dst: site.dst === undefined ? null : JSON.stringify(site.dst),
            created_at: site.createdAt,
          })
          .execute();
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new OmadaError(Errors.SITE_NAME_EXISTS);
      throw error;
    }
  }

  async getSite(id: string): Promise<SiteRecord | undefined> {
    const row = await this.db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSite(row);
  }

  async listSites(query: SiteQuery): Promise<Page<SiteRecord>> {
    let base = this.db.selectFrom('sites');
    if (query.ids !== undefined) {
      if (query.ids.length === 0) return { totalRows: 0, rows: [] };
      base = base.where('id', 'in', [...query.ids]);
    }
    if (query.searchKey) {
      base = base.where(sql<boolean>`lower(name) like ${likePattern(query.searchKey)} escape '\\'`);
    }
    if (query.type !== undefined) base = base.where('type', '=', query.type);
    if (query.tagId !== undefined) base = base.where('tag_ids', 'like', `%${JSON.stringify(query.tagId)}%`);

    const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    let rows = base.selectAll();
    rows = query.sortName ? rows.orderBy('name', query.sortName) : rows;
    const page = await rows
      .orderBy('created_at')
      .orderBy('id')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .execute();
    return { totalRows: Number(n), rows: page.map(toSite) };
  }

  async updateSite(id: string, change: SiteUpdate): Promise<boolean> {
    const columns = siteColumns(change);
    try {
      if (Object.keys(columns).length === 0) return (await this.getSite(id)) !== undefined;
      const result = await this.db.updateTable('sites').set(columns).where('id', '=', id).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    } catch (error) {
      if (isUniqueViolation(error)) throw new OmadaError(Errors.SITE_NAME_EXISTS);
      throw error;
    }
  }

  async deleteSite(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('sites').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}

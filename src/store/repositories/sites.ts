import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import { Errors, OmadaError } from '../../domain/errors.js';
import type { Page, SiteQuery, SiteRecord, SiteRepository, SiteUpdate } from '../port.js';
import { PreparedQuery } from '../prepared-query.js';
import { assertSiteUnlocked } from '../site-lock.js';
import type { Database } from '../schema.js';
import { containsIgnoringCase, type Dialect, flag, insertionOrder, isUniqueViolation, optional, serializeOn } from '../sql-helpers.js';

function toSite(row: Selectable<Database['sites']> & { locked_until: number | null }): SiteRecord {
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
    currency: optional(row.currency),
    lockedUntil: row.locked_until === null ? undefined : Number(row.locked_until),
  };
}

function siteColumns(change: SiteUpdate): Updateable<Database['sites']> {
  const columns: Updateable<Database['sites']> = {};
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
  if ('currency' in change) columns.currency = change.currency ?? null;
  return columns;
}

export class KyselySiteRepository implements SiteRepository {
  /** Every request on a site asks this; its rows may be reused while the database is unchanged. */
  readonly #get = new PreparedQuery(
    (db, slot) =>
      db
        .selectFrom('sites')
        .leftJoin('site_locks', 'site_locks.site_id', 'sites.id')
        .selectAll('sites')
        .select('site_locks.expires_at as locked_until')
        .where('sites.id', '=', slot<string>('id')),
    { reuseRows: true },
  );

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  async insert(site: SiteRecord, limit: number, defaultProfileId: string): Promise<void> {
    try {
      await this.db.transaction().execute(async (trx) => {
        await serializeOn(trx, this.dialect, 'voucherd:site-cap');
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
            currency: site.currency ?? null,
            // The next number; serialized with every other site insert above.
            number: sql<number>`(select coalesce(max(number), 0) + 1 from sites)`,
          })
          .execute();
        await trx
          .insertInto('rate_limit_profiles')
          .values({
            id: defaultProfileId,
            site_id: site.id,
            name: 'Default',
            down_enable: 0,
            down_limit: null,
            up_enable: 0,
            up_limit: null,
            is_default: 1,
            created_at: site.createdAt,
          })
          .execute();
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new OmadaError(Errors.SITE_NAME_EXISTS);
      throw error;
    }
  }

  /** Sites with the expiry of their lock, if one is held. */
  private withLock() {
    return this.db
      .selectFrom('sites')
      .leftJoin('site_locks', 'site_locks.site_id', 'sites.id')
      .selectAll('sites')
      .select('site_locks.expires_at as locked_until');
  }

  async get(id: string): Promise<SiteRecord | undefined> {
    const [row] = await this.#get.execute(this.db, { id });
    return row && toSite(row);
  }

  async list(query: SiteQuery): Promise<Page<SiteRecord>> {
    let base = this.withLock();
    if (query.ids !== undefined) {
      if (query.ids.length === 0) return { totalRows: 0, rows: [] };
      base = base.where('sites.id', 'in', [...query.ids]);
    }
    if (query.searchKey) {
      base = base.where(containsIgnoringCase('sites.name', query.searchKey));
    }
    if (query.type !== undefined) base = base.where('sites.type', '=', query.type);
    if (query.tagId !== undefined) base = base.where(this.holdsTag(query.tagId));

    const { n } = await base
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    let rows = base;
    rows = query.sortName ? rows.orderBy('sites.name', query.sortName) : rows;
    const page = await rows
      .orderBy('sites.created_at')
      .orderBy(insertionOrder('sites'))
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .execute();
    return { totalRows: Number(n), rows: page.map(toSite) };
  }

  /** Sites whose tag list holds exactly `tagId`: no LIKE wildcards, case as written. */
  private holdsTag(tagId: string) {
    return this.dialect === 'sqlite'
      ? sql<boolean>`exists (select 1 from json_each(sites.tag_ids) where json_each.value = ${tagId})`
      : sql<boolean>`sites.tag_ids::jsonb @> jsonb_build_array(${tagId}::text)`;
  }


  async update(id: string, change: SiteUpdate, now: number): Promise<boolean> {
    const columns = siteColumns(change);
    try {
      return await this.db.transaction().execute(async (trx) => {
        await assertSiteUnlocked(trx, id, now);
        if (Object.keys(columns).length === 0) {
          return (await trx.selectFrom('sites').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
        }
        const result = await trx.updateTable('sites').set(columns).where('id', '=', id).executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new OmadaError(Errors.SITE_NAME_EXISTS);
      throw error;
    }
  }

  async delete(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // Vouchers, groups, portals and profiles go with the site through their foreign keys.
      const result = await trx.deleteFrom('sites').where('id', '=', id).executeTakeFirst();
      await trx.deleteFrom('site_locks').where('site_id', '=', id).execute();
      return Number(result.numDeletedRows) === 1;
    });
  }

  async lock(id: string, reason: string, now: number, expiresAt: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // A lock left by a process that died expires; it is replaced rather than waited on.
      await trx.deleteFrom('site_locks').where('site_id', '=', id).where('expires_at', '<=', now).execute();
      const taken = await trx
        .insertInto('site_locks')
        .values({ site_id: id, reason, locked_at: now, expires_at: expiresAt })
        .onConflict((oc) => oc.column('site_id').doNothing())
        .executeTakeFirst();
      return Number(taken.numInsertedOrUpdatedRows) === 1;
    });
  }

  async unlock(id: string): Promise<void> {
    await this.db.deleteFrom('site_locks').where('site_id', '=', id).execute();
  }
}

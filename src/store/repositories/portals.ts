import { type Kysely, type Selectable, type Transaction } from 'kysely';
import { Errors, OmadaError } from '../../domain/errors.js';
import type { PortalAuthTimeout, PortalRecord, PortalRepository } from '../port.js';
import type { Database } from '../schema.js';
import { assertSiteUnlocked } from '../site-lock.js';
import { type Dialect, flag, insertionOrder, isUniqueViolation } from '../sql-helpers.js';

/** What the `settings` JSON column holds: every kept field that has no column of its own. */
interface StoredSettings {
  ssidList: string[];
  networkList: string[];
  authTimeout: PortalAuthTimeout;
  httpsRedirectEnable: boolean;
  landingPage: number;
  landingUrlScheme?: string;
  landingUrl?: string;
}

function toPortal(row: Selectable<Database['portals']>): PortalRecord {
  const settings = JSON.parse(row.settings) as StoredSettings;
  return {
    id: row.id,
    siteId: row.site_id,
    name: row.name,
    enable: Boolean(row.enable),
    authType: Number(row.auth_type),
    hotspotTypes: JSON.parse(row.hotspot_types) as number[],
    ssidList: settings.ssidList,
    networkList: settings.networkList,
    authTimeout: settings.authTimeout,
    httpsRedirectEnable: settings.httpsRedirectEnable,
    landingPage: settings.landingPage,
    landingUrlScheme: settings.landingUrlScheme,
    landingUrl: settings.landingUrl,
    createdAt: Number(row.created_at),
  };
}

/** The columns a portal's fields live in; id, site and creation time never change. */
function portalColumns(portal: PortalRecord) {
  const settings: StoredSettings = {
    ssidList: [...portal.ssidList],
    networkList: [...portal.networkList],
    authTimeout: { ...portal.authTimeout },
    httpsRedirectEnable: portal.httpsRedirectEnable,
    landingPage: portal.landingPage,
    ...(portal.landingUrlScheme !== undefined && { landingUrlScheme: portal.landingUrlScheme }),
    ...(portal.landingUrl !== undefined && { landingUrl: portal.landingUrl }),
  };
  return {
    name: portal.name,
    enable: flag(portal.enable),
    auth_type: portal.authType,
    hotspot_types: JSON.stringify(portal.hotspotTypes),
    settings: JSON.stringify(settings),
  };
}

/** The unique (site_id, name) constraint is the one judge of a taken name, under races too. */
async function mappingNameTaken<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw new OmadaError(Errors.PORTAL_NAME_EXISTS);
    throw error;
  }
}

export class KyselyPortalRepository implements PortalRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  async insert(portal: PortalRecord, now: number): Promise<void> {
    await mappingNameTaken(() =>
      this.db.transaction().execute(async (trx) => {
        await assertSiteUnlocked(trx, portal.siteId, now);
        await trx
          .insertInto('portals')
          .values({ id: portal.id, site_id: portal.siteId, ...portalColumns(portal), created_at: portal.createdAt })
          .execute();
      }),
    );
  }

  async list(siteId: string): Promise<PortalRecord[]> {
    const rows = await this.db
      .selectFrom('portals')
      .selectAll()
      .where('site_id', '=', siteId)
      .orderBy('created_at')
      .orderBy(insertionOrder('portals'))
      .execute();
    return rows.map(toPortal);
  }

  async get(siteId: string, id: string): Promise<PortalRecord | undefined> {
    const row = await this.find(this.db, siteId, id);
    return row && toPortal(row);
  }

  async update(siteId: string, id: string, change: (current: PortalRecord) => PortalRecord, now: number): Promise<void> {
    await mappingNameTaken(() =>
      this.db.transaction().execute(async (trx) => {
        await assertSiteUnlocked(trx, siteId, now);
        // PostgreSQL needs the row lock for the read-change-write to be atomic; SQLite has one writer.
        const row = await this.find(trx, siteId, id, this.dialect === 'postgres');
        if (!row) throw new OmadaError(Errors.PORTAL_NOT_EXIST);
        const next = change(toPortal(row));
        await trx
          .updateTable('portals')
          .set(portalColumns(next))
          .where('site_id', '=', siteId)
          .where('id', '=', id)
          .execute();
      }),
    );
  }

  async delete(siteId: string, id: string, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await assertSiteUnlocked(trx, siteId, now);
      // Voucher group links to the portal go with it through their foreign key.
      const result = await trx.deleteFrom('portals').where('site_id', '=', siteId).where('id', '=', id).executeTakeFirst();
      if (Number(result.numDeletedRows) !== 1) throw new OmadaError(Errors.PORTAL_NOT_EXIST);
    });
  }

  async namesByIds(siteId: string, ids: readonly string[]): Promise<Map<string, string>> {
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('portals')
      .select(['id', 'name'])
      .where('site_id', '=', siteId)
      .where('id', 'in', wanted)
      .execute();
    return new Map(rows.map((row) => [row.id, row.name]));
  }

  private find(db: Kysely<Database> | Transaction<Database>, siteId: string, id: string, forUpdate = false) {
    const query = db.selectFrom('portals').selectAll().where('site_id', '=', siteId).where('id', '=', id);
    return (forUpdate ? query.forUpdate() : query).executeTakeFirst();
  }

}

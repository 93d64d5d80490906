import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Role } from '../../domain/permissions.js';
import type { AppRecord, AppRepository, SiteScope } from '../port.js';
import type { Database } from '../schema.js';
import { flag } from '../sql-helpers.js';

export function toApp(row: Selectable<Database['apps']>): AppRecord {
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

export class KyselyAppRepository implements AppRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(app: AppRecord): Promise<void> {
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

  async findByClientId(clientId: string): Promise<AppRecord | undefined> {
    const row = await this.db.selectFrom('apps').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return row && toApp(row);
  }

  async list(): Promise<AppRecord[]> {
    const rows = await this.db.selectFrom('apps').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(toApp);
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('apps')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async update(
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

  async delete(clientId: string): Promise<boolean> {
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
}

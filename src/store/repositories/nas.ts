import type { Kysely, Selectable } from 'kysely';
import { Errors, OmadaError } from '../../domain/errors.js';
import type { NasRecord, NasRepository } from '../port.js';
import type { Database } from '../schema.js';
import { flag, insertionOrder, isUniqueViolation } from '../sql-helpers.js';

function toNas(row: Selectable<Database['nas_clients']>): NasRecord {
  return {
    id: row.id,
    siteId: row.site_id,
    name: row.name,
    address: row.address,
    secret: row.secret,
    requireMessageAuthenticator: row.require_message_authenticator === 1,
    disconnectPort: row.disconnect_port === null ? undefined : Number(row.disconnect_port),
    createdAt: Number(row.created_at),
  };
}

/** The gateways allowed to ask over RADIUS; an address belongs to one NAS only. */
export class KyselyNasRepository implements NasRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(nas: NasRecord): Promise<void> {
    try {
      await this.db
        .insertInto('nas_clients')
        .values({
          id: nas.id,
          site_id: nas.siteId,
          name: nas.name,
          address: nas.address,
          secret: nas.secret,
          require_message_authenticator: flag(nas.requireMessageAuthenticator),
          disconnect_port: nas.disconnectPort ?? null,
          created_at: nas.createdAt,
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new OmadaError(Errors.INVALID_PARAMETERS, `address ${nas.address} is registered already.`);
      }
      throw error;
    }
  }

  async list(siteId?: string): Promise<NasRecord[]> {
    let query = this.db.selectFrom('nas_clients').selectAll();
    if (siteId !== undefined) query = query.where('site_id', '=', siteId);
    const rows = await query.orderBy('created_at').orderBy(insertionOrder('nas_clients')).execute();
    return rows.map(toNas);
  }

  async get(id: string): Promise<NasRecord | undefined> {
    const row = await this.db.selectFrom('nas_clients').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toNas(row);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('nas_clients').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

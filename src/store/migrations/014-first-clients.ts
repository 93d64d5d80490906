import { PostgresAdapter, type Kysely, type Migration } from 'kysely';
import { inOneTransaction } from './in-one-transaction.js';

/**
 * A voucher's first client is kept in a table of its own, found through the voucher's row. The
 * clients' table is keyed by voucher, so every first use wrote an entry at a random place in its
 * index; a first client's row is appended instead, where the rows of the other first uses of its
 * transaction go, and the voucher's row (written at a first use anyway) takes its row id: a few
 * octets, which the room voucher pages keep holds. Later clients of a voucher stay in
 * voucher_clients, as do the first clients written before this.
 *
 * No foreign key leads from a first client to its voucher: it would have to be looked up by
 * voucher at every voucher's delete, which is the index this saves. Deleting vouchers deletes
 * their first clients (voucher-lifecycle.ts); a site's delete takes them through `site_id`.
 */
export const firstClients: Migration = {
  async up(db: Kysely<unknown>) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await inOneTransaction(db, async (trx) => {
      await trx.schema
        .createTable('voucher_first_clients')
        // SQLite: an alias of the row id, the next one given at each insert.
        .addColumn('id', postgres ? 'serial' : 'integer', (c) => c.primaryKey())
        .addColumn('site_id', 'varchar(24)', (c) => c.notNull().references('sites.id').onDelete('cascade'))
        .addColumn('voucher_id', 'varchar(24)', (c) => c.notNull())
        .addColumn('client_mac', 'varchar(17)', (c) => c.notNull())
        .addColumn('first_auth_at', 'bigint', (c) => c.notNull())
        .addColumn('time_used_sec', 'bigint', (c) => c.notNull())
        .addColumn('traffic_used', 'bigint', (c) => c.notNull())
        .addColumn('traffic_period_start', 'bigint', (c) => c.notNull())
        .addColumn('session_id', 'varchar(24)')
        .execute();
      await trx.schema.alterTable('vouchers').addColumn('first_client', 'integer').execute();
    });
  },
};

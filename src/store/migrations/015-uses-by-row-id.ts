import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';
import { inOneTransaction } from './in-one-transaction.js';

/**
 * A use is keyed by a number given at insert instead of a 24-character id. Nothing reads a use by
 * its id, yet the text key was a B-tree of its own on SQLite (the table is stored by row id), which
 * took an entry at every first use and split and rebalanced its last pages every few commits. With
 * an integer key the table is its own index, and a use costs its row and its entry by site and time.
 *
 * SQLite cannot change a table's key in place: the table is made anew and the uses copied in time
 * order. PostgreSQL drops the text column and adds a generated one.
 */
export const usesByRowId: Migration = {
  async up(db: Kysely<unknown>) {
    if (db.getExecutor().adapter instanceof PostgresAdapter) {
      // The primary key goes with its column.
      await db.schema.alterTable('voucher_uses').dropColumn('id').execute();
      await db.schema.alterTable('voucher_uses').addColumn('id', 'bigserial', (c) => c.primaryKey()).execute();
      return;
    }
    await inOneTransaction(db, async (trx) => {
      await trx.schema
        .createTable('voucher_uses_by_row_id')
        // An alias of the row id: the next one given at each insert.
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('site_id', 'varchar(24)', (c) => c.notNull().references('sites.id').onDelete('cascade'))
        .addColumn('group_id', 'varchar(24)', (c) => c.notNull())
        .addColumn('voucher_id', 'varchar(24)', (c) => c.notNull())
        .addColumn('client_mac', 'varchar(17)', (c) => c.notNull())
        .addColumn('first_use', 'integer', (c) => c.notNull())
        .addColumn('used_at', 'bigint', (c) => c.notNull())
        .addColumn('voucher_first', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`insert into voucher_uses_by_row_id (site_id, group_id, voucher_id, client_mac, first_use, used_at, voucher_first)
        select site_id, group_id, voucher_id, client_mac, first_use, used_at, voucher_first from voucher_uses
        order by used_at, id`.execute(trx);
      await trx.schema.dropTable('voucher_uses').execute();
      await trx.schema.alterTable('voucher_uses_by_row_id').renameTo('voucher_uses').execute();
      await trx.schema.createIndex('voucher_uses_site_time').on('voucher_uses').columns(['site_id', 'used_at']).execute();
    });
  },
};

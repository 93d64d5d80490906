import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Statistics that outlive deletion: a log of every voucher group created, one row per group,
 * written in the transaction that creates it. It carries no foreign key to voucher_groups, so
 * deleting a group (or its vouchers) leaves it; it goes with its site.
 */
export const voucherStatistics: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('voucher_creations')
      .addColumn('group_id', 'varchar(24)', (c) => c.primaryKey())
      .addColumn('site_id', 'varchar(24)', (c) => c.notNull().references('sites.id').onDelete('cascade'))
      .addColumn('group_name', 'varchar(128)', (c) => c.notNull())
      // How many vouchers the group was created with.
      .addColumn('count', 'integer', (c) => c.notNull())
      // Integer money in the currency's smallest unit as entered; null when the group has no price.
      .addColumn('unit_price', 'bigint')
      .addColumn('currency', 'varchar(3)')
      // Minutes, and whose clock they run on (0 each client's, 1 the voucher's).
      .addColumn('duration', 'bigint', (c) => c.notNull())
      .addColumn('duration_type', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('voucher_creations_site_created').on('voucher_creations').columns(['site_id', 'created_at']).execute();
    // The per-group history and distributions read one group's uses.
    await db.schema.createIndex('voucher_uses_group_time').on('voucher_uses').columns(['group_id', 'used_at']).execute();
    // A use row is written per client's first use; the statistics find each voucher's earliest.
    await db.schema.createIndex('voucher_uses_voucher_time').on('voucher_uses').columns(['voucher_id', 'used_at', 'id']).execute();

    // Groups made before this migration enter the log as they were created; groups deleted
    // before it left nothing to log.
    await sql`
      insert into voucher_creations
        (group_id, site_id, group_name, count, unit_price, currency, duration, duration_type, created_at)
      select id, site_id, name, amount, unit_price, currency, duration, duration_type, created_at
      from voucher_groups
    `.execute(db);
  },
};

import type { Kysely, Migration } from 'kysely';

/**
 * Group lists order by creation time and then id. An index in exactly that order lets the
 * database read a page straight off it instead of sorting every group of the site first.
 */
export const groupListOrder: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('voucher_groups_site_created_id')
      .on('voucher_groups')
      .columns(['site_id', 'created_at', 'id'])
      .execute();
    await db.schema.dropIndex('voucher_groups_site_created').execute();
  },
};

import { sql, type Kysely, type Migration } from 'kysely';
import { inOneTransaction } from './in-one-transaction.js';

/**
 * Every site gets a small integer, its number, and vouchers name their site by it instead of by
 * the 24-character id. The (site, code) index that keeps codes unique per site is the one every
 * create writes all over and every redemption searches; with a number in place of the id its
 * entries are about half as wide, so a create writes half the pages and more of it stays cached.
 * Numbers are never shown: the Open API keeps speaking of sites by id.
 */
export const siteNumbers: Migration = {
  async up(db: Kysely<unknown>) {
    await inOneTransaction(db, renumber);
  },
};

async function renumber(db: Kysely<unknown>) {
  await db.schema.alterTable('sites').addColumn('number', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  // 1, 2, 3… in id order (ids begin with their creation time); new sites take the next one.
  await sql`update sites set number = (select count(*) from sites as earlier where earlier.id <= sites.id)`.execute(db);
  await db.schema.createIndex('sites_number').unique().on('sites').column('number').execute();

  await db.schema.alterTable('vouchers').addColumn('site_number', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await sql`update vouchers set site_number = (select number from sites where sites.id = vouchers.site_id)`.execute(db);
  await db.schema.dropIndex('vouchers_site_code').execute();
  await db.schema.createIndex('vouchers_site_code').unique().on('vouchers').columns(['site_number', 'code']).execute();
  await db.schema.alterTable('vouchers').dropColumn('site_id').execute();
}

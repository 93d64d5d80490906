import { sql, type Kysely, type Migration } from 'kysely';
import { inOneTransaction } from './in-one-transaction.js';

/**
 * A use row says whether it is the voucher's own first use, which redemption knows when it writes
 * it (it holds the voucher's row). Statistics count exactly those; before, they searched each
 * voucher's earliest use through an index on voucher_id that every first use wrote at a random
 * place. Rows already written are marked by that same search, then the index goes.
 */
export const voucherFirstUse: Migration = {
  async up(db: Kysely<unknown>) {
    await inOneTransaction(db, markFirstUses);
  },
};

async function markFirstUses(db: Kysely<unknown>) {
  await db.schema.alterTable('voucher_uses').addColumn('voucher_first', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  // The earliest client's first use of each voucher, ties broken by id.
  await sql`update voucher_uses set voucher_first = 1
    where first_use = 1 and not exists (
      select 1 from voucher_uses as p
      where p.voucher_id = voucher_uses.voucher_id and p.first_use = 1
        and (p.used_at < voucher_uses.used_at or (p.used_at = voucher_uses.used_at and p.id < voucher_uses.id)))`.execute(db);
  await db.schema.dropIndex('voucher_uses_voucher_time').execute();
}

import { sql, type Kysely, type Migration } from 'kysely';
import { inOneTransaction } from './in-one-transaction.js';

/**
 * The index of vouchers whose time may run out holds only those with an end (`expires_at`). Most
 * vouchers in use have none (a clock per client, uses left); their entries were all alike but for
 * the row, so each first use wrote one at a random place in the index, and no count ever read them.
 */
export const timedVouchersDue: Migration = {
  async up(db: Kysely<unknown>) {
    await inOneTransaction(db, async (trx) => {
      await trx.schema.dropIndex('vouchers_group_due').execute();
      await trx.schema
        .createIndex('vouchers_group_due')
        .on('vouchers')
        .columns(['group_id', 'expires_at'])
        .where(sql<boolean>`status = 1 and expires_at is not null`)
        .execute();
    });
  },
};

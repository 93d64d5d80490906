import { sql, type Kysely, type Migration } from 'kysely';
import { inOneTransaction } from './in-one-transaction.js';

/**
 * A voucher's open sessions are read through its clients' rows: each names the client's latest
 * session, the only one of the client's sessions redemption leaves open. The index of sessions by
 * voucher took an entry at a random place on every first use; the client's row, written then
 * anyway, now carries the same. Rows already written point at the client's open session, or its
 * latest; then the index goes.
 */
export const sessionsThroughClients: Migration = {
  async up(db: Kysely<unknown>) {
    await inOneTransaction(db, async (trx) => {
      await trx.schema.alterTable('voucher_clients').addColumn('session_id', 'varchar(24)').execute();
      await sql`update voucher_clients set session_id = (
          select s.id from sessions as s
          where s.voucher_id = voucher_clients.voucher_id and s.client_mac = voucher_clients.client_mac
          order by case when s.ended_at is null then 0 else 1 end, s.started_at desc, s.id desc
          limit 1)`.execute(trx);
      await trx.schema.dropIndex('sessions_voucher_live').execute();
    });
  },
};

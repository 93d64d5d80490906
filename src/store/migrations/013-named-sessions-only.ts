import { sql, type Kysely, type Migration } from 'kysely';
import { inOneTransaction } from './in-one-transaction.js';

/**
 * The index of sessions by Acct-Session-Id holds only the sessions a NAS has named: a session
 * starts without one (the accounting Start names it), and each unnamed session was an entry no
 * search reads, written at every redemption and moved again when accounting named it.
 */
export const namedSessionsOnly: Migration = {
  async up(db: Kysely<unknown>) {
    await inOneTransaction(db, async (trx) => {
      await trx.schema.dropIndex('sessions_acct').execute();
      await trx.schema
        .createIndex('sessions_acct')
        .on('sessions')
        .column('acct_session_id')
        .where(sql<boolean>`acct_session_id is not null`)
        .execute();
    });
  },
};

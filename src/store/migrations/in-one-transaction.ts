import type { Kysely } from 'kysely';

/**
 * Runs a migration's steps in one transaction on every dialect. Kysely's migrator opens one per
 * migration on PostgreSQL but none on SQLite, where a migration that rewrites data in several
 * steps must still happen together or not at all.
 */
export async function inOneTransaction(db: Kysely<unknown>, work: (db: Kysely<unknown>) => Promise<void>): Promise<void> {
  if (db.isTransaction) await work(db);
  else await db.transaction().execute(work);
}

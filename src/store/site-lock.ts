import type { Kysely, Transaction } from 'kysely';
import { Errors, OmadaError } from '../domain/errors.js';
import type { Database } from './schema.js';

/**
 * Writes to a site check its lock inside their own transaction, so a write that passed the
 * request guard just before a deletion took the lock still answers −33004 and writes nothing.
 */
export async function assertSiteUnlocked(
  db: Kysely<Database> | Transaction<Database>,
  siteId: string,
  now: number,
): Promise<void> {
  const lock = await db
    .selectFrom('site_locks')
    .select('expires_at')
    .where('site_id', '=', siteId)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (lock) throw new OmadaError(Errors.SITE_BUSY);
}

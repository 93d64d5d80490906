import type { Kysely, Transaction } from 'kysely';
import type { AppRecord, TokenRepository, TokenRow } from '../port.js';
import { PreparedQuery } from '../prepared-query.js';
import type { Database } from '../schema.js';
import { toApp } from './apps.js';

export class KyselyTokenRepository implements TokenRepository {
  /** Every guarded request asks this; its rows may be reused while the database is unchanged. */
  readonly #findAccess = new PreparedQuery(
    (db, slot) =>
      db
        .selectFrom('access_tokens as t')
        .innerJoin('apps as a', 'a.id', 't.app_id')
        .selectAll('a')
        .select('t.expires_at as token_expires_at')
        .where('t.token_hash', '=', slot<string>('tokenHash')),
    { reuseRows: true },
  );

  constructor(private readonly db: Kysely<Database>) {}

  async insertPair(appId: string, access: TokenRow, refresh: TokenRow, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.writePair(trx, appId, access, refresh, now);
    });
  }

  private async writePair(
    trx: Transaction<Database>,
    appId: string,
    access: TokenRow,
    refresh: TokenRow,
    now: number,
  ): Promise<void> {
    await trx
      .insertInto('access_tokens')
      .values({ token_hash: access.tokenHash, app_id: appId, expires_at: access.expiresAt, created_at: now })
      .execute();
    await trx
      .insertInto('refresh_tokens')
      .values({
        token_hash: refresh.tokenHash,
        app_id: appId,
        expires_at: refresh.expiresAt,
        used_at: null,
        created_at: now,
      })
      .execute();
  }

  async findAccess(tokenHash: string): Promise<{ expiresAt: number; app: AppRecord } | undefined> {
    const [row] = await this.#findAccess.execute(this.db, { tokenHash });
    if (!row) return undefined;
    const { token_expires_at, ...app } = row;
    return { expiresAt: Number(token_expires_at), app: toApp(app) };
  }

  async rotateRefresh(
    appId: string,
    oldRefreshHash: string,
    access: TokenRow,
    refresh: TokenRow,
    now: number,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // The guarded update is the single point of decision: only one caller flips used_at.
      const spent = await trx
        .updateTable('refresh_tokens')
        .set({ used_at: now })
        .where('token_hash', '=', oldRefreshHash)
        .where('app_id', '=', appId)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (Number(spent.numUpdatedRows) !== 1) return false;
      await this.writePair(trx, appId, access, refresh, now);
      return true;
    });
  }

  async purge(before: number): Promise<void> {
    await this.db.deleteFrom('access_tokens').where('expires_at', '<', before).execute();
    await this.db.deleteFrom('refresh_tokens').where('expires_at', '<', before).execute();
  }
}

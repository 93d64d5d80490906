import type { Kysely } from 'kysely';
import type { RateLimitRepository } from '../port.js';
import type { Database } from '../schema.js';

/**
 * The counters behind RateLimiter. Counting is one upsert that returns the new count, so it is
 * atomic on its own on every dialect: SQLite admits one writer at a time, and PostgreSQL's
 * `on conflict … do update` locks the row, so of N concurrent hits each sees a different count.
 */
export class KyselyRateLimitRepository implements RateLimitRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async hit(key: string, windowStart: number): Promise<number> {
    const row = await this.db
      .insertInto('rate_limits')
      .values({ bucket_key: key, window_start: windowStart, hits: 1 })
      .onConflict((oc) =>
        oc.columns(['bucket_key', 'window_start']).doUpdateSet((eb) => ({ hits: eb(eb.ref('rate_limits.hits'), '+', 1) })),
      )
      .returning('hits')
      .executeTakeFirstOrThrow();
    return Number(row.hits);
  }

  async count(key: string, fromWindowStart: number): Promise<number> {
    const row = await this.db
      .selectFrom('rate_limits')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('hits'), eb.val(0)).as('hits'))
      .where('bucket_key', '=', key)
      .where('window_start', '>=', fromWindowStart)
      .executeTakeFirst();
    return Number(row?.hits ?? 0);
  }

  async latestSince(prefix: string, fromWindowStart: number): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('rate_limits')
      .select((eb) => ['bucket_key', eb.fn.max('window_start').as('latest')])
      // Bucket names are plain words and dashes: no LIKE wildcard among them.
      .where('bucket_key', 'like', `${prefix}%`)
      .where('window_start', '>=', fromWindowStart)
      .groupBy('bucket_key')
      .execute();
    return new Map(rows.map((row) => [row.bucket_key, Number(row.latest)]));
  }

  async prune(before: number): Promise<void> {
    await this.db.deleteFrom('rate_limits').where('window_start', '<', before).execute();
  }
}

import type { Kysely, Migration } from 'kysely';

/**
 * Fixed-window request counters, shared by every instance on the database: one row per bucket
 * key (e.g. the token endpoint's count for one client id) and window start (epoch ms). The
 * primary key is the conflict target of the counting upsert; the window index serves pruning.
 */
export const rateLimits: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('rate_limits')
      .addColumn('bucket_key', 'varchar(128)', (c) => c.notNull())
      .addColumn('window_start', 'bigint', (c) => c.notNull())
      .addColumn('hits', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('rate_limits_pk', ['bucket_key', 'window_start'])
      .execute();
    await db.schema.createIndex('rate_limits_window').on('rate_limits').column('window_start').execute();
  },
};

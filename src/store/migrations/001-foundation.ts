import type { Kysely, Migration } from 'kysely';

export const foundation: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('settings')
      .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('apps')
      .addColumn('id', 'varchar(24)', (c) => c.primaryKey())
      .addColumn('client_id', 'varchar(128)', (c) => c.notNull().unique())
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('name', 'varchar(128)', (c) => c.notNull())
      .addColumn('role', 'varchar(32)', (c) => c.notNull())
      .addColumn('all_sites', 'integer', (c) => c.notNull())
      .addColumn('site_ids', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    // Tokens are kept as SHA-256 hashes; a lookup by hash is one index probe per request.
    await db.schema
      .createTable('access_tokens')
      .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('app_id', 'varchar(24)', (c) => c.notNull().references('apps.id').onDelete('cascade'))
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('access_tokens_app').on('access_tokens').column('app_id').execute();
    await db.schema.createIndex('access_tokens_expiry').on('access_tokens').column('expires_at').execute();

    await db.schema
      .createTable('refresh_tokens')
      .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('app_id', 'varchar(24)', (c) => c.notNull().references('apps.id').onDelete('cascade'))
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('refresh_tokens_app').on('refresh_tokens').column('app_id').execute();
    await db.schema.createIndex('refresh_tokens_expiry').on('refresh_tokens').column('expires_at').execute();

    await db.schema
      .createTable('sites')
      .addColumn('id', 'varchar(24)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(256)', (c) => c.notNull().unique())
      .addColumn('type', 'integer', (c) => c.notNull())
      .addColumn('region', 'varchar(128)', (c) => c.notNull())
      .addColumn('time_zone', 'varchar(64)', (c) => c.notNull())
      .addColumn('scenario', 'varchar(64)', (c) => c.notNull())
      .addColumn('tag_ids', 'text', (c) => c.notNull())
      .addColumn('longitude', 'double precision')
      .addColumn('latitude', 'double precision')
      .addColumn('address', 'text')
      .addColumn('device_username', 'varchar(64)', (c) => c.notNull())
      .addColumn('device_password', 'varchar(64)', (c) => c.notNull())
      .addColumn('support_es', 'integer', (c) => c.notNull())
      .addColumn('support_l2', 'integer', (c) => c.notNull())
      .addColumn('ntp_enable', 'integer', (c) => c.notNull())
      .addColumn('ntp_servers', 'text', (c) => c.notNull())
      .addColumn('dst', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sites_created').on('sites').columns(['created_at', 'id']).execute();
  },
};

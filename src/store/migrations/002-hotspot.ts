import { sql, type Kysely, type Migration } from 'kysely';

/** Vouchers and what they stand on: site currency and locks, rate limit profiles, portals, groups. */
export const hotspot: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('sites').addColumn('currency', 'varchar(3)').execute();
    // How many vouchers the site holds, kept with every create and delete, for the per-site cap.
    await db.schema
      .alterTable('sites')
      .addColumn('voucher_count', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();

    // A row here means a long operation (deletion, restore, import) owns the site until it ends or
    // the lock expires; writes to the site answer −33004 meanwhile.
    await db.schema
      .createTable('site_locks')
      .addColumn('site_id', 'varchar(24)', (c) => c.primaryKey())
      .addColumn('reason', 'varchar(32)', (c) => c.notNull())
      .addColumn('locked_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('rate_limit_profiles')
      .addColumn('id', 'varchar(24)', (c) => c.primaryKey())
      .addColumn('site_id', 'varchar(24)', (c) => c.notNull().references('sites.id').onDelete('cascade'))
      .addColumn('name', 'varchar(256)', (c) => c.notNull())
      .addColumn('down_enable', 'integer', (c) => c.notNull())
      .addColumn('down_limit', 'bigint')
      .addColumn('up_enable', 'integer', (c) => c.notNull())
      .addColumn('up_limit', 'bigint')
      .addColumn('is_default', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('rate_limit_profiles_site_name', ['site_id', 'name'])
      .execute();

    await db.schema
      .createTable('portals')
      .addColumn('id', 'varchar(24)', (c) => c.primaryKey())
      .addColumn('site_id', 'varchar(24)', (c) => c.notNull().references('sites.id').onDelete('cascade'))
      .addColumn('name', 'varchar(256)', (c) => c.notNull())
      .addColumn('enable', 'integer', (c) => c.notNull())
      .addColumn('auth_type', 'integer', (c) => c.notNull())
      .addColumn('hotspot_types', 'text', (c) => c.notNull())
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('portals_site_name', ['site_id', 'name'])
      .execute();

    await db.schema
      .createTable('voucher_groups')
      .addColumn('id', 'varchar(24)', (c) => c.primaryKey())
      .addColumn('site_id', 'varchar(24)', (c) => c.notNull().references('sites.id').onDelete('cascade'))
      .addColumn('name', 'varchar(128)', (c) => c.notNull())
      .addColumn('amount', 'integer', (c) => c.notNull())
      .addColumn('code_length', 'integer', (c) => c.notNull())
      .addColumn('code_form', 'varchar(8)', (c) => c.notNull())
      .addColumn('limit_type', 'integer', (c) => c.notNull())
      .addColumn('limit_num', 'integer')
      .addColumn('duration_type', 'integer', (c) => c.notNull())
      .addColumn('duration', 'bigint', (c) => c.notNull())
      .addColumn('timing_type', 'integer', (c) => c.notNull())
      .addColumn('rate_mode', 'integer', (c) => c.notNull())
      .addColumn('rate_profile_id', 'varchar(24)', (c) => c.references('rate_limit_profiles.id'))
      .addColumn('down_enable', 'integer', (c) => c.notNull())
      .addColumn('down_limit', 'bigint')
      .addColumn('up_enable', 'integer', (c) => c.notNull())
      .addColumn('up_limit', 'bigint')
      .addColumn('traffic_enable', 'integer', (c) => c.notNull())
      .addColumn('traffic_limit', 'bigint')
      .addColumn('traffic_frequency', 'integer', (c) => c.notNull())
      .addColumn('unit_price', 'bigint')
      .addColumn('currency', 'varchar(3)')
      .addColumn('apply_all_portals', 'integer', (c) => c.notNull())
      .addColumn('validity_type', 'integer', (c) => c.notNull())
      .addColumn('effective_time', 'bigint')
      .addColumn('expiration_time', 'bigint')
      .addColumn('schedule', 'text')
      .addColumn('logout', 'integer', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('print_comments', 'text')
      .addColumn('creator_name', 'varchar(128)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      // Live counters kept by create, delete and redemption, so lists never count vouchers row by row.
      .addColumn('total_count', 'integer', (c) => c.notNull())
      .addColumn('used_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('in_use_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('expired_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addUniqueConstraint('voucher_groups_site_name', ['site_id', 'name'])
      .execute();
    await db.schema.createIndex('voucher_groups_site_shape').on('voucher_groups').columns(['site_id', 'code_length', 'code_form']).execute();
    await db.schema.createIndex('voucher_groups_site_created').on('voucher_groups').columns(['site_id', 'created_at']).execute();

    await db.schema
      .createTable('voucher_group_portals')
      .addColumn('group_id', 'varchar(24)', (c) => c.notNull().references('voucher_groups.id').onDelete('cascade'))
      .addColumn('portal_id', 'varchar(24)', (c) => c.notNull().references('portals.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('voucher_group_portals_pk', ['group_id', 'portal_id'])
      .execute();
    await db.schema.createIndex('voucher_group_portals_portal').on('voucher_group_portals').column('portal_id').execute();

    await db.schema
      .createTable('vouchers')
      .addColumn('id', 'varchar(24)', (c) => c.primaryKey())
      .addColumn('site_id', 'varchar(24)', (c) => c.notNull())
      .addColumn('group_id', 'varchar(24)', (c) => c.notNull().references('voucher_groups.id').onDelete('cascade'))
      .addColumn('code', 'varchar(16)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('start_time', 'bigint')
      .addColumn('time_used_sec', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('traffic_used', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    // Codes are unique per site among existing vouchers; codes are stored upper-case.
    await db.schema.createIndex('vouchers_site_code').unique().on('vouchers').columns(['site_id', 'code']).execute();
    await db.schema.createIndex('vouchers_group_code').on('vouchers').columns(['group_id', 'code']).execute();

    // Every existing site gets the default rate limit profile a new site is created with (a site's
    // own id is free among profile ids, so it serves as the id of its default profile).
    await sql`insert into rate_limit_profiles (id, site_id, name, down_enable, down_limit, up_enable, up_limit, is_default, created_at)
      select id, id, 'Default', 0, null, 0, null, 1, created_at from sites`.execute(db);
  },
};

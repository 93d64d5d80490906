import type { Kysely, Migration } from 'kysely';

/**
 * What a printed voucher looks like: the logos a site uploaded (uploadVoucherLogo) and each
 * group's print pattern (editVoucherGroupPattern). Both live in the database, not on disk, so
 * every instance on it serves the same logos; both go with their site, a pattern with its group.
 */
export const voucherPrint: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('voucher_logos')
      .addColumn('id', 'varchar(24)', (c) => c.primaryKey())
      .addColumn('site_id', 'varchar(24)', (c) => c.notNull().references('sites.id').onDelete('cascade'))
      .addColumn('file_name', 'varchar(128)', (c) => c.notNull())
      // "image/png" or "image/jpeg", as the bytes say (never as the upload declared).
      .addColumn('media_type', 'varchar(16)', (c) => c.notNull())
      .addColumn('width', 'integer', (c) => c.notNull())
      .addColumn('height', 'integer', (c) => c.notNull())
      .addColumn('byte_size', 'integer', (c) => c.notNull())
      .addColumn('md5', 'varchar(32)', (c) => c.notNull())
      // Base64 text: one column type for every dialect; logos are small (see MAX_LOGO_BYTES).
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    // An upload that sends only an md5 finds the site's logo with those bytes.
    await db.schema.createIndex('voucher_logos_site_md5').on('voucher_logos').columns(['site_id', 'md5']).execute();

    await db.schema
      .createTable('voucher_print_patterns')
      .addColumn('group_id', 'varchar(24)', (c) => c.primaryKey().references('voucher_groups.id').onDelete('cascade'))
      .addColumn('site_id', 'varchar(24)', (c) => c.notNull().references('sites.id').onDelete('cascade'))
      // 0 logo, 1 title, 2 neither.
      .addColumn('pattern_type', 'integer', (c) => c.notNull())
      // 0 left, 1 right, 2 middle.
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('logo_id', 'varchar(24)', (c) => c.references('voucher_logos.id').onDelete('set null'))
      .addColumn('logo_size', 'integer', (c) => c.notNull())
      .addColumn('title', 'varchar(64)')
      .addColumn('title_size', 'integer', (c) => c.notNull())
      .addColumn('duration_enable', 'integer', (c) => c.notNull())
      .addColumn('limit_enable', 'integer', (c) => c.notNull())
      .addColumn('ssid_network_enable', 'integer', (c) => c.notNull())
      // JSON arrays of names.
      .addColumn('ssid_list', 'text', (c) => c.notNull())
      .addColumn('network_list', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('voucher_print_patterns_site').on('voucher_print_patterns').column('site_id').execute();
    await db.schema.createIndex('voucher_print_patterns_logo').on('voucher_print_patterns').column('logo_id').execute();
  },
};

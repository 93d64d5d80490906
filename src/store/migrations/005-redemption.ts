import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Redemption: the gateways (NAS clients) that ask over RADIUS, the clients that hold a use of a
 * voucher, the sessions (authorized clients) they open, and an event per use for statistics.
 */
export const redemption: Migration = {
  async up(db: Kysely<unknown>) {
    // When the voucher becomes expired by the passing of time alone (a wall clock running out, the
    // last client's time ending), if nothing happens before; null while no clock can end it.
    await db.schema.alterTable('vouchers').addColumn('expires_at', 'bigint').execute();
    // Since when the voucher's own usage clock runs (durationType 1, timingType 1): set while any
    // client of it is online, so time online together counts once.
    await db.schema.alterTable('vouchers').addColumn('clock_since', 'bigint').execute();
    // Finds the in-use vouchers whose time ran out, for counts. Partial: a voucher enters it at its
    // first use, so creating a group writes no entry here.
    await db.schema
      .createIndex('vouchers_group_due')
      .on('vouchers')
      .columns(['group_id', 'expires_at'])
      .where(sql.ref('status'), '=', 1)
      .execute();

    await db.schema
      .createTable('nas_clients')
      .addColumn('id', 'varchar(24)', (c) => c.primaryKey())
      .addColumn('site_id', 'varchar(24)', (c) => c.notNull().references('sites.id').onDelete('cascade'))
      .addColumn('name', 'varchar(128)', (c) => c.notNull())
      // An address or a CIDR block in canonical form; a packet's source picks the most specific.
      .addColumn('address', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('secret', 'varchar(128)', (c) => c.notNull())
      .addColumn('require_message_authenticator', 'integer', (c) => c.notNull())
      // The RFC 5176 port Disconnect-Requests go to; null when the NAS takes none.
      .addColumn('disconnect_port', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    // One row per client (MAC) that holds a use of a voucher: its own clock and its traffic in the
    // current reset period.
    await db.schema
      .createTable('voucher_clients')
      .addColumn('voucher_id', 'varchar(24)', (c) => c.notNull().references('vouchers.id').onDelete('cascade'))
      .addColumn('client_mac', 'varchar(17)', (c) => c.notNull())
      .addColumn('first_auth_at', 'bigint', (c) => c.notNull())
      .addColumn('time_used_sec', 'bigint', (c) => c.notNull())
      .addColumn('traffic_used', 'bigint', (c) => c.notNull())
      .addColumn('traffic_period_start', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('voucher_clients_pk', ['voucher_id', 'client_mac'])
      .execute();

    // Authorized clients: a session is live while ended_at is null and deadline is ahead.
    await db.schema
      .createTable('sessions')
      .addColumn('id', 'varchar(24)', (c) => c.primaryKey())
      .addColumn('site_id', 'varchar(24)', (c) => c.notNull().references('sites.id').onDelete('cascade'))
      // Kept as plain values: a record outlives the voucher it was opened with.
      .addColumn('voucher_id', 'varchar(24)')
      .addColumn('group_id', 'varchar(24)')
      .addColumn('code', 'varchar(16)')
      .addColumn('client_mac', 'varchar(17)', (c) => c.notNull())
      .addColumn('auth_type', 'integer', (c) => c.notNull())
      .addColumn('via', 'varchar(8)', (c) => c.notNull())
      .addColumn('portal_id', 'varchar(24)')
      .addColumn('nas_id', 'varchar(24)')
      .addColumn('ssid', 'varchar(64)')
      .addColumn('ap_mac', 'varchar(17)')
      .addColumn('radio_id', 'integer')
      .addColumn('client_ip', 'varchar(45)')
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('deadline', 'bigint', (c) => c.notNull())
      .addColumn('ended_at', 'bigint')
      .addColumn('end_reason', 'varchar(16)')
      .addColumn('acct_session_id', 'varchar(64)')
      .addColumn('session_time_sec', 'bigint', (c) => c.notNull())
      .addColumn('input_octets', 'bigint', (c) => c.notNull())
      .addColumn('output_octets', 'bigint', (c) => c.notNull())
      .addColumn('last_acct_at', 'bigint')
      .execute();
    await db.schema.createIndex('sessions_voucher_live').on('sessions').columns(['voucher_id', 'ended_at']).execute();
    await db.schema.createIndex('sessions_site_started').on('sessions').columns(['site_id', 'started_at', 'id']).execute();
    await db.schema.createIndex('sessions_site_mac').on('sessions').columns(['site_id', 'client_mac', 'ended_at']).execute();
    await db.schema.createIndex('sessions_acct').on('sessions').columns(['acct_session_id']).execute();

    // One row per use of a voucher, kept when vouchers are deleted, for statistics.
    await db.schema
      .createTable('voucher_uses')
      .addColumn('id', 'varchar(24)', (c) => c.primaryKey())
      .addColumn('site_id', 'varchar(24)', (c) => c.notNull().references('sites.id').onDelete('cascade'))
      .addColumn('group_id', 'varchar(24)', (c) => c.notNull())
      .addColumn('voucher_id', 'varchar(24)', (c) => c.notNull())
      .addColumn('client_mac', 'varchar(17)', (c) => c.notNull())
      .addColumn('first_use', 'integer', (c) => c.notNull())
      .addColumn('used_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('voucher_uses_site_time').on('voucher_uses').columns(['site_id', 'used_at']).execute();
  },
};

import type { Generated } from 'kysely';

/**
 * Table shapes as Kysely sees them. Booleans are stored as 0/1 integers and lists as JSON text
 * so that one set of migrations and queries serves every dialect.
 */
export interface Database {
  settings: { key: string; value: string };
  apps: {
    id: string;
    client_id: string;
    secret_hash: string;
    name: string;
    role: string;
    all_sites: number;
    site_ids: string;
    created_at: number;
  };
  access_tokens: { token_hash: string; app_id: string; expires_at: number; created_at: number };
  refresh_tokens: {
    token_hash: string;
    app_id: string;
    expires_at: number;
    used_at: number | null;
    created_at: number;
  };
  sites: {
    id: string;
    name: string;
    type: number;
    region: string;
    time_zone: string;
    scenario: string;
    tag_ids: string;
    longitude: number | null;
    latitude: number | null;
    address: string | null;
    device_username: string;
    device_password: string;
    support_es: number;
    support_l2: number;
    ntp_enable: number;
    ntp_servers: string;
    dst: string | null;
    created_at: number;
    currency: string | null;
    voucher_count: Generated<number>;
    /** A small integer of the site's own that vouchers name it by (008-site-numbers). */
    number: Generated<number>;
  };
  site_locks: { site_id: string; reason: string; locked_at: number; expires_at: number };
  rate_limit_profiles: {
    id: string;
    site_id: string;
    name: string;
    down_enable: number;
    down_limit: number | null;
    up_enable: number;
    up_limit: number | null;
    is_default: number;
    created_at: number;
  };
  portals: {
    id: string;
    site_id: string;
    name: string;
    enable: number;
    auth_type: number;
    hotspot_types: string;
    settings: string;
    created_at: number;
  };
  voucher_groups: {
    id: string;
    site_id: string;
    name: string;
    amount: number;
    code_length: number;
    code_form: string;
    limit_type: number;
    limit_num: number | null;
    duration_type: number;
    duration: number;
    timing_type: number;
    rate_mode: number;
    rate_profile_id: string | null;
    down_enable: number;
    down_limit: number | null;
    up_enable: number;
    up_limit: number | null;
    traffic_enable: number;
    traffic_limit: number | null;
    traffic_frequency: number;
    unit_price: number | null;
    currency: string | null;
    apply_all_portals: number;
    validity_type: number;
    effective_time: number | null;
    expiration_time: number | null;
    schedule: string | null;
    logout: number;
    description: string | null;
    print_comments: string | null;
    creator_name: string;
    created_at: number;
    total_count: number;
    used_count: Generated<number>;
    in_use_count: Generated<number>;
    expired_count: Generated<number>;
  };
  voucher_group_portals: { group_id: string; portal_id: string };
  rate_limits: { bucket_key: string; window_start: number; hits: number };
  vouchers: {
    id: string;
    /** The site's `number` (008-site-numbers). */
    site_number: number;
    group_id: string;
    code: string;
    created_at: number;
    status: Generated<number>;
    used: Generated<number>;
    start_time: number | null;
    time_used_sec: Generated<number>;
    traffic_used: Generated<number>;
    expires_at: number | null;
    clock_since: number | null;
    /** The id of the voucher's row in voucher_first_clients (014-first-clients). */
    first_client: number | null;
  };
  nas_clients: {
    id: string;
    site_id: string;
    name: string;
    address: string;
    secret: string;
    require_message_authenticator: number;
    disconnect_port: number | null;
    created_at: number;
  };
  voucher_clients: ClientColumns;
  /** A voucher's first client, found through vouchers.first_client (014-first-clients). */
  voucher_first_clients: ClientColumns & { id: Generated<number>; site_id: string };
  sessions: {
    id: string;
    site_id: string;
    voucher_id: string | null;
    group_id: string | null;
    code: string | null;
    client_mac: string;
    auth_type: number;
    via: string;
    portal_id: string | null;
    nas_id: string | null;
    ssid: string | null;
    ap_mac: string | null;
    radio_id: number | null;
    client_ip: string | null;
    started_at: number;
    deadline: number;
    ended_at: number | null;
    end_reason: string | null;
    acct_session_id: string | null;
    session_time_sec: number;
    input_octets: number;
    output_octets: number;
    last_acct_at: number | null;
  };
  voucher_uses: {
    /** Given at insert (015-uses-by-row-id); nothing reads a use by it. */
    id: Generated<number>;
    site_id: string;
    group_id: string;
    voucher_id: string;
    client_mac: string;
    first_use: number;
    /** 1 on the voucher's own first use, the one statistics count (009-voucher-first-use). */
    voucher_first: Generated<number>;
    used_at: number;
  };
  /** One row per voucher group ever created, kept when the group is deleted (statistics). */
  voucher_creations: {
    group_id: string;
    site_id: string;
    group_name: string;
    count: number;
    unit_price: number | null;
    currency: string | null;
    duration: number;
    duration_type: number;
    created_at: number;
  };
  /** Logos uploaded for printed vouchers, their bytes as base64 (007-voucher-print). */
  voucher_logos: {
    id: string;
    site_id: string;
    file_name: string;
    media_type: string;
    width: number;
    height: number;
    byte_size: number;
    md5: string;
    data: string;
    created_at: number;
  };
  /** A group's print pattern, once edited; lists as JSON text. */
  voucher_print_patterns: {
    group_id: string;
    site_id: string;
    pattern_type: number;
    position: number;
    logo_id: string | null;
    logo_size: number;
    title: string | null;
    title_size: number;
    duration_enable: number;
    limit_enable: number;
    ssid_network_enable: number;
    ssid_list: string;
    network_list: string;
    updated_at: number;
  };
}

/** A client's row on a voucher, in voucher_clients and voucher_first_clients alike. */
export interface ClientColumns {
  voucher_id: string;
  client_mac: string;
  first_auth_at: number;
  time_used_sec: number;
  traffic_used: number;
  traffic_period_start: number;
  /** The client's latest session on the voucher (no foreign key: a session's record may be deleted). */
  session_id: string | null;
}


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
  };
}

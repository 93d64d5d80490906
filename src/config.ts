import { resolve } from 'node:path';

/** Everything voucherd reads from its environment, checked once at start-up. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  /** PostgreSQL connections one instance holds. */
  readonly poolSize: number;
  /** PostgreSQL cancels a statement running longer than this (ms); 0 for no limit. */
  readonly statementTimeoutMs: number;
  readonly omadacId: string | undefined;
  readonly bootstrap: { readonly clientId: string; readonly clientSecret: string } | undefined;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly voucherLimitPerSite: number;
  readonly siteLimit: number;
  readonly radiusAuthPort: number;
  readonly radiusAcctPort: number;
  /** Acct-Interim-Interval sent in every Access-Accept (seconds); 0 sends none. */
  readonly radiusInterimIntervalSec: number;
  readonly logLevel: string;
  readonly bodyLimitBytes: number;
  /** Token requests a minute per client id and per remote address; 0 turns a limit off. */
  readonly tokenRateLimitPerClient: number;
  readonly tokenRateLimitPerAddress: number;
  /** Wrong voucher codes per client MAC and per address within a minute or two before tries are refused; 0 turns one off. */
  readonly redemption: { readonly failuresPerClient: number; readonly failuresPerAddress: number; readonly adminAuthMinutes: number };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer within ${min}-${max}, got "${raw}".`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const omadacId = env.OMADAC_ID || undefined;
  if (omadacId !== undefined && !/^[0-9a-f]{32}$/.test(omadacId)) {
    throw new ConfigError('OMADAC_ID must be 32 lowercase hexadecimal characters.');
  }
  const clientId = env.BOOTSTRAP_CLIENT_ID || undefined;
  const clientSecret = env.BOOTSTRAP_CLIENT_SECRET || undefined;
  if ((clientId === undefined) !== (clientSecret === undefined)) {
    throw new ConfigError('BOOTSTRAP_CLIENT_ID and BOOTSTRAP_CLIENT_SECRET must be set together.');
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// URL.');
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}.`);
  }
  return {
    port: integer(env, 'PORT', 8088, 0, 65535),
    host: env.HOST || '0.0.0.0',
    dataDir: resolve(env.DATA_DIR || './data'),
    databaseUrl,
    poolSize: integer(env, 'PG_POOL_SIZE', 10, 1, 1000),
    statementTimeoutMs: integer(env, 'PG_STATEMENT_TIMEOUT_MS', 30_000, 0, 3_600_000),
    omadacId,
    bootstrap: clientId && clientSecret ? { clientId, clientSecret } : undefined,
    accessTokenTtlSeconds: integer(env, 'ACCESS_TOKEN_TTL_SECONDS', 7200, 1, 31_536_000),
    refreshTokenTtlSeconds: integer(env, 'REFRESH_TOKEN_TTL_SECONDS', 1_209_600, 1, 315_360_000),
    voucherLimitPerSite: integer(env, 'VOUCHER_LIMIT_PER_SITE', 100_000, 1, 10_000_000),
    siteLimit: integer(env, 'SITE_LIMIT', 10_000, 1, 1_000_000),
    radiusAuthPort: integer(env, 'RADIUS_AUTH_PORT', 1812, 0, 65535),
    radiusAcctPort: integer(env, 'RADIUS_ACCT_PORT', 1813, 0, 65535),
    radiusInterimIntervalSec: integer(env, 'RADIUS_INTERIM_INTERVAL_SEC', 60, 0, 86_400),
    logLevel,
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 1_048_576, 1024, 104_857_600),
    tokenRateLimitPerClient: integer(env, 'TOKEN_RATE_LIMIT_PER_CLIENT', 60, 0, 1_000_000),
    tokenRateLimitPerAddress: integer(env, 'TOKEN_RATE_LIMIT_PER_ADDRESS', 120, 0, 1_000_000),
    redemption: {
      failuresPerClient: integer(env, 'REDEEM_FAILURES_PER_CLIENT', 5, 0, 1_000_000),
      failuresPerAddress: integer(env, 'REDEEM_FAILURES_PER_ADDRESS', 30, 0, 1_000_000),
      adminAuthMinutes: integer(env, 'ADMIN_AUTH_MINUTES', 480, 1, 5_256_000),
    },
  };
}

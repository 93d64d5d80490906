/**
 * Which failures mean "the database cannot be reached or cannot take writes right now", as opposed
 * to a bug or a refused statement: the HTTP layer answers them 503 (the client may retry later)
 * instead of 500, and the SQLite driver retries a busy database before giving up.
 */

/** Socket errors of a connection to PostgreSQL that could not be made or was cut. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs: 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now
 * (starting up, shutting down), 53300 too_many_connections; class 08 is connection_exception.
 */
const POSTGRES_CODES = new Set(['57P01', '57P02', '57P03', '53300']);

/** What pg and pg-pool say, without a code, when a connection ends or cannot be had in time. */
const POSTGRES_MESSAGES = [
  /^Connection terminated/, // "… unexpectedly", "… due to connection timeout"
  /is not queryable/, // a client whose connection broke, reused (e.g. for the ROLLBACK)
  /^timeout exceeded when trying to connect$/, // the pool's connectionTimeoutMillis
];

/**
 * SQLite result codes (with their extended forms, e.g. SQLITE_IOERR_WRITE): a lock another
 * process held longer than busy_timeout and the retries, a failing disk, a file that cannot be
 * opened, a full disk.
 */
const SQLITE_PREFIXES = ['SQLITE_BUSY', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_FULL'];

const hasPrefix = (code: string, base: string) => code === base || code.startsWith(`${base}_`);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** SQLITE_BUSY or one of its extended codes. */
export function isSqliteBusy(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && hasPrefix(code, 'SQLITE_BUSY');
}

function unavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = codeOf(error);
  if (code !== undefined) {
    if (NETWORK_CODES.has(code) || POSTGRES_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
    if (SQLITE_PREFIXES.some((base) => hasPrefix(code, base))) return true;
  }
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && POSTGRES_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * True when `error`, its `cause` or one of an AggregateError's errors (a connect that tried
 * several addresses) is a connection-level failure of the database.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 4 || typeof error !== 'object' || error === null) return false;
  if (unavailable(error)) return true;
  const { cause, errors } = error as { cause?: unknown; errors?: unknown };
  if (isDatabaseUnavailable(cause, depth + 1)) return true;
  return Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner, depth + 1));
}

import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { KyselyStore } from './kysely-store.js';
import type { Database } from './schema.js';

export interface PostgresOptions {
  readonly url: string;
  /** Most connections one instance holds. */
  readonly poolSize: number;
  /** Longest a statement may run before the database cancels it, in ms; 0 for no limit. */
  readonly statementTimeoutMs: number;
  /** A schema to work in instead of `public` (the test suites give each test its own). */
  readonly schema?: string;
  /** Longest a request waits for a connection (a new one, or a free one of the pool), in ms. */
  readonly connectTimeoutMs?: number;
}

/** Past this a request gives up on the database (503) rather than hang while it is unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;

const INT8 = 20;

/**
 * 64-bit integers (counts, epoch milliseconds, money) arrive as numbers: every value voucherd
 * stores is below 2^53, and the store maps rows the same way on every dialect.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/** A store on PostgreSQL; one pool per instance, the dialect chosen here and nowhere else. */
export function openPostgres(options: PostgresOptions): KyselyStore {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    types: types as pg.CustomTypesConfig,
    ...(options.statementTimeoutMs > 0 && { statement_timeout: options.statementTimeoutMs }),
    ...(options.schema && { options: `-c search_path=${options.schema}` }),
    connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
  });
  // An idle connection the server drops (a restart, a failover) must not take the process down.
  pool.on('error', () => {});
  // Nor may one dropped while a request holds it: pg emits 'error' on the client, which the pool
  // listens to only while the client is idle. The request's query fails (503) and the pool
  // discards the broken client when it comes back; the next request connects afresh.
  pool.on('connect', (client) => client.on('error', () => {}));
  return new KyselyStore(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), 'postgres', options.schema);
}

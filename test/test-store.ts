import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { KyselyStore } from '../src/store/kysely-store.js';
import type { SiteRecord } from '../src/store/port.js';
import type { Database } from '../src/store/schema.js';
import { openSqlite } from '../src/store/open-store.js';
import { openPostgres } from '../src/store/postgres.js';

/**
 * The database the suites run on: SQLite in a temporary folder, or, when DATABASE_URL is set
 * (`npm run test:pg`), PostgreSQL in a schema of its own, so every suite runs on both backends.
 */
export const TEST_DATABASE_URL = process.env.DATABASE_URL || undefined;
export const BACKEND = TEST_DATABASE_URL ? 'postgres' : 'sqlite';

export interface TestStore {
  readonly store: KyselyStore;
  /** Another store on the same database, as a second instance would open it. */
  openAnother(): KyselyStore;
  dispose(): Promise<void>;
}

/** The file of a SQLite store, for a connection of a test's own (as the CLI or another process holds one). */
export async function sqliteFile(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ file: string }>`select file from pragma_database_list where name = 'main'`.execute(db);
  return rows[0]!.file;
}

async function admin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** `through`: migrate only up to that migration, as a database of an earlier release stands. */
export async function createTestStore(options: { through?: string } = {}): Promise<TestStore> {
  if (TEST_DATABASE_URL) {
    const url = TEST_DATABASE_URL;
    const schema = `t_${randomBytes(8).toString('hex')}`;
    await admin(url, (client) => client.query(`create schema ${schema}`));
    const open = () => openPostgres({ url, poolSize: 5, statementTimeoutMs: 0, schema });
    const store = open();
    await store.migrate(options.through);
    return {
      store,
      openAnother: open,
      async dispose() {
        await admin(url, (client) => client.query(`drop schema ${schema} cascade`));
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'voucherd-test-'));
  const file = join(dir, 'voucherd.db');
  const store = openSqlite(file);
  await store.migrate(options.through);
  return {
    store,
    openAnother: () => openSqlite(file),
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A site as the store writes it, for suites that make one without the Open API. */
export function siteRecord(fields: Pick<SiteRecord, 'id' | 'name' | 'createdAt'> & Partial<SiteRecord>): SiteRecord {
  return {
    type: 0,
    region: 'United States',
    timeZone: 'UTC',
    scenario: 'Office',
    tagIds: [],
    longitude: undefined,
    latitude: undefined,
    address: undefined,
    deviceAccount: { username: 'admin', password: 'secret' },
    supportES: false,
    supportL2: false,
    ntpEnable: false,
    ntpServers: [],
    dst: undefined,
    currency: undefined,
    lockedUntil: undefined,
    ...fields,
  };
}

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteAdapter, SqliteDialect, type DialectAdapter } from 'kysely';
import { KyselyStore } from './kysely-store.js';
import type { Store } from './port.js';
import type { Database } from './schema.js';

export interface StoreOptions {
  /** Folder of the SQLite file `voucherd.db`; created if missing. */
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
}

export const SQLITE_FILE = 'voucherd.db';

/**
 * SQLite runs DDL inside transactions, though Kysely's adapter does not claim it. Claiming it makes
 * each migration all-or-nothing, so two processes migrating a new database at once cannot leave
 * it half-built: the loser rolls back and retries (see KyselyStore.migrate).
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class VoucherdSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/** Opens the SQLite file in WAL mode, tuned for one writer process and readers alongside (the CLI). */
export function openSqlite(file: string): KyselyStore {
  const database = new BetterSqlite3(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // SQLite's own lower() folds ASCII only; searches promise case-insensitivity for every script.
  database.function('lower', { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  );
  return new KyselyStore(new Kysely<Database>({ dialect: new VoucherdSqliteDialect({ database }) }), 'sqlite');
}

/** The store the environment asks for, migrated to the latest schema. */
export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl) {
    throw new Error('DATABASE_URL is set, but this build of voucherd supports SQLite only.');
  }
  mkdirSync(options.dataDir, { recursive: true });
  const store = openSqlite(join(options.dataDir, SQLITE_FILE));
  await store.migrate();
  return store;
}

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteAdapter, SqliteDialect, type DialectAdapter, type SqliteDatabase, type SqliteStatement } from 'kysely';
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

/** Prepared statements kept per connection; the SQL a store issues comes in far fewer shapes. */
const STATEMENT_CACHE_SIZE = 256;

interface CachedStatement {
  readonly statement: BetterSqlite3.Statement;
  readonly kysely: SqliteStatement;
}

/**
 * A statement as Kysely's driver uses it, with rows built in JavaScript from better-sqlite3's raw
 * arrays: better-sqlite3 names each value of each row through V8 one by one, which costs twice as
 * much for the wide rows voucherd reads (a page of groups is ten 36-column rows).
 */
function rowsAsObjects(statement: BetterSqlite3.Statement): SqliteStatement {
  if (!statement.reader) return statement;
  const names = statement.columns().map((column) => column.name);
  statement.raw(true);
  // Later columns of the same name win, as they do in better-sqlite3's own objects.
  const toObject = (values: unknown[]) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
    return row;
  };
  return {
    reader: true,
    all: (parameters) => (statement.all(parameters) as unknown[][]).map(toObject),
    run: (parameters) => statement.run(parameters),
    *iterate(parameters) {
      for (const values of statement.iterate(parameters) as IterableIterator<unknown[]>) yield toObject(values);
    },
  };
}

/**
 * Kysely's SQLite driver prepares every query it runs afresh. Compiling SQL costs more than
 * running most of voucherd's queries (and a 2500-row INSERT is 70 kB of SQL), so statements are
 * kept by their text, least recently used first out. A statement still iterating (busy) is never
 * handed out twice.
 */
function withStatementCache(database: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, CachedStatement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let cached = statements.get(sql);
      statements.delete(sql);
      if (!cached || cached.statement.busy) {
        const statement = database.prepare(sql);
        cached = { statement, kysely: rowsAsObjects(statement) };
      }
      statements.set(sql, cached);
      if (statements.size > STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      return cached.kysely;
    },
  };
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
  return new KyselyStore(
    new Kysely<Database>({ dialect: new VoucherdSqliteDialect({ database: withStatementCache(database) }) }),
    'sqlite',
  );
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

import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteAdapter, SqliteDialect, type DialectAdapter, type Driver, type SqliteDatabase, type SqliteDialectConfig, type SqliteStatement } from 'kysely';
import { KyselyStore } from './kysely-store.js';
import { openPostgres } from './postgres.js';
import type { Store } from './port.js';
import type { Database } from './schema.js';
import { ImmediateSqliteDriver, WriteCount } from './sqlite-driver.js';
import { answerFromKeptRows, type ImmediateSql } from './prepared-query.js';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';
import { SqliteReadCache } from './sqlite-read-cache.js';
import { TransactionGate } from './transaction-gate.js';

export interface StoreOptions {
  /** Folder of the SQLite file `voucherd.db`; created if missing. */
  readonly dataDir: string;
  /** postgres://… selects PostgreSQL instead of SQLite. */
  readonly databaseUrl?: string | undefined;
  readonly poolSize?: number;
  readonly statementTimeoutMs?: number;
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

/** Transactions begin with BEGIN IMMEDIATE, and a busy database is retried (see ImmediateSqliteDriver). */
class VoucherdSqliteDialect extends SqliteDialect {
  readonly #driverConfig: SqliteDialectConfig;
  readonly #readCache: SqliteReadCache;
  readonly #gate: TransactionGate;
  readonly #writes: WriteCount;

  constructor(config: SqliteDialectConfig, readCache: SqliteReadCache, gate: TransactionGate, writes: WriteCount) {
    super(config);
    this.#driverConfig = config;
    this.#readCache = readCache;
    this.#gate = gate;
    this.#writes = writes;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#driverConfig, this.#readCache, this.#gate, this.#writes);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

const WAL_AUTOCHECKPOINT_PAGES = 40_000;

/** Prepared statements kept per connection; the SQL a store issues comes in far fewer shapes. */
const STATEMENT_CACHE_SIZE = 256;
/** ...holding this much SQL text at most: a 2500-row INSERT is 43 kB of SQL and ~1 MB prepared. */
const STATEMENT_CACHE_CHARS = 1_000_000;

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
  const columnNames = () => statement.columns().map((column) => column.name);
  let names = columnNames();
  statement.raw(true);
  // Later columns of the same name win, as they do in better-sqlite3's own objects.
  const toObject = (values: unknown[]) => {
    // SQLite re-prepares a statement whose tables another connection altered; `*` may then widen.
    if (values.length !== names.length) names = columnNames();
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
 * running most of voucherd's queries (and a 2500-row INSERT is 43 kB of SQL), so statements are
 * kept by their text, least recently used first out. A statement still iterating (busy) is never
 * handed out twice.
 */
function withStatementCache(database: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, CachedStatement>();
  let chars = 0;
  return {
    close: () => database.close(),
    prepare(sql) {
      let cached = statements.get(sql);
      if (cached) {
        statements.delete(sql);
        chars -= sql.length;
      }
      if (!cached || cached.statement.busy) {
        const statement = database.prepare(sql);
        cached = { statement, kysely: rowsAsObjects(statement) };
      }
      statements.set(sql, cached);
      chars += sql.length;
      // A Map iterates in insertion order, and a hit is re-inserted: the first entry is the stalest.
      for (const oldest of statements.keys()) {
        if ((statements.size <= STATEMENT_CACHE_SIZE && chars <= STATEMENT_CACHE_CHARS) || oldest === sql) break;
        statements.delete(oldest);
        chars -= oldest.length;
      }
      return cached.kysely;
    },
  };
}

/** Opens the SQLite file in WAL mode, tuned for one writer process and readers alongside (the CLI). */
export function openSqlite(file: string): KyselyStore {
  const database = new BetterSqlite3(file);
  // The database holds device account passwords: readable by voucherd's user only.
  chmodSync(file, 0o600);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  // The checkpointing thread (below) copies the log back and starts it over long before this. The
  // automatic checkpoint, in this connection and so stalling the server for a sync of the file,
  // is the backstop should the thread fall behind or stop (40000 pages, ~160 MB).
  database.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // Reads go through a map of the file (up to 1 GiB), so the page cache holds little but pages
  // read from the WAL and pages being written: 8 MiB (SQLite's default is 2) is plenty. A larger
  // one costs at every commit, where SQLite walks the whole cache to drop pages past the file's end.
  database.pragma('cache_size = -8192');
  database.pragma('mmap_size = 1073741824');
  // SQLite's own lower() folds ASCII only; searches promise case-insensitivity for every script.
  database.function('lower', { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  );
  const readCache = new SqliteReadCache(database);
  // Checkpoints run beside the server; in it runs only the copy of a log's last pages while the
  // thread holds transactions, to start the log over. The automatic one above is the backstop.
  const gate = new TransactionGate();
  const finish = () => database.pragma('wal_checkpoint(PASSIVE)');
  const checkpointer = new SqliteCheckpointer(file, gate, { finish });
  const cached = withStatementCache(database);
  const writes = new WriteCount();
  const db = new Kysely<Database>({ dialect: new VoucherdSqliteDialect({ database: cached }, readCache, gate, writes) });
  answerFromKeptRows(db, readCache);
  const dataVersion = database.prepare('pragma data_version').pluck();
  const immediate: ImmediateSql = {
    db,
    run(sql, parameters) {
      const statement = cached.prepare(sql);
      if (statement.reader) return statement.all(parameters) as unknown[];
      statement.run(parameters);
      return [];
    },
    changeMark: () => `${writes.value}:${String(dataVersion.get())}`,
  };
  const store = new KyselyStore(db, 'sqlite', undefined, immediate);
  // The checkpointing thread lets go first: the server's connection, closing last, then folds the
  // log into the file and removes it, before close() answers.
  const close = store.close.bind(store);
  store.close = async () => {
    await checkpointer.stop();
    await close();
  };
  return store;
}

/** The store the environment asks for, migrated to the latest schema. */
export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl) {
    const store = openPostgres({
      url: options.databaseUrl,
      poolSize: options.poolSize ?? 10,
      statementTimeoutMs: options.statementTimeoutMs ?? 30_000,
    });
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }
  mkdirSync(options.dataDir, { recursive: true });
  const store = openSqlite(join(options.dataDir, SQLITE_FILE));
  await store.migrate();
  return store;
}

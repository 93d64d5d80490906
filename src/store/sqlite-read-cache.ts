import type BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery, QueryResult } from 'kysely';

/** Kept answers at most; the hot reads (token, site, a page of groups, portals) are a handful per site. */
const MAX_ENTRIES = 512;
/** Rows kept in all at most, and per answer: a large page is read again rather than held. */
const MAX_ROWS = 5000;
const MAX_ROWS_PER_ENTRY = 1000;

/**
 * Statements other than SELECTs run by any SQLite connection of this process (every store opened
 * with openSqlite); a write through one makes every cache of the process read data_version anew.
 */
let changesInProcess = 0;

const keyOf = (query: CompiledQuery) => `${query.sql}\u0000${JSON.stringify(query.parameters)}`;

/**
 * The rows of reads (queries prepared with `reuseRows`, see PreparedQuery) kept for as long as the
 * database provably has not changed since they were read, on SQLite only:
 *
 * - a commit by any other connection, in this process or another (the CLI revoking a token, a
 *   second server on the same file), changes `PRAGMA data_version`, which is read afresh for
 *   every I/O callback that asks (see #checkVersion): any change empties the cache;
 * - every statement of this connection that is not a SELECT (writes, DDL, BEGIN) empties it too,
 *   as does the end of every transaction.
 *
 * So an answer from here is what the database held at some moment after the request arrived; no
 * time-based expiry is involved. Reads inside a transaction never use it.
 */
export class SqliteReadCache {
  readonly #database: BetterSqlite3.Database;
  readonly #dataVersion: BetterSqlite3.Statement;
  #version: unknown = undefined;
  /** Whether #version was read in the current I/O callback (see #checkVersion). */
  #versionFresh = false;
  /** changesInProcess when #version was read. */
  #versionReadAt = -1;
  /** Bumped whenever the cache is emptied, so a read that overlapped a change is not kept. */
  #generation = 0;
  #entries = new Map<string, readonly unknown[]>();
  #rows = 0;

  constructor(database: BetterSqlite3.Database) {
    this.#database = database;
    this.#dataVersion = database.prepare('pragma data_version').pluck();
  }

  /** Empties the cache: this connection changed (or may have changed) the database. */
  clear(): void {
    changesInProcess++;
    this.#generation++;
    if (this.#entries.size > 0) {
      this.#entries = new Map();
      this.#rows = 0;
    }
  }

  /** The rows kept for `query`, if the database is unchanged since they were read. */
  lookup(query: CompiledQuery): readonly unknown[] | undefined {
    if (this.#database.inTransaction) return undefined;
    this.#checkVersion();
    return this.#entries.get(keyOf(query));
  }

  /** Answers `query` from the cache, or runs it (`run`) and keeps its rows. */
  async read<R>(query: CompiledQuery, run: () => Promise<QueryResult<R>>): Promise<QueryResult<R>> {
    if (this.#database.inTransaction) return run();
    const version = this.#checkVersion();
    const key = keyOf(query);
    const kept = this.#entries.get(key);
    if (kept !== undefined) return { rows: kept as R[] };
    const generation = this.#generation;
    const result = await run();
    const rows = result.rows;
    if (generation === this.#generation && this.#version === version && rows.length <= MAX_ROWS_PER_ENTRY) {
      // Served to many callers: frozen, so none can change what the next one gets.
      for (const row of rows) Object.freeze(row);
      this.#keep(key, Object.freeze(rows));
    }
    return result;
  }

  /**
   * Empties the cache when another connection has committed since the last look. Reading
   * `data_version` opens a read transaction (a few µs); one reading serves the rest of the current
   * I/O callback, until Node next runs its nextTick queue, unless a connection of this process
   * writes meanwhile. A change made by another process reaches this one only through I/O (a
   * request, a reply), which comes in a later callback and so meets a fresh reading: every request
   * answered from one reading was read from its socket before it.
   */
  #checkVersion(): unknown {
    if (this.#versionFresh && this.#versionReadAt === changesInProcess) return this.#version;
    const version = this.#dataVersion.get();
    if (version !== this.#version) {
      this.clear();
      this.#version = version;
    }
    this.#versionReadAt = changesInProcess;
    if (!this.#versionFresh) {
      this.#versionFresh = true;
      process.nextTick(this.#versionStale);
    }
    return version;
  }

  readonly #versionStale = () => {
    this.#versionFresh = false;
  };

  #keep(key: string, rows: readonly unknown[]): void {
    this.#entries.set(key, rows);
    this.#rows += rows.length;
    // A Map iterates in insertion order: the first entries are the oldest.
    for (const [oldest, oldRows] of this.#entries) {
      if (this.#entries.size <= MAX_ENTRIES && this.#rows <= MAX_ROWS) break;
      this.#entries.delete(oldest);
      this.#rows -= oldRows.length;
    }
  }
}

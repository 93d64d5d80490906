import { setImmediate } from 'node:timers';
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

/**
 * A short number for each SQL text a kept read has used. The texts of the hot reads run to
 * hundreds of characters; a key built of the whole text would be hashed anew at every lookup.
 * Only prepared reads come here, so the texts are few.
 */
const sqlNumbers = new Map<string, number>();

function keyOf(sql: string, parameters: readonly unknown[]): string {
  let number = sqlNumbers.get(sql);
  if (number === undefined) {
    number = sqlNumbers.size;
    sqlNumbers.set(sql, number);
  }
  return `${number}\u0000${JSON.stringify(parameters)}`;
}

/**
 * The rows of reads (queries prepared with `reuseRows`, see PreparedQuery) kept for as long as the
 * database provably has not changed since they were read, on SQLite only:
 *
 * - a commit by any other connection, in this process or another (the CLI revoking a token, a
 *   second server on the same file), changes `PRAGMA data_version`, which is read afresh after
 *   the request that asks arrived (see ready and #checkVersion): any change empties the cache;
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
  /** Whether #version was read in the current event loop callback (see #checkVersion). */
  #versionFresh = false;
  /** changesInProcess when #version was read. */
  #versionReadAt = -1;
  /** Bumped whenever the cache is emptied, so a read that overlapped a change is not kept. */
  #generation = 0;
  #entries = new Map<string, readonly unknown[]>();
  #rows = 0;
  /** The shared reading waited for (see ready), while one is pending. */
  #nextReading: Promise<void> | undefined;

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

  /**
   * What to wait for before `lookup`, so that one reading of data_version serves many reads:
   * undefined when a reading already serves the current callback (or none is needed: inside a
   * transaction nothing is looked up), else a promise of the next shared reading.
   *
   * The shared reading is taken in the event loop's check phase (setImmediate), after the poll
   * phase has run the I/O callbacks it found ready. Every request whose read waits for it was
   * read from its socket in such a callback, before the reading; so the reading shows every
   * commit that came before the request, as a reading of its own would. Under load, a poll phase
   * runs the callbacks of many requests, and they share one reading instead of taking one each.
   */
  ready(): Promise<void> | undefined {
    if (this.#versionFresh && this.#versionReadAt === changesInProcess) return undefined;
    if (this.#database.inTransaction) return undefined;
    this.#nextReading ??= new Promise<void>((resolve) => {
      setImmediate(() => {
        this.#nextReading = undefined;
        try {
          // Waiters resume in the microtasks of this callback, which the reading serves.
          if (!this.#database.inTransaction) this.#checkVersion();
        } catch {
          // A reading that failed is taken again by each waiter's lookup, which then fails as a read.
        } finally {
          resolve();
        }
      });
    });
    return this.#nextReading;
  }

  /** The rows kept for `sql` with `parameters`, if the database is unchanged since they were read. */
  lookup(sql: string, parameters: readonly unknown[]): readonly unknown[] | undefined {
    if (this.#database.inTransaction) return undefined;
    this.#checkVersion();
    return this.#entries.get(keyOf(sql, parameters));
  }

  /** Answers `query` from the cache, or runs it (`run`) and keeps its rows. */
  async read<R>(query: CompiledQuery, run: () => Promise<QueryResult<R>>): Promise<QueryResult<R>> {
    if (this.#database.inTransaction) return run();
    const version = this.#checkVersion();
    const key = keyOf(query.sql, query.parameters);
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
   * event loop callback (an I/O callback and the microtasks and nextTick callbacks it leads to),
   * unless a connection of this process writes meanwhile. A change made by another process reaches
   * this one only through I/O (a request, a reply), which comes in a later callback and so meets a
   * fresh reading: every request answered from one reading was read from its socket before it.
   *
   * The reading goes stale in a nextTick callback queued from a microtask: Node runs nextTick
   * callbacks queued by a microtask only once the microtask queue is empty, so the awaits of a
   * request that started in this callback (the token, then the site, then the page) share the
   * reading, and the event loop never moves on to new I/O before it goes stale.
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
      queueMicrotask(this.#staleAfterMicrotasks);
    }
    return version;
  }

  readonly #staleAfterMicrotasks = () => {
    process.nextTick(this.#versionStale);
  };

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

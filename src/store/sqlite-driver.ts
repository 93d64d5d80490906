import { CompiledQuery, SelectQueryNode, SqliteDriver, type DatabaseConnection, type QueryResult, type SqliteDialectConfig } from 'kysely';
import { isSqliteBusy } from './database-errors.js';
import { mayReuseRows } from './prepared-query.js';
import type { SqliteReadCache } from './sqlite-read-cache.js';
import type { TransactionGate } from './transaction-gate.js';

/** Tries of a statement that still meets SQLITE_BUSY once busy_timeout has run out. */
export const SQLITE_BUSY_ATTEMPTS = 3;
const BUSY_BACKOFF_MS = 20;

/** What the driver itself runs to begin and end transactions: these change no data. */
const isTransactionControl = (sql: string) => sql === 'begin immediate' || sql === 'commit' || sql === 'rollback';

/**
 * How many statements that may change data the driver has run: everything but SELECTs and the
 * driver's own BEGIN, COMMIT and ROLLBACK (see ImmediateSql.changeMark).
 */
export class WriteCount {
  value = 0;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function retryingBusy<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isSqliteBusy(error) || attempt >= SQLITE_BUSY_ATTEMPTS) throw error;
      await sleep(BUSY_BACKOFF_MS * attempt * (1 + Math.random()));
    }
  }
}

/**
 * Kysely's SQLite driver, for several processes writing one file (the server, the CLI):
 *
 * - A transaction begins with BEGIN IMMEDIATE, taking the write lock at once. A plain (deferred)
 *   BEGIN reads first and asks for the lock at its first write; when another process has written
 *   in between, SQLite answers SQLITE_BUSY at once, without waiting out busy_timeout, since the
 *   transaction's snapshot is stale. Taken up front, the lock is waited for (busy_timeout) instead.
 * - A statement outside a transaction, BEGIN IMMEDIATE included, that still meets SQLITE_BUSY (a
 *   writer held the lock longer than busy_timeout) is tried again, a bounded number of times: it
 *   failed before it changed anything. Inside a transaction nothing is retried; in WAL mode a
 *   transaction that holds the write lock does not meet SQLITE_BUSY.
 * - With a read cache, reads prepared with `reuseRows` outside a transaction may be answered from
 *   it, and every other statement and the end of every transaction empties it (SqliteReadCache).
 * - With a gate, a transaction waits at its start while the checkpointer holds the gate
 *   (TransactionGate, SqliteCheckpointer).
 * - With a WriteCount, every statement that may change data is counted before it runs.
 */
export class ImmediateSqliteDriver extends SqliteDriver {
  #inTransaction = false;
  #connection: DatabaseConnection | undefined;
  #retrying: DatabaseConnection | undefined;
  readonly #readCache: SqliteReadCache | undefined;
  readonly #gate: TransactionGate | undefined;
  readonly #writes: WriteCount | undefined;

  constructor(config: SqliteDialectConfig, readCache?: SqliteReadCache, gate?: TransactionGate, writes?: WriteCount) {
    super(config);
    this.#readCache = readCache;
    this.#gate = gate;
    this.#writes = writes;
  }

  #execute<R>(connection: DatabaseConnection, query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#writes && !SelectQueryNode.is(query.query) && !isTransactionControl(query.sql)) this.#writes.value++;
    if (this.#inTransaction) return connection.executeQuery<R>(query);
    return retryingBusy(() => connection.executeQuery<R>(query));
  }

  async #executeCaching<R>(connection: DatabaseConnection, query: CompiledQuery): Promise<QueryResult<R>> {
    const cache = this.#readCache!;
    if (!this.#inTransaction && mayReuseRows(query)) return cache.read(query, () => this.#execute<R>(connection, query));
    // Anything but a plain SELECT may change what a kept read would answer: emptied before it
    // runs (so no read answered meanwhile sees the old rows) and again once it is done.
    if (SelectQueryNode.is(query.query)) return this.#execute<R>(connection, query);
    cache.clear();
    try {
      return await this.#execute<R>(connection, query);
    } finally {
      cache.clear();
    }
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    // SqliteDriver has one connection; it is wrapped once.
    if (connection !== this.#connection) {
      this.#connection = connection;
      this.#retrying = {
        executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> =>
          this.#readCache ? this.#executeCaching<R>(connection, query) : this.#execute<R>(connection, query),
        streamQuery: <R>(query: CompiledQuery, chunkSize?: number) => connection.streamQuery<R>(query, chunkSize),
      };
    }
    return this.#retrying!;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#gate?.enter();
    try {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    } catch (error) {
      this.#gate?.leave();
      throw error;
    }
    this.#inTransaction = true;
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.commitTransaction(connection);
    } finally {
      this.#inTransaction = false;
      this.#readCache?.clear();
      this.#gate?.leave();
    }
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } finally {
      this.#inTransaction = false;
      this.#readCache?.clear();
      this.#gate?.leave();
    }
  }
}

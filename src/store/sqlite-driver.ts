import { CompiledQuery, SqliteDriver, type DatabaseConnection, type QueryResult } from 'kysely';
import { isSqliteBusy } from './database-errors.js';

/** Tries of a statement that still meets SQLITE_BUSY once busy_timeout has run out. */
export const SQLITE_BUSY_ATTEMPTS = 3;
const BUSY_BACKOFF_MS = 20;

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
 */
export class ImmediateSqliteDriver extends SqliteDriver {
  #inTransaction = false;
  #connection: DatabaseConnection | undefined;
  #retrying: DatabaseConnection | undefined;

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    // SqliteDriver has one connection; it is wrapped once.
    if (connection !== this.#connection) {
      this.#connection = connection;
      this.#retrying = {
        executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> =>
          this.#inTransaction ? connection.executeQuery<R>(query) : retryingBusy(() => connection.executeQuery<R>(query)),
        streamQuery: <R>(query: CompiledQuery, chunkSize?: number) => connection.streamQuery<R>(query, chunkSize),
      };
    }
    return this.#retrying!;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    this.#inTransaction = true;
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.commitTransaction(connection);
    } finally {
      this.#inTransaction = false;
    }
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } finally {
      this.#inTransaction = false;
    }
  }
}

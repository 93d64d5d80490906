import { closeSync, existsSync, linkSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SQLITE_FILE } from './open-store.js';

export interface BackupOptions {
  /** The folder of the SQLite file `voucherd.db`, as the server's DATA_DIR. */
  readonly dataDir: string;
  /** Set when the server runs on PostgreSQL, which this command does not back up. */
  readonly databaseUrl?: string | undefined;
  /** Where the copy goes. */
  readonly out: string;
  /** Replace `out` when it exists. */
  readonly force?: boolean;
}

export interface BackupResult {
  readonly file: string;
  readonly bytes: number;
}

/** A refusal the person running the command can act on; its message is shown as it is. */
export class BackupRefused extends Error {
  override name = 'BackupRefused';
}

/** As many pages as SQLite allows in one step: the whole database. */
const ALL_PAGES = 0x7fffffff;

/**
 * Copies the SQLite database of `dataDir` to `out` with SQLite's online backup API, safe while
 * voucherd runs on it: the copy is one consistent snapshot, taken in a single read transaction
 * (so the server's writes meanwhile cannot make SQLite restart it) that in WAL mode does not
 * block them. The copy is written beside `out` and moved into place only when complete, so
 * `out` never holds half a backup; it is left in rollback-journal mode, one self-contained file
 * that opens anywhere, read-only media included (voucherd turns WAL back on when it starts on it),
 * and readable by its owner only.
 */
export async function backupSqlite(options: BackupOptions): Promise<BackupResult> {
  if (options.databaseUrl) {
    throw new BackupRefused(
      'DATABASE_URL is set: voucherd backup copies the SQLite database only; back up PostgreSQL with pg_dump.',
    );
  }
  const source = join(options.dataDir, SQLITE_FILE);
  const out = resolve(options.out);
  if (!existsSync(source)) throw new BackupRefused(`there is no database to back up: ${source} does not exist.`);
  if (out === source || out.startsWith(`${source}-`)) {
    throw new BackupRefused(`${out} is the live database or one of its files; choose another --out.`);
  }
  if (existsSync(out) && !options.force) throw new BackupRefused(`${out} already exists; give --force to overwrite it.`);
  if (!existsSync(dirname(out))) throw new BackupRefused(`the folder ${dirname(out)} does not exist.`);

  const partial = join(dirname(out), `.${basename(out)}.${process.pid}.partial`);
  try {
    // The copy holds what the database holds (token hashes, device passwords): its owner's only.
    rmSync(partial, { force: true });
    closeSync(openSync(partial, 'wx', 0o600));
    // Read-write, like any other connection of the server's: a read-only one could not tidy up
    // the -wal and -shm files when it is the last to close.
    const database = new BetterSqlite3(source, { fileMustExist: true });
    try {
      database.pragma('busy_timeout = 5000');
      await database.backup(partial, { progress: () => ALL_PAGES });
    } finally {
      database.close();
    }
    const copy = new BetterSqlite3(partial, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    if (options.force) {
      renameSync(partial, out);
    } else {
      // A link fails when `out` appeared meanwhile, where a rename would replace it.
      try {
        linkSync(partial, out);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new BackupRefused(`${out} already exists; give --force to overwrite it.`);
        }
        throw error;
      }
    }
    return { file: out, bytes: statSync(out).size };
  } finally {
    rmSync(partial, { force: true });
    rmSync(`${partial}-journal`, { force: true });
  }
}

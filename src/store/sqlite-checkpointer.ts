import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { TransactionGate } from './transaction-gate.js';

export interface CheckpointerOptions {
  /**
   * How often the thread looks at the log. A look at a log with nothing to copy costs microseconds;
   * under steady writes each pass copies and syncs what came since the one before, and the
   * requests answered during a pass and its sync are the slow ones: shorter passes, shorter waits.
   */
  readonly intervalMs?: number;
  /**
   * Once the log holds this many pages it is started over. Each start-over holds transactions for
   * a sync of the database file (milliseconds, tens of them under heavy writes): rarely, then.
   */
  readonly restartPages?: number;
  /** Before the hold, passes copy what came during the one before until that is fewer pages than this. */
  readonly settledPages?: number;
  /**
   * Copies the log's last pages back on the server's own connection while transactions are held
   * (a PASSIVE checkpoint there). Without it the thread copies them, which takes two more trips
   * between the threads, each waiting for its thread to get a core.
   */
  readonly finish?: () => void;
}

const DEFAULTS: Required<Omit<CheckpointerOptions, 'finish'>> = { intervalMs: 25, restartPages: 16_000, settledPages: 200 };
/** The server lets transactions wait this long at most for the thread's last copy. */
const HOLD_LIMIT_MS = 100;

// Runs in the worker thread: its own connection, PASSIVE checkpoints (they never wait for, nor
// block, the server's readers and writers), a last one when asked to stop.
//
// SQLite starts the log over only when a write transaction begins with every page of it copied
// back; under steady writes that moment never comes on its own, and the log would grow until the
// server's own automatic checkpoint (the backstop) copied and synced in the server's thread. So,
// once the log is long and most of it copied, the thread asks the server to hold new transactions
// (the 'hold' message). The server, once none runs, copies the last pages itself (little is left
// to copy and sync), lets them go and says so ('finished'); a server without that copy, or whose
// copy failed, answers 'held', and the thread copies them and lets the transactions go
// ('release'). Either way the next transaction starts the log over.
//
// A pass syncs the log before it copies, but SQLite syncs the database file only after a pass that
// copied the whole log: the held one. Left at that, the held pass would write out every page
// copied since the last start-over (tens of MB under heavy writes, tens of ms of holding), so the
// thread syncs the file itself after each pass that copied something.
const WORKER_SOURCE = `
const { closeSync, fdatasyncSync, openSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 100');
const file = openSync(workerData.file, 'r');
let copied;
const checkpoint = () => {
  try {
    return db.pragma('wal_checkpoint(PASSIVE)')[0];
  } catch {
    return undefined; // busy or gone: the next turn tries again
  }
};
/** A pass, then a sync of the database file when the pass copied pages (see above). */
const pass = () => {
  const result = checkpoint();
  if (result && result.checkpointed > 0 && result.checkpointed !== copied) {
    try {
      fdatasyncSync(file);
    } catch {
      // The held pass syncs the file anyway.
    }
  }
  copied = result?.checkpointed;
  return result;
};
let held;
let stopping = false;
let timer;
const turn = async () => {
  timer = undefined;
  let result = pass();
  if (result && result.log >= workerData.restartPages && !stopping) {
    // Each pass copies (and syncs) what was written during the one before: a few passes leave
    // the hold little to copy.
    for (let i = 0; result && i < 4; i++) {
      const before = result.log;
      result = pass();
      if (result && result.log - before < workerData.settledPages) break;
    }
    parentPort.postMessage('hold');
    const finished = await new Promise((resolve) => {
      held = resolve;
      setTimeout(() => resolve(false), workerData.holdLimitMs / 2);
    });
    held = undefined;
    // Asked to stop meanwhile: the connection is closed, and the server lets go as the thread ends.
    if (stopping) return;
    if (!finished) {
      checkpoint();
      parentPort.postMessage('release');
    }
  }
  if (!stopping) timer = setTimeout(turn, workerData.intervalMs);
};
timer = setTimeout(turn, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'held' || message === 'finished') {
    held?.(message === 'finished');
    return;
  }
  stopping = true;
  if (timer) clearTimeout(timer);
  checkpoint();
  db.close();
  closeSync(file);
  parentPort.close();
});
`;

/**
 * Copies SQLite's write-ahead log back into the database file from a worker thread. A checkpoint
 * writes pages all over the file and syncs it; run by the connection that commits (SQLite's
 * automatic checkpoint), it stalls the event loop for as long, and every request waiting on it —
 * a RADIUS client, whose gateway retries after a few seconds, most of all. The thread keeps the
 * log short by holding the server's new transactions (through `gate`) while it copies a log's
 * last pages; the server's connection keeps an automatic checkpoint far larger, as a backstop
 * should this thread stop.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private readonly finish: (() => void) | undefined;
  private releaseTimer: NodeJS.Timeout | undefined;

  constructor(
    file: string,
    private readonly gate: TransactionGate,
    { finish, ...options }: CheckpointerOptions = {},
  ) {
    this.finish = finish;
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, module, ...DEFAULTS, ...options, holdLimitMs: HOLD_LIMIT_MS },
    });
    this.worker.on('message', (message) => (message === 'hold' ? this.hold() : this.release()));
    // A checkpoint that fails is retried next turn; a worker that dies leaves the backstop.
    this.worker.on('error', () => this.release());
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', () => {
        this.release();
        resolve();
      }),
    );
    this.worker.unref();
  }

  private hold(): void {
    // Should the thread not answer in time, transactions go on without it.
    // (The timer also keeps the process up while transactions wait: the thread itself is unref'd.)
    this.releaseTimer ??= setTimeout(() => this.release(), HOLD_LIMIT_MS);
    void this.gate.hold().then(() => {
      if (!this.gate.held) return;
      if (this.copiedHere()) {
        this.release();
        this.worker.postMessage('finished');
      } else {
        this.worker.postMessage('held');
      }
    });
  }

  /**
   * Copies the log's last pages on the server's connection; false without that copy, or when it
   * failed: the thread copies them then.
   */
  private copiedHere(): boolean {
    if (!this.finish) return false;
    try {
      this.finish();
      return true;
    } catch {
      return false;
    }
  }

  private release(): void {
    clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
    this.gate.release();
  }

  /** Asks for a last checkpoint and lets the thread end; the server's connection closes after it. */
  async stop(): Promise<void> {
    this.worker.postMessage('stop');
    const timer = setTimeout(() => void this.worker.terminate(), 2000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * The SQLite checkpointer: the gate it holds transactions with, and the log it keeps short. Under
 * writes that never pause, SQLite alone never starts the log over (a transaction would have to
 * begin with all of it copied back); the thread makes that moment by holding the writers while it
 * copies the last pages.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteCheckpointer } from '../src/store/sqlite-checkpointer.js';
import { TransactionGate } from '../src/store/transaction-gate.js';

const settled = async <T>(promise: Promise<T>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('TransactionGate', () => {
  it('holds once the running transaction ends, and keeps new ones waiting until released', async () => {
    const gate = new TransactionGate();
    await gate.enter();
    const held = gate.hold();
    expect(gate.held).toBe(true);
    expect(await settled(held)).toBe(false);
    gate.leave();
    expect(await settled(held)).toBe(true);

    const waiting = gate.enter();
    expect(await settled(waiting)).toBe(false);
    gate.release();
    expect(gate.held).toBe(false);
    expect(await settled(waiting)).toBe(true);
    gate.leave();
  });

  it('holds at once when no transaction runs, and lets transactions through when not held', async () => {
    const gate = new TransactionGate();
    expect(await settled(gate.hold())).toBe(true);
    gate.release();
    expect(await settled(gate.enter())).toBe(true);
    gate.leave();
  });
});

describe('SqliteCheckpointer', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /**
   * Writes transactions of 20 rows back to back (a turn of the event loop between them), as the
   * server's writers do: with the thread until the log has started over three times (a loaded
   * machine may start the thread late; 20 seconds at most), without it `batches` of them.
   */
  async function writeSteadily(withThread: boolean, batches: number, finish?: (db: BetterSqlite3.Database) => void) {
    dir = mkdtempSync(join(tmpdir(), 'voucherd-checkpointer-'));
    const file = join(dir, 'test.db');
    const db = new BetterSqlite3(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // No automatic checkpoint: only the thread copies the log back.
    db.pragma('wal_autocheckpoint = 0');
    db.exec('create table t (id integer primary key, v text)');
    const gate = new TransactionGate();
    const options = { intervalMs: 5, restartPages: 200, settledPages: 50, ...(finish && { finish: () => finish(db) }) };
    const checkpointer = withThread ? new SqliteCheckpointer(file, gate, options) : undefined;
    const insert = db.prepare('insert into t (v) values (?)');
    const deadline = Date.now() + 20_000;
    let written = 0;
    let mostPages = 0;
    let restarts = 0;
    let pages = 0;
    while (withThread ? restarts < 3 && Date.now() < deadline : written < batches) {
      await gate.enter();
      db.transaction(() => {
        for (let j = 0; j < 20; j++) insert.run('x'.repeat(1000));
      })();
      gate.leave();
      written++;
      const now = walPages(db);
      if (now < pages) restarts++;
      pages = now;
      mostPages = Math.max(mostPages, now);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await checkpointer?.stop();
    const rows = db.prepare('select count(*) from t').pluck().get() as number;
    db.close();
    return { written, rows, mostPages, restarts, lastPages: pages };
  }

  /** Pages in the log now, from a checkpoint that does no work. */
  const walPages = (db: BetterSqlite3.Database) => (db.pragma('wal_checkpoint(NOOP)', { simple: false }) as { log: number }[])[0]!.log;

  it('starts the log over while transactions keep coming, so it stays short', async () => {
    const { written, rows, restarts, lastPages } = await writeSteadily(true, 0);
    expect(rows).toBe(written * 20);
    expect(restarts).toBe(3);
    // Transactions of ~6 pages each: without the thread the log would hold them all.
    expect(lastPages).toBeLessThan(Math.max(3000, written * 3));
  });

  it('has the server copy the last pages itself when it can, and starts the log over as often', async () => {
    let finished = 0;
    const { written, rows, restarts, lastPages } = await writeSteadily(true, 0, (db) => {
      finished++;
      db.pragma('wal_checkpoint(PASSIVE)');
    });
    expect(rows).toBe(written * 20);
    expect(restarts).toBe(3);
    expect(finished).toBeGreaterThanOrEqual(3);
    expect(lastPages).toBeLessThan(Math.max(3000, written * 3));
  });

  it('leaves the last pages to the thread when the server\'s copy fails, and the log still starts over', async () => {
    let failed = 0;
    const { written, rows, restarts } = await writeSteadily(true, 0, () => {
      failed++;
      throw new Error('disk I/O error');
    });
    expect(rows).toBe(written * 20);
    expect(failed).toBeGreaterThanOrEqual(1);
    expect(restarts).toBe(3);
  });

  it('lets transactions go when stopped in the middle of a hold', async () => {
    dir = mkdtempSync(join(tmpdir(), 'voucherd-checkpointer-'));
    const file = join(dir, 'test.db');
    const db = new BetterSqlite3(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('create table t (id integer primary key, v text)');
    const insert = db.prepare('insert into t (v) values (?)');
    db.transaction(() => {
      for (let i = 0; i < 1000; i++) insert.run('x'.repeat(1000));
    })();
    const gate = new TransactionGate();
    // A transaction that does not end: the thread asks for a hold that never comes.
    await gate.enter();
    const checkpointer = new SqliteCheckpointer(file, gate, { intervalMs: 5, restartPages: 100 });
    for (let waited = 0; !gate.held && waited < 5000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(gate.held).toBe(true);
    await checkpointer.stop();
    expect(gate.held).toBe(false);
    gate.leave();
    expect(db.prepare('select count(*) from t').pluck().get()).toBe(1000);
    db.close();
  });

  it('without it, the same writes leave the log growing', async () => {
    const { mostPages, restarts, rows } = await writeSteadily(false, 300);
    expect(rows).toBe(6000);
    expect(restarts).toBe(0);
    expect(mostPages).toBeGreaterThan(1500);
  });
});

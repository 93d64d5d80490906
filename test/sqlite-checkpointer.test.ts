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

  /** Writes `batches` transactions back to back (a turn of the event loop between them), as the server's writers do. */
  async function writeSteadily(withThread: boolean, batches: number) {
    dir = mkdtempSync(join(tmpdir(), 'voucherd-checkpointer-'));
    const file = join(dir, 'test.db');
    const db = new BetterSqlite3(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // No automatic checkpoint: only the thread copies the log back.
    db.pragma('wal_autocheckpoint = 0');
    db.exec('create table t (id integer primary key, v text)');
    const gate = new TransactionGate();
    const checkpointer = withThread ? new SqliteCheckpointer(file, gate, { intervalMs: 5, restartPages: 200, settledPages: 50 }) : undefined;
    const insert = db.prepare('insert into t (v) values (?)');
    let mostPages = 0;
    let restarts = 0;
    let last = 0;
    for (let i = 0; i < batches; i++) {
      await gate.enter();
      db.transaction(() => {
        for (let j = 0; j < 20; j++) insert.run('x'.repeat(1000));
      })();
      gate.leave();
      const pages = walPages(db);
      if (pages < last) restarts++;
      last = pages;
      mostPages = Math.max(mostPages, pages);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await checkpointer?.stop();
    const rows = db.prepare('select count(*) from t').pluck().get();
    db.close();
    return { mostPages, restarts, lastPages: last, rows };
  }

  /** Pages in the log now, from a checkpoint that does no work. */
  const walPages = (db: BetterSqlite3.Database) => (db.pragma('wal_checkpoint(NOOP)', { simple: false }) as { log: number }[])[0]!.log;

  it('starts the log over while transactions keep coming, so it stays short', async () => {
    const { restarts, lastPages, rows } = await writeSteadily(true, 1500);
    expect(rows).toBe(30_000);
    // 1500 transactions of ~6 pages each: without the thread the log would end at ~9000 pages.
    expect(restarts).toBeGreaterThanOrEqual(3);
    expect(lastPages).toBeLessThan(3000);
  });

  it('without it, the same writes leave the log growing', async () => {
    const { mostPages, restarts } = await writeSteadily(false, 300);
    expect(restarts).toBe(0);
    expect(mostPages).toBeGreaterThan(1500);
  });
});

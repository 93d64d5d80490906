import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PreparedQuery, rowsOf, runAtOnce, runThrough, type ImmediateSql, type QueryWork } from '../src/store/prepared-query.js';

/**
 * Work on the database written once as a generator (QueryWork) runs the same whether its
 * statements run at once on SQLite's connection (runAtOnce, the redemption batch) or each through
 * Kysely (runThrough, PostgreSQL): the same rows come back into it, and a statement that fails is
 * thrown into it where it asked.
 */
interface Tables {
  items: { id: string; n: number };
}

// A table of the test's own: PreparedQuery builds for voucherd's schema, which types no such table.
const items = (db: unknown) => db as Kysely<Tables>;

const insert = new PreparedQuery((db, slot) => items(db).insertInto('items').values({ id: slot<string>('id'), n: slot<number>('n') }) as never);
const byId = new PreparedQuery<{ id: string; n: number }>(
  (db, slot) => items(db).selectFrom('items').selectAll().where('id', '=', slot<string>('id')) as never,
);
/** A constant the builder gave (the 2) stays in place beside the slots. */
const doubled = new PreparedQuery((db, slot) => items(db).updateTable('items').set({ n: 2 }).where('id', '=', slot<string>('id')) as never);

function* addThenRead(id: string, n: number): QueryWork<{ id: string; n: number }[]> {
  yield* rowsOf(insert, { id, n });
  return yield* rowsOf(byId, { id });
}

function* insertTwice(id: string): QueryWork<string> {
  yield* rowsOf(insert, { id, n: 1 });
  try {
    yield* rowsOf(insert, { id, n: 2 });
  } catch (error) {
    return `caught: ${(error as Error).message}`;
  }
  return 'not caught';
}

function* failThenWrite(id: string): QueryWork<void> {
  yield* rowsOf(insert, { id, n: 1 });
  yield* rowsOf(insert, { id, n: 2 });
  yield* rowsOf(insert, { id: `${id}-after`, n: 3 });
}

describe('QueryWork', () => {
  let dir: string;
  let database: BetterSqlite3.Database;
  let db: Kysely<never>;
  let immediate: ImmediateSql;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'voucherd-query-work-'));
    database = new BetterSqlite3(join(dir, 'work.db'));
    database.exec('create table items (id text primary key, n integer not null)');
    db = new Kysely<never>({ dialect: new SqliteDialect({ database }) });
    immediate = {
      db: db as never,
      run(sql, parameters) {
        const statement = database.prepare(sql);
        if (statement.reader) return statement.all(parameters as unknown[]);
        statement.run(parameters as unknown[]);
        return [];
      },
      changeMark: () => '',
    };
  });
  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const runners: [string, <T>(work: QueryWork<T>) => Promise<T>][] = [
    ['at once', async (work) => runAtOnce(work, immediate)],
    ['through Kysely', (work) => runThrough(work, db as never)],
  ];

  it.each(runners)('%s: hands each statement its rows back', async (_name, run) => {
    expect(await run(addThenRead('a', 7))).toEqual([{ id: 'a', n: 7 }]);
    expect(await run(addThenRead('b', 8))).toEqual([{ id: 'b', n: 8 }]);
    expect(database.prepare('select id, n from items order by id').all()).toEqual([
      { id: 'a', n: 7 },
      { id: 'b', n: 8 },
    ]);
  });

  it.each(runners)('%s: keeps the constants the query was built with', async (_name, run) => {
    await run(addThenRead('a', 7));
    await run(
      (function* () {
        yield* rowsOf(doubled, { id: 'a' });
      })(),
    );
    expect(database.prepare('select n from items where id = ?').get('a')).toEqual({ n: 2 });
  });

  it.each(runners)('%s: throws a failed statement into the work, which may catch it', async (_name, run) => {
    expect(await run(insertTwice('a'))).toBe('caught: UNIQUE constraint failed: items.id');
    expect(database.prepare('select id, n from items').all()).toEqual([{ id: 'a', n: 1 }]);
  });

  it.each(runners)('%s: a failure the work does not catch ends it there: no later statement runs', async (_name, run) => {
    await expect(run(failThenWrite('a'))).rejects.toThrow('UNIQUE constraint failed: items.id');
    expect(database.prepare('select id, n from items').all()).toEqual([{ id: 'a', n: 1 }]);
  });

  it('at once: answers without a turn of the event loop', () => {
    let turned = false;
    setImmediate(() => (turned = true));
    void Promise.resolve().then(() => (turned = true));
    expect(runAtOnce(addThenRead('a', 1), immediate)).toEqual([{ id: 'a', n: 1 }]);
    expect(turned).toBe(false);
  });
});

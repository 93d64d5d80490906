import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { idSource, type Clock, type Random } from '../src/domain/clock.js';
import type { KyselyStore } from '../src/store/kysely-store.js';
import { openSqlite, SQLITE_FILE } from '../src/store/open-store.js';

/**
 * The SQLite connection keeps prepared statements and builds rows from raw arrays (see
 * open-store.ts); rows must read exactly as better-sqlite3's own objects would.
 */
describe('SQLite statements', () => {
  let dir: string;
  let store: KyselyStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'voucherd-store-'));
    store = openSqlite(join(dir, SQLITE_FILE));
    await sql`create table things (id integer primary key, name text, size integer)`.execute(store.db);
    await sql`insert into things (name, size) values ('a', 1), ('b', 2), ('c', null)`.execute(store.db);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const all = () => sql<Record<string, unknown>>`select * from things order by id`.execute(store.db);

  it('answers the same rows when a statement is reused', async () => {
    const rows = [
      { id: 1, name: 'a', size: 1 },
      { id: 2, name: 'b', size: 2 },
      { id: 3, name: 'c', size: null },
    ];
    expect((await all()).rows).toEqual(rows);
    expect((await all()).rows).toEqual(rows);
  });

  it('names a row by its columns, a later column of the same name winning', async () => {
    const { rows } = await sql`select id, name, size as id from things where id = 2`.execute(store.db);
    expect(rows).toEqual([{ id: 2, name: 'b' }]);
  });

  it('sees a column another connection added after the statement was first prepared', async () => {
    await all();
    const other = new BetterSqlite3(join(dir, SQLITE_FILE));
    other.exec("alter table things add column colour text default 'red'");
    other.close();
    expect((await all()).rows[0]).toEqual({ id: 1, name: 'a', size: 1, colour: 'red' });
  });

  it('reuses a statement whose stream was left early', async () => {
    const things = () => store.db.selectFrom('things' as never).selectAll().orderBy('id' as never);
    for await (const row of things().stream()) {
      expect(row).toEqual({ id: 1, name: 'a', size: 1 });
      break;
    }
    expect(await things().execute()).toHaveLength(3);
  });

  it('reports how many rows a write changed', async () => {
    const result = await sql`update things set size = 0 where size is not null`.execute(store.db);
    expect(result.numAffectedRows).toBe(2n);
  });
});

describe('idSource', () => {
  it('gives ids shaped like newId, in creation order, drawing random bytes in blocks', () => {
    const ms = 0x019e10000000;
    const clock: Clock = { now: () => ms };
    let draws = 0;
    let counter = 0;
    // Each four bytes count up, so the ids show that no random bytes are handed out twice.
    const random: Random = {
      bytes: (size) => {
        draws++;
        const bytes = Buffer.alloc(size);
        for (let at = 0; at + 4 <= size; at += 4) bytes.writeUInt32BE(++counter, at);
        return bytes;
      },
    };
    const next = idSource(clock, random);
    const ids = Array.from({ length: 1500 }, () => next());
    expect(ids.filter((id) => !id.startsWith('019e10000000') || !/^[0-9a-f]{24}$/.test(id))).toEqual([]);
    expect(ids.map((id) => parseInt(id.slice(16), 16))).toEqual(ids.map((_, index) => index + 1));
    expect([...ids].sort()).toEqual(ids);
    expect(draws).toBe(3);
  });
});

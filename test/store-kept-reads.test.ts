import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KyselyStore } from '../src/store/kysely-store.js';
import type { AppRecord } from '../src/store/port.js';
import { BACKEND, createTestStore, siteRecord, sqliteFile, type TestStore } from './test-store.js';

/**
 * The reads every request makes (the access token, the site, a page of groups) may be answered
 * from memory on SQLite while the database is unchanged (SqliteReadCache). Whatever changes the
 * database, through this store or another connection to it, must show in the very next read.
 */
describe(`kept reads (${BACKEND})`, () => {
  let test: TestStore;
  let store: KyselyStore;
  let other: KyselyStore;
  const now = Date.now();

  const app: AppRecord = {
    id: 'a'.repeat(24),
    clientId: 'client-1',
    secretHash: 'x',
    name: 'App',
    role: 'admin',
    siteScope: 'all',
    createdAt: now,
  };
  const site = siteRecord({ id: 'b'.repeat(24), name: 'Site', createdAt: now });
  const token = (hash: string) => ({ tokenHash: hash, expiresAt: now + 60_000 });
  const nextCallback = () => new Promise((resolve) => setImmediate(resolve));

  beforeEach(async () => {
    test = await createTestStore();
    store = test.store;
    other = test.openAnother();
    await store.apps.insert(app);
    await store.tokens.insertPair(app.id, token('access-1'), token('refresh-1'), now);
    await store.sites.insert(site, 100, 'c'.repeat(24));
  });
  afterEach(async () => {
    await other.close();
    await store.close();
    await test.dispose();
  });

  it('forgets a token at once when another connection deletes its app', async () => {
    expect((await store.tokens.findAccess('access-1'))?.app.id).toBe(app.id);
    expect((await store.tokens.findAccess('access-1'))?.app.id).toBe(app.id);
    expect(await other.apps.delete(app.clientId)).toBe(true);
    expect(await store.tokens.findAccess('access-1')).toBeUndefined();
  });

  it('shows a role changed through this store or another in the next read', async () => {
    expect((await store.tokens.findAccess('access-1'))?.app.role).toBe('admin');
    // A role change ends the app's tokens; a new one carries the new role.
    await store.apps.update(app.clientId, { role: 'viewer' });
    expect(await store.tokens.findAccess('access-1')).toBeUndefined();
    await store.tokens.insertPair(app.id, token('access-2'), token('refresh-2'), now);
    expect((await store.tokens.findAccess('access-2'))?.app.role).toBe('viewer');
    await other.apps.update(app.clientId, { role: 'admin' });
    expect(await store.tokens.findAccess('access-2')).toBeUndefined();
  });

  it('shows a site renamed, locked or deleted by another connection in the next read', async () => {
    expect((await store.sites.get(site.id))?.name).toBe('Site');
    await other.sites.update(site.id, { name: 'Renamed' }, now);
    expect((await store.sites.get(site.id))?.name).toBe('Renamed');
    expect(await other.sites.lock(site.id, 'test', now, now + 60_000)).toBe(true);
    expect((await store.sites.get(site.id))?.lockedUntil).toBe(now + 60_000);
    await other.sites.delete(site.id);
    expect(await store.sites.get(site.id)).toBeUndefined();
  });

  it.runIf(BACKEND === 'sqlite')('shows reads that share one reading a commit no connection of this process made', async () => {
    // A connection of its own, as another process (the CLI) holds one: only data_version tells.
    const outside = new BetterSqlite3(await sqliteFile(store.db));
    try {
      expect((await store.sites.get(site.id))?.name).toBe('Site');
      outside.prepare('update sites set name = ? where id = ?').run('Renamed outside', site.id);
      // A request made after that commit reaches the server in a later callback of its event loop.
      await nextCallback();
      // Reads asked for in the same turn of the event loop wait for one reading, taken after all of them.
      const [first, second, caller] = await Promise.all([
        store.sites.get(site.id),
        store.sites.get(site.id),
        store.tokens.findAccess('access-1'),
      ]);
      expect([first?.name, second?.name, caller?.app.id]).toEqual(['Renamed outside', 'Renamed outside', app.id]);
      outside.prepare('delete from access_tokens').run();
      await nextCallback();
      expect(await store.tokens.findAccess('access-1')).toBeUndefined();
    } finally {
      outside.close();
    }
  });

  it('answers rows no caller can change for the next one', async () => {
    const first = await store.tokens.findAccess('access-1');
    (first!.app as { name: string }).name = 'changed by a caller';
    expect((await store.tokens.findAccess('access-1'))?.app.name).toBe('App');
  });
});

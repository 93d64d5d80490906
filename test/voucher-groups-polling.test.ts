import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { cryptoRandom } from '../src/domain/clock.js';
import { createLogger } from '../src/logger.js';
import { createHarness, START, type Harness } from './helpers.js';
import { BACKEND } from './test-store.js';
import { createGroup, createPortal, groupsUrl } from './voucher-groups-support.js';

/**
 * Clients poll the group grid. On SQLite the route sends the bytes of its last answer for a page
 * again while nothing the page shows has changed (src/http/answered-pages.ts). Every poll must
 * still answer, byte for byte and header for header, what an app that never answered before
 * answers at that moment, whatever changed in between: the database (through this app or another
 * connection), the clock, the page asked for.
 */
describe(`polling getGridVoucherGroups (${BACKEND})`, () => {
  const HOUR_MS = 60 * 60 * 1000;
  let h: Harness;
  let token: string;
  let siteId: string;

  beforeAll(async () => {
    h = await createHarness();
    token = await h.token('admin');
    siteId = await h.createSite();
    for (let i = 0; i < 3; i++) await createGroup(h, token, siteId, { name: `Group ${i}`, amount: 2 });
  });
  afterAll(() => h.close());

  const poll = (query = 'page=1&pageSize=10') => h.call({ method: 'GET', url: groupsUrl(siteId, query), token });

  /** What an app over the same store that never answered before answers now. */
  async function fresh(query = 'page=1&pageSize=10'): Promise<LightMyRequestResponse> {
    const app = await buildApp({ store: h.store, clock: h.clock, random: cryptoRandom, logger: createLogger('silent'), settings: h.settings });
    try {
      return await app.inject({ method: 'GET', url: groupsUrl(siteId, query), headers: { authorization: `AccessToken=${token}` } });
    } finally {
      await app.close();
    }
  }

  const shown = (response: LightMyRequestResponse) => ({
    status: response.statusCode,
    contentType: response.headers['content-type'],
    contentLength: response.headers['content-length'],
    body: response.body,
  });

  async function expectAsFresh(query?: string): Promise<Record<string, unknown>> {
    const polled = await poll(query);
    expect(shown(polled)).toEqual(shown(await fresh(query)));
    return polled.json();
  }

  it('answers a repeated poll with the bytes of a fresh answer', async () => {
    const first = await poll();
    const again = await poll();
    expect(shown(again)).toEqual(shown(first));
    expect(shown(again)).toEqual(shown(await fresh()));
    expect(first.json().result.data).toHaveLength(3);
  });

  it('answers each page and page size for itself', async () => {
    for (const query of ['page=1&pageSize=2', 'page=2&pageSize=2', 'page=1&pageSize=3', 'page=1&pageSize=2']) {
      await expectAsFresh(query);
    }
    expect((await expectAsFresh('page=2&pageSize=2')).result).toMatchObject({ totalRows: 3, currentPage: 2, currentSize: 2 });
  });

  it('answers anew once a group is created or renamed, here or through another connection', async () => {
    await expectAsFresh();
    await createGroup(h, token, siteId, { name: 'Group 3' });
    expect((await expectAsFresh()).result).toMatchObject({ totalRows: 4 });

    const other = h.database.openAnother();
    try {
      await other.db.updateTable('voucher_groups').set({ name: 'Renamed' }).where('name', '=', 'Group 0').execute();
    } finally {
      await other.close();
    }
    const names = ((await expectAsFresh()).result as { data: { name: string }[] }).data.map((group) => group.name);
    expect(names).toContain('Renamed');
  });

  it('answers anew when the site gains a portal its groups apply to', async () => {
    await expectAsFresh();
    await createPortal(h, token, siteId, 'Lobby');
    const data = ((await expectAsFresh()).result as { data: { portalNames: string[] }[] }).data;
    expect(data.every((group) => group.portalNames.includes('Lobby'))).toBe(true);
  });

  it('answers anew when the clock closes a group window, with nothing written', async () => {
    await createGroup(h, token, siteId, {
      name: 'Closing',
      amount: 3,
      validityType: 1,
      effectiveTime: START,
      expirationTime: START + HOUR_MS,
    });
    const closing = (body: Record<string, unknown>) =>
      (body.result as { data: { name: string }[] }).data.find((group) => group.name === 'Closing');
    expect(closing(await expectAsFresh())).toMatchObject({ unusedCount: 3, expiredCount: 0 });
    expect(closing(await expectAsFresh())).toMatchObject({ unusedCount: 3, expiredCount: 0 });
    // Past the window, and still inside the token's two hours.
    h.clock.advance(1.5 * HOUR_MS);
    expect(closing(await expectAsFresh())).toMatchObject({ unusedCount: 0, expiredCount: 3 });
  });
});

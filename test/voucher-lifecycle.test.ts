import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../src/store/port.js';
import { answer, createHarness, OMADAC_ID, START, type Harness } from './helpers.js';
import { HAVE_SPEC, responseValidators, SKIP_NOTE, SPEC_FILE, type Spec } from './spec-support.js';
import {
  createGroup,
  DAY_MS,
  groupUrl,
  hotspotUrl,
  invalid,
  malformed,
  SITE_BUSY,
  success,
  VOUCHER_LIMIT,
  type Body,
  type Expected,
} from './voucher-groups-support.js';
import { siteNumber } from '../src/store/sql-helpers.js';

/**
 * Deleting groups and vouchers, clearing expired vouchers, and the print operations
 * (issue 6 parts 1 and 2): each selection type, codes freed, counters kept, sessions ended,
 * a 5000-voucher group in one transaction, the site lock, print answers in full, every error.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;

const NOT_A_GROUP = invalid('groupId does not name a voucher group of this site.');
const NOT_A_VOUCHER = invalid('id does not name a voucher of this site.');
const CODE_INCORRECT: Expected = { status: 200, body: { errorCode: -41502, msg: 'The voucher code is incorrect.' } };
const DONE = { status: 200, body: { errorCode: 0, msg: 'Success.' } };

const groupPath = (site: string, groupId: string) => `${hotspotUrl(site)}/voucher-groups/${groupId}`;
const batchGroups = (site: string, action: 'delete' | 'clear-invalid' | 'print-unused') =>
  `${hotspotUrl(site)}/voucher-groups/batch/${action}`;
const voucherPath = (site: string, id: string) => `${hotspotUrl(site)}/vouchers/${id}`;
const batchVouchers = (site: string, action: 'delete' | 'print') => `${hotspotUrl(site)}/vouchers/batch/${action}`;

let macs = 0;
const nextMac = () => `AA-BB-CC-DD-${String(Math.floor(++macs / 100) % 100).padStart(2, '0')}-${String(macs % 100).padStart(2, '0')}`;

/** Rows of every table a delete may touch, so a refusal is seen to write nothing. */
async function counts(h: Harness): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['sites', 'voucher_groups', 'voucher_group_portals', 'vouchers', 'voucher_clients', 'voucher_first_clients', 'voucher_uses', 'sessions'] as const) {
    const row = await h.store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  const ended = await h.store.db
    .selectFrom('sessions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('ended_at', 'is not', null)
    .executeTakeFirstOrThrow();
  out.endedSessions = Number(ended.n);
  const sites = await h.store.db.selectFrom('sites').select(['id', 'voucher_count']).orderBy('id').execute();
  for (const site of sites) out[`voucher_count ${site.id}`] = Number(site.voucher_count);
  const groups = await h.store.db.selectFrom('voucher_groups').select(['id', 'total_count', 'used_count', 'in_use_count', 'expired_count']).execute();
  for (const g of groups) out[`counters ${g.id}`] = Number(g.total_count) * 1e9 + Number(g.used_count) * 1e6 + Number(g.in_use_count) * 1e3 + Number(g.expired_count);
  return out;
}

/** Runs a request that must be refused: it answers `expected` in full and writes nothing. */
async function refused(h: Harness, run: () => Promise<LightMyRequestResponse>, expected: Expected): Promise<void> {
  const before = await counts(h);
  expect(answer(await run())).toEqual(expected);
  expect(await counts(h)).toEqual(before);
}

/**
 * The stored counters of every group and site agree with the vouchers that exist: what create,
 * redemption and every delete keep must add up.
 */
async function expectCountersConsistent(h: Harness): Promise<void> {
  const groups = await h.store.db.selectFrom('voucher_groups').selectAll().execute();
  for (const group of groups) {
    const vouchers = await h.store.db.selectFrom('vouchers').select(['status', 'used']).where('group_id', '=', group.id).execute();
    expect(
      {
        total: Number(group.total_count),
        used: Number(group.used_count),
        inUse: Number(group.in_use_count),
        expired: Number(group.expired_count),
      },
      group.name,
    ).toEqual({
      total: vouchers.length,
      used: vouchers.filter((v) => Number(v.used) > 0).length,
      inUse: vouchers.filter((v) => Number(v.status) === 1).length,
      expired: vouchers.filter((v) => Number(v.status) === 2).length,
    });
  }
  const sites = await h.store.db.selectFrom('sites').select(['id', 'voucher_count']).execute();
  for (const site of sites) {
    const row = await h.store.db
      .selectFrom('vouchers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('site_number', '=', siteNumber(site.id))
      .executeTakeFirstOrThrow();
    expect(Number(site.voucher_count), `voucher_count of ${site.id}`).toBe(Number(row.n));
  }
}

describe('voucher deletes, clears and prints', () => {
  let h: Harness;
  let admin: string;
  let siteId: string;
  const ended: SessionRecord[] = [];

  beforeAll(async () => {
    // The clock moves on by hours to let vouchers run out; tokens outlast the whole suite.
    h = await createHarness({ accessTokenTtlSeconds: 365 * 86_400 });
    admin = await h.token('admin');
    siteId = await h.createSite();
    h.app.redemption.onSessionEnded((session) => ended.push(session));
  });
  afterAll(() => h.close());

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    h.call({ method, url, token: admin, ...(payload && { payload }) });
  const auth = (site: string, voucherCode: string, clientMac = nextMac()) =>
    h.call({ method: 'POST', url: '/portal/auth', payload: { authType: 3, voucherCode, clientMac, site } });

  /** The vouchers of a group as stored, by code. */
  const stored = (groupId: string) =>
    h.store.db.selectFrom('vouchers').select(['id', 'code', 'status', 'used']).where('group_id', '=', groupId).orderBy('code').execute();
  const groupIdsOf = async (site: string) =>
    (await h.store.db.selectFrom('voucher_groups').select('id').where('site_id', '=', site).execute()).map((g) => g.id).sort();
  /** Lets a client in with the voucher; answers the client's MAC. */
  const redeem = async (site: string, code: string) => {
    const clientMac = nextMac();
    const response = await auth(site, code, clientMac);
    expect(response.json().errorCode, response.body).toBe(0);
    return clientMac;
  };

  describe('deleteVoucherGroup', () => {
    it('deletes the group and all its vouchers, and leaves the others as they were', async () => {
      const site = await h.createSite();
      const doomed = await createGroup(h, admin, site, { amount: 20 });
      const kept = await createGroup(h, admin, site, { amount: 3 });
      const keptBefore = (await call('GET', groupUrl(site, kept))).json();
      expect(answer(await call('DELETE', groupPath(site, doomed)))).toEqual(DONE);
      expect(answer(await call('GET', groupUrl(site, doomed)))).toEqual(NOT_A_GROUP);
      expect(await stored(doomed)).toEqual([]);
      expect(await groupIdsOf(site)).toEqual([kept]);
      expect((await call('GET', groupUrl(site, kept))).json()).toEqual(keptBefore);
      await expectCountersConsistent(h);
    });

    it('refuses a group that is not the site\'s with −1001 and writes nothing', async () => {
      const other = await h.createSite();
      const foreign = await createGroup(h, admin, other);
      await refused(h, () => call('DELETE', groupPath(siteId, foreign)), NOT_A_GROUP);
      await refused(h, () => call('DELETE', groupPath(siteId, 'f'.repeat(24))), NOT_A_GROUP);
      await refused(h, () => call('DELETE', groupPath(siteId, 'not-an-id')), NOT_A_GROUP);
    });

    it('ends the live sessions of its vouchers and tells the gateways; the codes then answer −41502', async () => {
      const site = await h.createSite();
      const groupId = await createGroup(h, admin, site, { amount: 2 });
      const [first, second] = await stored(groupId);
      const firstMac = await redeem(site, first!.code);
      await redeem(site, second!.code);
      const clientsOf = async () => ({
        clients: await h.store.db.selectFrom('voucher_clients').select('voucher_id').where('voucher_id', 'in', [first!.id, second!.id]).execute(),
        firsts: (
          await h.store.db.selectFrom('voucher_first_clients').select('voucher_id').where('voucher_id', 'in', [first!.id, second!.id]).execute()
        ).map((row) => row.voucher_id).sort(),
      });
      // Each voucher's one client is its first: in a row of its own.
      expect(await clientsOf()).toEqual({ clients: [], firsts: [first!.id, second!.id].sort() });
      ended.length = 0;
      h.clock.advance(MIN);
      expect(answer(await call('DELETE', groupPath(site, groupId)))).toEqual(DONE);
      const sessions = await h.store.db.selectFrom('sessions').selectAll().where('site_id', '=', site).execute();
      expect(sessions).toHaveLength(2);
      for (const session of sessions) {
        expect(session).toMatchObject({ ended_at: h.clock.now(), end_reason: 'deleted', group_id: groupId });
      }
      expect(ended.map((session) => session.clientMac).sort()).toEqual(sessions.map((s) => s.client_mac).sort());
      expect(ended.every((session) => session.endReason === 'deleted' && session.endedAt === h.clock.now())).toBe(true);
      expect(answer(await auth(site, first!.code, firstMac))).toEqual(CODE_INCORRECT);
      // Uses stay for statistics; the clients' per-voucher rows go with the vouchers.
      const uses = await h.store.db.selectFrom('voucher_uses').select('voucher_id').where('site_id', '=', site).execute();
      expect(uses.map((use) => use.voucher_id).sort()).toEqual([first!.id, second!.id].sort());
      expect(await clientsOf()).toEqual({ clients: [], firsts: [] });
      await expectCountersConsistent(h);
    });
  });

  describe('deleteSelectedVoucherGroups', () => {
    /** A site with four groups, created a second apart; answers their ids by name. */
    async function fourGroups() {
      const site = await h.createSite();
      const ids: Record<string, string> = {};
      const created: Record<string, number> = {};
      for (const name of ['Day Pass', 'Week Pass', 'Conference', 'Staff']) {
        h.clock.advance(1000);
        created[name] = h.clock.now();
        ids[name] = await createGroup(h, admin, site, { name, amount: 2 });
      }
      return { site, ids, created };
    }
    const remove = (site: string, body: Body) => call('POST', batchGroups(site, 'delete'), body);

    it('type 0 deletes every group of the site and no other site\'s', async () => {
      const { site } = await fourGroups();
      const bystander = await createGroup(h, admin, siteId);
      expect(answer(await remove(site, { type: 0 }))).toEqual(DONE);
      expect(await groupIdsOf(site)).toEqual([]);
      expect(await h.store.db.selectFrom('vouchers').select('id').where('site_number', '=', siteNumber(site)).execute()).toEqual([]);
      expect(await stored(bystander)).toHaveLength(1);
      await expectCountersConsistent(h);
    });

    it('type 0 ignores groupIds, as the selection does not pass them', async () => {
      const { site, ids } = await fourGroups();
      expect(answer(await remove(site, { type: 0, groupIds: [ids['Staff']] }))).toEqual(DONE);
      expect(await groupIdsOf(site)).toEqual([]);
    });

    it('type 0 with searchKey deletes the groups whose name, or a code of theirs, matches, any case', async () => {
      const { site, ids } = await fourGroups();
      expect(answer(await remove(site, { type: 0, searchKey: 'pASS' }))).toEqual(DONE);
      expect(await groupIdsOf(site)).toEqual([ids['Conference'], ids['Staff']].sort());
      const [voucher] = await stored(ids['Staff']!);
      expect(answer(await remove(site, { type: 0, searchKey: voucher!.code }))).toEqual(DONE);
      expect(await groupIdsOf(site)).toEqual([ids['Conference']]);
    });

    it('type 0 with timeStart deletes the groups created at or after it', async () => {
      const { site, ids, created } = await fourGroups();
      expect(answer(await remove(site, { type: 0, timeStart: created['Conference'] }))).toEqual(DONE);
      expect(await groupIdsOf(site)).toEqual([ids['Day Pass'], ids['Week Pass']].sort());
    });

    it('type 1 deletes the listed groups, ignoring ids that name no group of the site', async () => {
      const { site, ids } = await fourGroups();
      const foreign = await createGroup(h, admin, siteId);
      expect(answer(await remove(site, { type: 1, groupIds: [ids['Day Pass'], ids['Staff'], foreign, 'f'.repeat(24)] }))).toEqual(DONE);
      expect(await groupIdsOf(site)).toEqual([ids['Week Pass'], ids['Conference']].sort());
      expect(await stored(foreign)).toHaveLength(1);
      await expectCountersConsistent(h);
    });

    it('type 1 with searchKey deletes only the listed groups that match', async () => {
      const { site, ids } = await fourGroups();
      expect(answer(await remove(site, { type: 1, groupIds: [ids['Day Pass'], ids['Staff']], searchKey: 'pass' }))).toEqual(DONE);
      expect(await groupIdsOf(site)).toEqual([ids['Week Pass'], ids['Conference'], ids['Staff']].sort());
    });

    it('type 2 deletes every group but the listed ones', async () => {
      const { site, ids } = await fourGroups();
      expect(answer(await remove(site, { type: 2, groupIds: [ids['Week Pass']] }))).toEqual(DONE);
      expect(await groupIdsOf(site)).toEqual([ids['Week Pass']]);
    });

    it('type 2 with searchKey deletes the matching groups but the listed ones', async () => {
      const { site, ids } = await fourGroups();
      expect(answer(await remove(site, { type: 2, groupIds: [ids['Week Pass']], searchKey: 'pass' }))).toEqual(DONE);
      expect(await groupIdsOf(site)).toEqual([ids['Week Pass'], ids['Conference'], ids['Staff']].sort());
    });

    it('a selection of no group succeeds and deletes nothing', async () => {
      const { site } = await fourGroups();
      await refused(h, () => remove(site, { type: 0, searchKey: 'nothing like it' }), DONE);
    });
  });

  describe('deleteVoucher and deleteVouchers', () => {
    it('deleteVoucher deletes one voucher; its group keeps the rest and its counters follow', async () => {
      const site = await h.createSite();
      const groupId = await createGroup(h, admin, site, { amount: 3, durationType: 1, duration: 60 });
      const [a, b, c] = await stored(groupId);
      await redeem(site, a!.code);
      await redeem(site, b!.code);
      h.clock.advance(2 * HOUR); // a and b are expired by time now, without a step having written so
      await redeem(site, c!.code);
      expect(answer(await call('DELETE', voucherPath(site, b!.id)))).toEqual(DONE);
      expect(answer(await call('GET', voucherPath(site, b!.id)))).toEqual(NOT_A_VOUCHER);
      const detail = (await call('GET', groupUrl(site, groupId))).json().result;
      expect(detail).toMatchObject({ totalCount: 2, usedCount: 2, inUseCount: 1, expiredCount: 1, unusedCount: 0 });
      expect(detail.data.map((v: { id: string }) => v.id).sort()).toEqual([a!.id, c!.id].sort());
      await expectCountersConsistent(h);
    });

    it('deleteVoucher refuses an id that names no voucher of the site with −1001 and writes nothing', async () => {
      const other = await h.createSite();
      const [foreign] = await stored(await createGroup(h, admin, other));
      await refused(h, () => call('DELETE', voucherPath(siteId, foreign!.id)), NOT_A_VOUCHER);
      await refused(h, () => call('DELETE', voucherPath(siteId, 'f'.repeat(24))), NOT_A_VOUCHER);
    });

    it('deleteVoucher ends the voucher\'s live session: the gateway is told, and the code answers −41502', async () => {
      const site = await h.createSite();
      const groupId = await createGroup(h, admin, site, { amount: 2, limitType: 1, limitNum: 2 });
      const [voucher, other] = await stored(groupId);
      const first = await redeem(site, voucher!.code);
      const second = await redeem(site, voucher!.code);
      const bystander = await redeem(site, other!.code);
      ended.length = 0;
      h.clock.advance(5 * MIN);
      expect(answer(await call('DELETE', voucherPath(site, voucher!.id)))).toEqual(DONE);
      const sessions = await h.store.db.selectFrom('sessions').select(['client_mac', 'ended_at', 'end_reason']).where('site_id', '=', site).execute();
      const byMac = new Map(sessions.map((s) => [s.client_mac, s]));
      expect(byMac.get(first)).toEqual({ client_mac: first, ended_at: h.clock.now(), end_reason: 'deleted' });
      expect(byMac.get(second)).toEqual({ client_mac: second, ended_at: h.clock.now(), end_reason: 'deleted' });
      expect(byMac.get(bystander)).toEqual({ client_mac: bystander, ended_at: null, end_reason: null });
      expect(ended.map((s) => s.clientMac).sort()).toEqual([first, second].sort());
      // Its first client's row went with it (the second client's row, by foreign key); the other voucher's stays.
      const firsts = await h.store.db.selectFrom('voucher_first_clients').select(['voucher_id', 'client_mac']).where('site_id', '=', site).execute();
      expect(firsts).toEqual([{ voucher_id: other!.id, client_mac: bystander }]);
      expect(answer(await auth(site, voucher!.code, first))).toEqual(CODE_INCORRECT);
      expect(answer(await auth(site, voucher!.code.toLowerCase()))).toEqual(CODE_INCORRECT);
      await expectCountersConsistent(h);
    });

    it('a session whose deadline passed unseen ends at its deadline and is not announced', async () => {
      const site = await h.createSite();
      const groupId = await createGroup(h, admin, site, { amount: 1, duration: 30 });
      const [voucher] = await stored(groupId);
      await redeem(site, voucher!.code);
      const { deadline } = await h.store.db.selectFrom('sessions').select('deadline').where('site_id', '=', site).executeTakeFirstOrThrow();
      ended.length = 0;
      h.clock.advance(HOUR);
      expect(answer(await call('DELETE', voucherPath(site, voucher!.id)))).toEqual(DONE);
      const session = await h.store.db.selectFrom('sessions').select(['ended_at', 'end_reason']).where('site_id', '=', site).executeTakeFirstOrThrow();
      expect(session).toEqual({ ended_at: Number(deadline), end_reason: 'deleted' });
      expect(ended).toEqual([]);
    });

    describe('deleteVouchers selections', () => {
      let site: string;
      let groupId: string;
      /** By status: two unused, one in use, two expired (by time), in code order within each. */
      let unused: string[];
      let inUse: string[];
      let expired: string[];

      beforeAll(async () => {
        site = await h.createSite();
      });

      /** A fresh group of five vouchers of every status. */
      async function mixedGroup() {
        groupId = await createGroup(h, admin, site, { amount: 5, durationType: 1, duration: 60 });
        const vouchers = await stored(groupId);
        await redeem(site, vouchers[0]!.code);
        await redeem(site, vouchers[1]!.code);
        h.clock.advance(2 * HOUR);
        await redeem(site, vouchers[2]!.code);
        expired = [vouchers[0]!.id, vouchers[1]!.id];
        inUse = [vouchers[2]!.id];
        unused = [vouchers[3]!.id, vouchers[4]!.id];
        return vouchers;
      }
      const remaining = async () => (await stored(groupId)).map((v) => v.id).sort();
      const remove = (body: Body) => call('POST', batchVouchers(site, 'delete'), { groupId, ...body });

      it('type 0 deletes every voucher of the group; the group stays, empty', async () => {
        await mixedGroup();
        const bystander = await createGroup(h, admin, site);
        expect(answer(await remove({ type: 0 }))).toEqual(DONE);
        expect(await remaining()).toEqual([]);
        expect(await stored(bystander)).toHaveLength(1);
        const detail = (await call('GET', groupUrl(site, groupId))).json().result;
        expect(detail).toMatchObject({ totalCount: 0, usedCount: 0, inUseCount: 0, expiredCount: 0, unusedCount: 0, totalRows: 0, data: [] });
        await expectCountersConsistent(h);
      });

      it.each([
        [0, () => unused],
        [1, () => inUse],
        [2, () => expired],
      ])('type 0 with status %i deletes the vouchers of that status', async (status, deleted) => {
        await mixedGroup();
        const before = await remaining();
        expect(answer(await remove({ type: 0, status }))).toEqual(DONE);
        expect(await remaining()).toEqual(before.filter((id) => !deleted().includes(id)).sort());
        await expectCountersConsistent(h);
      });

      it('type 0 with searchKey deletes the vouchers whose code matches', async () => {
        const vouchers = await mixedGroup();
        // Codes of one length: a whole code matches only itself.
        expect(answer(await remove({ type: 0, searchKey: vouchers[3]!.code }))).toEqual(DONE);
        expect(await remaining()).toEqual([...expired, ...inUse, unused[1]].sort());
      });

      it('type 2 with searchKey deletes the matching vouchers but the listed ones', async () => {
        const vouchers = await mixedGroup();
        await refused(h, () => remove({ type: 2, ids: [unused[0]], searchKey: vouchers[3]!.code }), DONE);
        expect(answer(await remove({ type: 2, ids: [unused[1]], searchKey: vouchers[3]!.code }))).toEqual(DONE);
        expect(await remaining()).toEqual([...expired, ...inUse, unused[1]].sort());
      });

      it('type 1 deletes the listed vouchers, ignoring ids of other groups and of none', async () => {
        await mixedGroup();
        const [foreign] = await stored(await createGroup(h, admin, site));
        expect(answer(await remove({ type: 1, ids: [unused[0], expired[1], foreign!.id, 'f'.repeat(24)] }))).toEqual(DONE);
        expect(await remaining()).toEqual([unused[1], inUse[0], expired[0]].sort());
        expect(await h.store.db.selectFrom('vouchers').select('id').where('id', '=', foreign!.id).execute()).toHaveLength(1);
        await expectCountersConsistent(h);
      });

      it('type 1 with status deletes only the listed vouchers of that status', async () => {
        await mixedGroup();
        expect(answer(await remove({ type: 1, ids: [unused[0], expired[0], inUse[0]], status: 2 }))).toEqual(DONE);
        expect(await remaining()).toEqual([...unused, ...inUse, expired[1]].sort());
      });

      it('type 2 deletes every voucher but the listed ones', async () => {
        await mixedGroup();
        expect(answer(await remove({ type: 2, ids: [inUse[0]] }))).toEqual(DONE);
        expect(await remaining()).toEqual([inUse[0]]);
        await expectCountersConsistent(h);
      });

      it('type 2 with status deletes the vouchers of that status but the listed ones', async () => {
        await mixedGroup();
        expect(answer(await remove({ type: 2, ids: [unused[1]], status: 0 }))).toEqual(DONE);
        expect(await remaining()).toEqual([unused[1], ...inUse, ...expired].sort());
      });

      it('in a group whose window has closed every voucher is expired: status 2 takes all, 0 and 1 none', async () => {
        const closed = await createGroup(h, admin, site, {
          amount: 3,
          validityType: 1,
          effectiveTime: h.clock.now() - DAY_MS,
          expirationTime: h.clock.now() + HOUR,
        });
        h.clock.advance(2 * HOUR);
        await refused(h, () => call('POST', batchVouchers(site, 'delete'), { groupId: closed, type: 0, status: 0 }), DONE);
        await refused(h, () => call('POST', batchVouchers(site, 'delete'), { groupId: closed, type: 0, status: 1 }), DONE);
        expect(answer(await call('POST', batchVouchers(site, 'delete'), { groupId: closed, type: 0, status: 2 }))).toEqual(DONE);
        expect(await stored(closed)).toEqual([]);
      });

      it.each<[string, Body, Expected]>([
        ['a groupId of no group', { type: 0, groupId: 'f'.repeat(24) }, NOT_A_GROUP],
        ['no groupId', { type: 0 }, invalid('groupId is required.')],
        ['no type', { groupId: 'f'.repeat(24) }, invalid('type is required.')],
        ['type 3', { type: 3, groupId: 'f'.repeat(24) }, invalid('type must be within 0-2.')],
        ['type -1', { type: -1, groupId: 'f'.repeat(24) }, invalid('type must be within 0-2.')],
        ['type 1 without ids', { type: 1, groupId: 'GROUP' }, invalid('ids is required when type is 1.')],
        ['type 1 with no ids', { type: 1, ids: [], groupId: 'GROUP' }, invalid('ids is required when type is 1.')],
        ['status 3', { type: 0, status: 3, groupId: 'GROUP' }, invalid('status must be within 0-2.')],
        ['type as a string', { type: '0', groupId: 'GROUP' }, invalid('type must be an integer.')],
        ['ids not a list', { type: 1, ids: 'x', groupId: 'GROUP' }, invalid('ids must be an array.')],
        ['a searchKey of 129 characters', { type: 0, searchKey: 'x'.repeat(129), groupId: 'GROUP' }, invalid('searchKey must be at most 128 characters.')],
      ])('deleteVouchers refuses %s and writes nothing', async (_label, body, expected) => {
        await mixedGroup();
        const payload = { ...body, ...(body.groupId === 'GROUP' && { groupId }) };
        await refused(h, () => call('POST', batchVouchers(site, 'delete'), payload), expected);
      });

      it('deleteVouchers refuses a body that is not an object with HTTP 400', async () => {
        await refused(
          h,
          () => h.call({ method: 'POST', url: batchVouchers(site, 'delete'), token: admin, payload: '[1]', headers: { 'content-type': 'application/json' } }),
          malformed('The request body must be an object.'),
        );
      });
    });
  });

  describe('codes freed by deletes', () => {
    it('a full code space takes new groups again once vouchers and groups are deleted', async () => {
      const tiny = await createHarness({}, { codeAlphabet: { digits: '01', letters: 'AB' } });
      try {
        const token = await tiny.token('admin');
        const site = await tiny.createSite();
        const binary = { codeLength: 6, codeForm: [0] };
        // 2^6 = 64 codes of six binary digits: fill them.
        const first = await createGroup(tiny, token, site, { ...binary, amount: 40 });
        const second = await createGroup(tiny, token, site, { ...binary, amount: 24 });
        const binaryGroup = (amount: number) => ({
          name: `Again ${++macs}`,
          amount,
          ...binary,
          limitType: 2,
          durationType: 0,
          duration: 60,
          timingType: 0,
          rateLimit: { mode: 0, customRateLimit: { downLimitEnable: false, upLimitEnable: false } },
          trafficLimitEnable: false,
          applyToAllPortals: true,
        });
        const post = (amount: number) =>
          tiny.call({ method: 'POST', url: `${hotspotUrl(site)}/voucher-groups`, token, payload: binaryGroup(amount) });
        expect(answer(await post(1))).toEqual(VOUCHER_LIMIT);

        const [one] = (await tiny.store.db.selectFrom('vouchers').select(['id', 'code']).where('group_id', '=', second).orderBy('code').execute());
        expect(answer(await tiny.call({ method: 'DELETE', url: voucherPath(site, one!.id), token }))).toEqual(DONE);
        expect(answer(await post(2))).toEqual(VOUCHER_LIMIT);
        const again = await post(1);
        expect(again.json().errorCode, again.body).toBe(0);
        const codes = await tiny.store.db.selectFrom('vouchers').select('code').where('group_id', '=', again.json().result.id).execute();
        expect(codes).toEqual([{ code: one!.code }]);

        expect(answer(await tiny.call({ method: 'DELETE', url: groupPath(site, first), token }))).toEqual(DONE);
        expect(answer(await post(41))).toEqual(VOUCHER_LIMIT);
        expect((await post(40)).json().errorCode).toBe(0);

        expect(answer(await tiny.call({ method: 'POST', url: batchGroups(site, 'delete'), token, payload: { type: 0 } }))).toEqual(DONE);
        expect((await post(64)).json().errorCode).toBe(0);
        await expectCountersConsistent(tiny);
      } finally {
        await tiny.close();
      }
    });

    it('deletes free room under VOUCHER_LIMIT_PER_SITE', async () => {
      const capped = await createHarness({ voucherLimitPerSite: 10 });
      try {
        const token = await capped.token('admin');
        const site = await capped.createSite();
        const groupId = await createGroup(capped, token, site, { amount: 10 });
        await expect(createGroup(capped, token, site, { amount: 1 })).rejects.toThrow(/-42010/);
        expect(answer(await capped.call({ method: 'POST', url: batchVouchers(site, 'delete'), token, payload: { type: 2, groupId, ids: [] } }))).toEqual(DONE);
        await createGroup(capped, token, site, { amount: 10 });
      } finally {
        await capped.close();
      }
    });
  });

  describe('clearing expired vouchers', () => {
    type MixedGroup = { groupId: string; expired: string[]; kept: string[] };
    /**
     * Groups of four vouchers, named as given: one unused, one in use, two expired by time (one of
     * them written as expired, one not yet).
     */
    async function mixedGroups(site: string, names: readonly string[]): Promise<MixedGroup[]> {
      const groups = [];
      for (const name of names) {
        const groupId = await createGroup(h, admin, site, { name, amount: 4, durationType: 1, duration: 60 });
        const vouchers = await stored(groupId);
        await redeem(site, vouchers[0]!.code);
        await redeem(site, vouchers[1]!.code);
        groups.push({ groupId, vouchers });
      }
      h.clock.advance(2 * HOUR);
      return Promise.all(
        groups.map(async ({ groupId, vouchers }) => {
          // A redemption of an expired voucher writes its status: one expired as written, one by time alone.
          expect((await auth(site, vouchers[0]!.code)).json().errorCode).toBe(-41503);
          await redeem(site, vouchers[2]!.code);
          expect((await stored(groupId)).map((v) => Number(v.status))).toEqual([2, 1, 1, 0]);
          return { groupId, expired: [vouchers[0]!.id, vouchers[1]!.id], kept: [vouchers[2]!.id, vouchers[3]!.id] };
        }),
      );
    }
    const remaining = async (groupId: string) => (await stored(groupId)).map((v) => v.id).sort();

    it('clearInvalidVouchersInaGroup deletes only the expired vouchers, by status or by time', async () => {
      const site = await h.createSite();
      const [{ groupId, kept }, other] = (await mixedGroups(site, [`Lobby ${++macs}`, `Terrace ${++macs}`])) as [MixedGroup, MixedGroup];
      expect(answer(await call('DELETE', `${groupPath(site, groupId)}/clear-invalid`))).toEqual(DONE);
      expect(await remaining(groupId)).toEqual([...kept].sort());
      expect(await remaining(other.groupId)).toEqual([...other.kept, ...other.expired].sort());
      const detail = (await call('GET', groupUrl(site, groupId))).json().result;
      expect(detail).toMatchObject({ totalCount: 2, usedCount: 1, inUseCount: 1, expiredCount: 0, unusedCount: 1 });
      await expectCountersConsistent(h);
      // Again: nothing left to clear.
      await refused(h, () => call('DELETE', `${groupPath(site, groupId)}/clear-invalid`), DONE);
    });

    it('clears every voucher of a group whose window has closed; the group stays', async () => {
      const site = await h.createSite();
      const groupId = await createGroup(h, admin, site, {
        amount: 3,
        validityType: 1,
        effectiveTime: h.clock.now() - DAY_MS,
        expirationTime: h.clock.now() + HOUR,
      });
      await refused(h, () => call('DELETE', `${groupPath(site, groupId)}/clear-invalid`), DONE);
      h.clock.advance(HOUR);
      expect(answer(await call('DELETE', `${groupPath(site, groupId)}/clear-invalid`))).toEqual(DONE);
      expect(await stored(groupId)).toEqual([]);
      expect((await call('GET', groupUrl(site, groupId))).json().result).toMatchObject({ totalCount: 0, expiredCount: 0 });
      await expectCountersConsistent(h);
    });

    it('clearInvalidVouchersInaGroup refuses a group that is not the site\'s with −1001 and writes nothing', async () => {
      const other = await h.createSite();
      const foreign = await createGroup(h, admin, other);
      await refused(h, () => call('DELETE', `${groupPath(siteId, foreign)}/clear-invalid`), NOT_A_GROUP);
    });

    it.each<[string, (ids: string[]) => Body, number[]]>([
      ['type 0: every group', () => ({ type: 0 }), [0, 1, 2]],
      ['type 0 with searchKey', () => ({ type: 0, searchKey: 'lobby' }), [0, 2]],
      ['type 1: the listed groups', (ids) => ({ type: 1, groupIds: [ids[1]] }), [1]],
      ['type 2: all but the listed groups', (ids) => ({ type: 2, groupIds: [ids[1]] }), [0, 2]],
      ['type 2 with searchKey', (ids) => ({ type: 2, groupIds: [ids[0]], searchKey: 'LOBBY' }), [2]],
    ])('clearInvalidVouchersInSelectedGroups, %s', async (_label, body, cleared) => {
      const site = await h.createSite();
      const groups = await mixedGroups(site, [`Lobby ${++macs}`, `Terrace ${++macs}`, `Lobby ${++macs}`]);
      const ids = groups.map((g) => g.groupId);
      expect(answer(await call('POST', batchGroups(site, 'clear-invalid'), body(ids)))).toEqual(DONE);
      for (const [i, group] of groups.entries()) {
        const expected = cleared.includes(i) ? group.kept : [...group.kept, ...group.expired];
        expect(await remaining(group.groupId), `group ${i}`).toEqual([...expected].sort());
      }
      expect(await groupIdsOf(site)).toEqual([...ids].sort());
      await expectCountersConsistent(h);
    });
  });

  describe.each<[string, (site: string) => Body, string]>([
    ['deleteSelectedVoucherGroups', () => ({ type: 0 }), 'delete'],
    ['clearInvalidVouchersInSelectedGroups', () => ({ type: 0 }), 'clear-invalid'],
    ['printSelectedVoucherGroups', () => ({ type: 0 }), 'print-unused'],
  ])('%s body rules', (_operation, _valid, action) => {
    it.each<[string, unknown, Expected]>([
      ['no type', {}, invalid('type is required.')],
      ['type 3', { type: 3 }, invalid('type must be within 0-2.')],
      ['type 1.5', { type: 1.5 }, invalid('type must be an integer.')],
      ['type 1 without groupIds', { type: 1 }, invalid('groupIds is required when type is 1.')],
      ['type 1 with no groupIds', { type: 1, groupIds: [] }, invalid('groupIds is required when type is 1.')],
      ['groupIds not a list', { type: 1, groupIds: 'abc' }, invalid('groupIds must be an array.')],
      ['a groupId not a string', { type: 1, groupIds: [7] }, invalid('groupIds[0] must be a string.')],
      ['a negative timeStart', { type: 0, timeStart: -1 }, invalid(`timeStart must be within 0-${Number.MAX_SAFE_INTEGER}.`)],
      ['a body that is not an object', [1], malformed('The request body must be an object.')],
    ])('refuses %s and writes nothing', async (_label, body, expected) => {
      await createGroup(h, admin, siteId);
      await refused(
        h,
        () => h.call({ method: 'POST', url: batchGroups(siteId, action as 'delete'), token: admin, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
        expected,
      );
    });

    it('refuses a request without a body with HTTP 400', async () => {
      await refused(h, () => h.call({ method: 'POST', url: batchGroups(siteId, action as 'delete'), token: admin }), malformed('The request body must be an object.'));
    });
  });

  describe('the site lock', () => {
    it('a group of 5000 vouchers is deleted in one transaction, and not at all while the site is locked', async () => {
      const site = await h.createSite();
      const groupId = await createGroup(h, admin, site, { amount: 5000, codeLength: 10, codeForm: [0, 1] });
      const [voucher] = await stored(groupId);
      await redeem(site, voucher!.code);
      const now = h.clock.now();
      expect(await h.store.sites.lock(site, 'test', now, now + 60_000)).toBe(true);
      const operations: [string, () => Promise<LightMyRequestResponse>][] = [
        ['deleteVoucherGroup', () => call('DELETE', groupPath(site, groupId))],
        ['deleteSelectedVoucherGroups', () => call('POST', batchGroups(site, 'delete'), { type: 0 })],
        ['clearInvalidVouchersInSelectedGroups', () => call('POST', batchGroups(site, 'clear-invalid'), { type: 0 })],
        ['clearInvalidVouchersInaGroup', () => call('DELETE', `${groupPath(site, groupId)}/clear-invalid`)],
        ['deleteVoucher', () => call('DELETE', voucherPath(site, voucher!.id))],
        ['deleteVouchers', () => call('POST', batchVouchers(site, 'delete'), { type: 0, groupId })],
        ['printVoucherGroup', () => call('GET', `${groupPath(site, groupId)}/print-unused`)],
        ['printSelectedVoucherGroups', () => call('POST', batchGroups(site, 'print-unused'), { type: 0 })],
        ['printVouchers', () => call('POST', batchVouchers(site, 'print'), { type: 0, groupId })],
      ];
      for (const [, run] of operations) await refused(h, run, SITE_BUSY);

      // A delete that passed the request guard just before the lock was taken checks it again in its transaction.
      const before = await counts(h);
      const lifecycle = h.store.voucherLifecycle;
      for (const attempt of [
        () => lifecycle.deleteGroups(site, {}, h.clock.now()),
        () => lifecycle.deleteVouchers(site, { groupId }, h.clock.now()),
        () => lifecycle.deleteExpired(site, {}, h.clock.now()),
      ]) {
        await expect(attempt()).rejects.toThrow(SITE_BUSY.body.msg as string);
      }
      expect(await counts(h)).toEqual(before);

      await h.store.sites.unlock(site);
      // One transaction: a failure at its very end (the site's counter) leaves every voucher and session as it was.
      await failSiteCounterUpdates(h, true);
      try {
        const failed = await call('DELETE', groupPath(site, groupId));
        expect(answer(failed)).toEqual({ status: 500, body: { errorCode: -1, msg: 'Internal server error.' } });
      } finally {
        await failSiteCounterUpdates(h, false);
      }
      expect(await counts(h)).toEqual(before);

      const started = performance.now();
      expect(answer(await call('DELETE', groupPath(site, groupId)))).toEqual(DONE);
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(await stored(groupId)).toEqual([]);
      expect(await groupIdsOf(site)).toEqual([]);
      const session = await h.store.db.selectFrom('sessions').select('end_reason').where('site_id', '=', site).executeTakeFirstOrThrow();
      expect(session.end_reason).toBe('deleted');
      await expectCountersConsistent(h);
    });
  });

  describe('print operations', () => {
    let site: string;
    /** A window, a price, limits and comments; the site is in America/New_York. */
    let windowed: string;
    let daily: string;
    let weekly: string;
    let permanent: string;
    let closed: string;
    let weeklyCreated: number;
    const windowTerms = (code: string) => ({
      code,
      limitType: 0,
      limitNum: 3,
      durationType: 1,
      duration: 1440,
      unitPrice: '250',
      currency: 'USD',
      // START is 12:00 UTC: 07:00 in New York, in standard time both days.
      validity: '2026-01-15 07:00 - 2026-02-14 07:00',
      printComments: 'Thank you for staying with us',
    });
    const dailyTerms = (code: string) => ({ code, limitType: 1, limitNum: 2, durationType: 0, duration: 60, validity: 'Daily 08:00-18:30' });
    const weeklyTerms = (code: string) => ({ code, limitType: 2, durationType: 0, duration: 60, validity: 'Weekly Sat, Sun' });
    const permanentTerms = (code: string) => ({ code, limitType: 2, durationType: 0, duration: 60, validity: 'Permanent', printComments: 'Hi' });
    const codes = async (groupId: string, status?: number) =>
      (await stored(groupId)).filter((v) => status === undefined || Number(v.status) === status).map((v) => v.code);

    beforeAll(async () => {
      site = await h.createSite({ timeZone: 'America/New_York' });
      h.clock.advance(1000);
      windowed = await createGroup(h, admin, site, {
        name: 'Window',
        amount: 4,
        limitType: 0,
        limitNum: 3,
        durationType: 1,
        duration: 1440,
        unitPrice: 250,
        currency: 'USD',
        printComments: 'Thank you for staying with us',
        validityType: 1,
        effectiveTime: START,
        expirationTime: START + 30 * DAY_MS,
      });
      h.clock.advance(1000);
      daily = await createGroup(h, admin, site, {
        name: 'Daily',
        amount: 2,
        limitType: 1,
        limitNum: 2,
        validityType: 2,
        schedule: { type: 0, dailyStartHour: 8, dailyStartMin: 0, dailyEndHour: 18, dailyEndMin: 30 },
      });
      h.clock.advance(1000);
      weeklyCreated = h.clock.now();
      weekly = await createGroup(h, admin, site, { name: 'Weekly', amount: 2, validityType: 2, schedule: { type: 1, weeklyEnableDays: [7, 6] } });
      h.clock.advance(1000);
      permanent = await createGroup(h, admin, site, { name: 'Permanent', amount: 3, printComments: 'Hi' });
      h.clock.advance(1000);
      closed = await createGroup(h, admin, site, {
        name: 'Closed',
        amount: 2,
        validityType: 1,
        effectiveTime: h.clock.now() - DAY_MS,
        expirationTime: h.clock.now() + MIN,
      });
      // One voucher of the window group in use, one of the permanent group expired by time.
      const [inUse] = await stored(windowed);
      await redeem(site, inUse!.code);
      const [spent] = await stored(permanent);
      await redeem(site, spent!.code);
      h.clock.advance(2 * HOUR);
    });

    it('printVoucherGroup answers the unused vouchers of the group with its terms, codes in order', async () => {
      expect(answer(await call('GET', `${groupPath(site, windowed)}/print-unused`))).toEqual(success((await codes(windowed, 0)).map(windowTerms)));
      expect((await codes(windowed, 0))).toHaveLength(3);
      expect(answer(await call('GET', `${groupPath(site, daily)}/print-unused`))).toEqual(success((await codes(daily)).map(dailyTerms)));
      expect(answer(await call('GET', `${groupPath(site, weekly)}/print-unused`))).toEqual(success((await codes(weekly)).map(weeklyTerms)));
      const permanentUnused = await codes(permanent, 0);
      expect(permanentUnused).toHaveLength(2);
      expect(answer(await call('GET', `${groupPath(site, permanent)}/print-unused`))).toEqual(success(permanentUnused.map(permanentTerms)));
    });

    it('printVoucherGroup answers none for a group whose window has closed', async () => {
      expect(answer(await call('GET', `${groupPath(site, closed)}/print-unused`))).toEqual(success([]));
    });

    it('printVoucherGroup refuses a group that is not the site\'s with −1001', async () => {
      const foreign = await createGroup(h, admin, siteId);
      expect(answer(await call('GET', `${groupPath(site, foreign)}/print-unused`))).toEqual(NOT_A_GROUP);
      expect(answer(await call('GET', `${groupPath(site, 'f'.repeat(24))}/print-unused`))).toEqual(NOT_A_GROUP);
    });

    it.each<[string, () => Body, () => string[]]>([
      ['type 0: every group, newest first', () => ({ type: 0 }), () => [permanent, weekly, daily, windowed]],
      ['type 0 with searchKey', () => ({ type: 0, searchKey: 'LY' }), () => [weekly, daily]],
      ['type 0 with timeStart', () => ({ type: 0, timeStart: weeklyCreated }), () => [permanent, weekly]],
      ['type 1', () => ({ type: 1, groupIds: [windowed, permanent, 'f'.repeat(24)] }), () => [permanent, windowed]],
      ['type 2', () => ({ type: 2, groupIds: [windowed, daily] }), () => [permanent, weekly]],
    ])('printSelectedVoucherGroups, %s', async (_label, body, order) => {
      const terms = new Map<string, (code: string) => object>([
        [windowed, windowTerms],
        [daily, dailyTerms],
        [weekly, weeklyTerms],
        [permanent, permanentTerms],
      ]);
      const expected = [];
      for (const groupId of order()) expected.push(...(await codes(groupId, 0)).map(terms.get(groupId)!));
      expect(answer(await call('POST', batchGroups(site, 'print-unused'), body()))).toEqual(success(expected));
    });

    type Row = { id: string; code: string; status: number };
    it.each<[string, (all: Row[]) => Body, (all: Row[]) => Row[]]>([
      ['type 0: every voucher, whatever its status', () => ({ type: 0 }), (all) => all],
      ['type 0 with status 0', () => ({ type: 0, status: 0 }), (all) => all.filter((v) => v.status === 0)],
      ['type 0 with status 1', () => ({ type: 0, status: 1 }), (all) => all.filter((v) => v.status === 1)],
      ['type 0 with status 2', () => ({ type: 0, status: 2 }), () => []],
      ['type 0 with searchKey', (all) => ({ type: 0, searchKey: all[1]!.code }), (all) => [all[1]!]],
      ['type 1', (all) => ({ type: 1, ids: [all[3]!.id, all[1]!.id, 'f'.repeat(24)] }), (all) => [all[1]!, all[3]!]],
      ['type 1 with status 0', (all) => ({ type: 1, ids: all.map((v) => v.id), status: 0 }), (all) => all.filter((v) => v.status === 0)],
      ['type 2', (all) => ({ type: 2, ids: [all[0]!.id] }), (all) => all.slice(1)],
    ])('printVouchers, %s', async (_label, body, expected) => {
      const all = (await stored(windowed)).map((v) => ({ id: v.id, code: v.code, status: Number(v.status) }));
      expect(all.map((v) => v.status).sort()).toEqual([0, 0, 0, 1]);
      expect(answer(await call('POST', batchVouchers(site, 'print'), { groupId: windowed, ...body(all) }))).toEqual(
        success(expected(all).map((v) => windowTerms(v.code))),
      );
    });

    it('printVouchers in a group whose window has closed: status 2 takes all, 0 none', async () => {
      const all = await codes(closed);
      const closedTerms = (code: string) => ({ code, limitType: 2, durationType: 0, duration: 60, validity: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d - \d{4}-\d\d-\d\d \d\d:\d\d$/) });
      expect(answer(await call('POST', batchVouchers(site, 'print'), { groupId: closed, type: 0, status: 2 }))).toEqual(success(all.map(closedTerms)));
      expect(answer(await call('POST', batchVouchers(site, 'print'), { groupId: closed, type: 0, status: 0 }))).toEqual(success([]));
    });

    it('printVouchers refuses a group that is not the site\'s and a selection without ids', async () => {
      expect(answer(await call('POST', batchVouchers(site, 'print'), { groupId: 'f'.repeat(24), type: 0 }))).toEqual(NOT_A_GROUP);
      expect(answer(await call('POST', batchVouchers(site, 'print'), { groupId: windowed, type: 1 }))).toEqual(invalid('ids is required when type is 1.'));
      expect(answer(await call('POST', batchVouchers(site, 'print'), { type: 0 }))).toEqual(invalid('groupId is required.'));
    });
  });

  describe('site deletion', () => {
    it('removes the sessions, voucher clients, voucher uses and NAS clients of the site', async () => {
      const site = await h.createSite();
      const groupId = await createGroup(h, admin, site, { amount: 2 });
      const [voucher] = await stored(groupId);
      await redeem(site, voucher!.code);
      await h.store.nas.insert({
        id: 'abcdef0123456789abcdef01',
        siteId: site,
        name: 'Gateway',
        address: '10.77.0.1',
        secret: 'radius-secret',
        requireMessageAuthenticator: false,
        disconnectPort: undefined,
        createdAt: h.clock.now(),
      });
      const keptSite = await h.createSite();
      const [keptVoucher] = await stored(await createGroup(h, admin, keptSite));
      await redeem(keptSite, keptVoucher!.code);

      const ofSite = async (id: string) => ({
        sessions: (await h.store.db.selectFrom('sessions').select('id').where('site_id', '=', id).execute()).length,
        uses: (await h.store.db.selectFrom('voucher_uses').select('id').where('site_id', '=', id).execute()).length,
        nas: (await h.store.db.selectFrom('nas_clients').select('id').where('site_id', '=', id).execute()).length,
        vouchers: (await h.store.db.selectFrom('vouchers').select('id').where('site_number', '=', siteNumber(id)).execute()).length,
        firstClients: (await h.store.db.selectFrom('voucher_first_clients').select('id').where('site_id', '=', id).execute()).length,
      });
      expect(await ofSite(site)).toEqual({ sessions: 1, uses: 1, nas: 1, vouchers: 2, firstClients: 1 });
      const response = await h.call({ method: 'DELETE', url: `/openapi/v1/${OMADAC_ID}/sites/${site}`, token: admin });
      expect(answer(response)).toEqual(DONE);
      expect(await ofSite(site)).toEqual({ sessions: 0, uses: 0, nas: 0, vouchers: 0, firstClients: 0 });
      expect(await h.store.db.selectFrom('voucher_clients').select('client_mac').where('voucher_id', '=', voucher!.id).execute()).toEqual([]);
      expect(await ofSite(keptSite)).toEqual({ sessions: 1, uses: 1, nas: 0, vouchers: 1, firstClients: 1 });
    });
  });

  describe('answers against the controller spec', () => {
    let validators: ReturnType<typeof responseValidators>;
    const OPERATIONS = [
      'deleteVoucherGroup',
      'deleteSelectedVoucherGroups',
      'clearInvalidVouchersInSelectedGroups',
      'clearInvalidVouchersInaGroup',
      'deleteVoucher',
      'deleteVouchers',
      'printVoucherGroup',
      'printSelectedVoucherGroups',
      'printVouchers',
    ] as const;

    beforeAll(() => {
      if (HAVE_SPEC) validators = responseValidators(JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as Spec);
    });

    it.skipIf(!HAVE_SPEC)(`serves each operation at the method and path the spec gives it${SKIP_NOTE}`, () => {
      const served = h.app.operations.map((route) => `${route.operation} ${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
      for (const operationId of OPERATIONS) {
        const inSpec = validators.get(operationId)!;
        expect(served).toContain(`${operationId} ${inSpec.method.toUpperCase()} ${inSpec.path}`);
      }
    });

    it.skipIf(!HAVE_SPEC)(`answers every operation in the response schema the spec gives it${SKIP_NOTE}`, async () => {
      const site = await h.createSite({ timeZone: 'Asia/Kolkata' });
      const full = await createGroup(h, admin, site, {
        amount: 3,
        limitType: 0,
        limitNum: 1,
        unitPrice: 999_999_999,
        currency: 'EUR',
        printComments: 'Welcome',
        validityType: 1,
        effectiveTime: h.clock.now(),
        expirationTime: h.clock.now() + DAY_MS,
      });
      const bare = await createGroup(h, admin, site, { amount: 3 });
      const [a, b] = await stored(full);
      const calls: [(typeof OPERATIONS)[number], () => Promise<LightMyRequestResponse>][] = [
        ['printVoucherGroup', () => call('GET', `${groupPath(site, full)}/print-unused`)],
        ['printVoucherGroup', () => call('GET', `${groupPath(site, bare)}/print-unused`)],
        ['printSelectedVoucherGroups', () => call('POST', batchGroups(site, 'print-unused'), { type: 0 })],
        ['printSelectedVoucherGroups', () => call('POST', batchGroups(site, 'print-unused'), { type: 1, groupIds: ['f'.repeat(24)] })],
        ['printVouchers', () => call('POST', batchVouchers(site, 'print'), { type: 1, groupId: full, ids: [a!.id] })],
        ['printVouchers', () => call('POST', batchVouchers(site, 'print'), { type: 0, groupId: bare, searchKey: 'nothing' })],
        ['clearInvalidVouchersInaGroup', () => call('DELETE', `${groupPath(site, full)}/clear-invalid`)],
        ['clearInvalidVouchersInSelectedGroups', () => call('POST', batchGroups(site, 'clear-invalid'), { type: 0 })],
        ['deleteVoucher', () => call('DELETE', voucherPath(site, a!.id))],
        ['deleteVouchers', () => call('POST', batchVouchers(site, 'delete'), { type: 1, groupId: full, ids: [b!.id] })],
        ['deleteVoucherGroup', () => call('DELETE', groupPath(site, bare))],
        ['deleteSelectedVoucherGroups', () => call('POST', batchGroups(site, 'delete'), { type: 0 })],
      ];
      for (const [operationId, run] of calls) {
        const response = await run();
        expect(response.json(), `${operationId}: ${response.body}`).toMatchObject({ errorCode: 0, msg: 'Success.' });
        const { validate } = validators.get(operationId)!;
        expect(validate(response.json()) ? [] : validate.errors, `${operationId}: ${response.body}`).toEqual([]);
      }
      expect(await groupIdsOf(site)).toEqual([]);
    });
  });
});

/** Makes every decrement of a site's voucher count fail (or stops it), to see a delete roll back whole. */
async function failSiteCounterUpdates(h: Harness, on: boolean): Promise<void> {
  if (h.store.dialect === 'sqlite') {
    if (on) {
      await sql`create trigger fail_voucher_count before update of voucher_count on sites
        when new.voucher_count < old.voucher_count begin select raise(abort, 'injected failure'); end`.execute(h.store.db);
    } else {
      await sql`drop trigger fail_voucher_count`.execute(h.store.db);
    }
    return;
  }
  if (on) {
    await sql`create function fail_voucher_count() returns trigger language plpgsql as $$
      begin raise exception 'injected failure'; end $$`.execute(h.store.db);
    await sql`create trigger fail_voucher_count before update of voucher_count on sites for each row
      when (new.voucher_count < old.voucher_count) execute function fail_voucher_count()`.execute(h.store.db);
  } else {
    await sql`drop trigger fail_voucher_count on sites`.execute(h.store.db);
    await sql`drop function fail_voucher_count()`.execute(h.store.db);
  }
}

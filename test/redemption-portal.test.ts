import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoRandom } from '../src/domain/clock.js';
import { RedemptionService } from '../src/domain/redemption.js';
import { answer, createHarness, START, type Harness } from './helpers.js';
import { BACKEND, sqliteFile } from './test-store.js';
import {
  createGroup,
  createPortal,
  createProfile,
  groupsUrl,
  groupUrl,
  invalid,
  profileUrl,
  success,
  voucherUrl,
  type Body,
  type Expected,
} from './voucher-groups-support.js';

/**
 * POST /portal/auth and /portal/logout: a voucher made through the Open API lets a client in
 * with its group's limits, refuses it with the portal's codes, and keeps its limits under
 * concurrent redemptions. The figures the Open API shows follow.
 */

const MB = 1024 * 1024;
const MIN = 60_000;
const HOUR = 60 * MIN;

const refusal = (errorCode: number, msg: string, status = 200): Expected => ({ status, body: { errorCode, msg } });
const CODE_INCORRECT = refusal(-41502, 'The voucher code is incorrect.');
const EXPIRED = refusal(-41503, 'The voucher has expired.');
const TRAFFIC_EXCEEDED = refusal(-41504, 'The voucher has used up its traffic.');
const USER_LIMIT = refusal(-41505, 'The number of users of this voucher has reached the limit.');
const NOT_EFFECTIVE = refusal(-41538, 'The voucher is not effective at this time.');
const THROTTLED = refusal(-7132, 'Our server is receiving too many requests now. Please try again later.', 429);
const CLIENT_NOT_EXIST = refusal(-41010, 'This client does not exist.');
const LOGOUT_FORBIDDEN = refusal(-1005, 'Operation forbidden. This voucher does not allow its clients to log out.');

const mac = (n: number) => `AA-BB-CC-00-${String(Math.floor(n / 100)).padStart(2, '0')}-${String(n % 100).padStart(2, '0')}`;
let macs = 0;
const nextMac = () => mac(++macs);

let h: Harness;
let token: string;
let siteId: string;

beforeAll(async () => {
  h = await createHarness();
  token = await h.token('admin');
  siteId = await h.createSite();
});
afterAll(() => h.close());

/** The vouchers of a group, as the detail lists them. */
async function vouchersOf(groupId: string): Promise<{ id: string; code: string }[]> {
  const response = await h.call({ method: 'GET', url: groupUrl(siteId, groupId), token });
  return response.json().result.data;
}

/** Creates a group and answers its first voucher. */
async function voucherWith(overrides: Body): Promise<{ groupId: string; id: string; code: string }> {
  const groupId = await createGroup(h, token, siteId, overrides);
  const [voucher] = await vouchersOf(groupId);
  return { groupId, ...voucher! };
}

const auth = (body: Body, remoteAddress?: string) =>
  h.call({ method: 'POST', url: '/portal/auth', payload: { authType: 3, site: siteId, ...body }, ...(remoteAddress && { remoteAddress }) });

async function sessionCount(): Promise<number> {
  const row = await h.store.db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('POST /portal/auth', () => {
  it('lets a client in with the limits of its group', async () => {
    const voucher = await voucherWith({
      durationType: 0,
      duration: 90,
      rateLimit: { mode: 0, customRateLimit: { downLimitEnable: true, downLimit: 2048, upLimitEnable: true, upLimit: 512 } },
      trafficLimitEnable: true,
      trafficLimit: 100,
      trafficLimitFrequency: 1,
      logout: true,
    });
    const client = nextMac();
    expect(answer(await auth({ voucherCode: voucher.code, clientMac: client }))).toEqual(
      success({
        clientMac: client,
        voucherCode: voucher.code,
        sessionTimeout: 5400,
        expireTime: h.clock.now() + 90 * MIN,
        downLimit: 2048,
        upLimit: 512,
        trafficLeft: 100 * MB,
        logout: true,
      }),
    );
  });

  it('matches codes case-insensitively and takes MACs in any usual spelling', async () => {
    const voucher = await voucherWith({ codeForm: [1], codeLength: 8 });
    const answerBody = (await auth({ voucherCode: voucher.code.toLowerCase(), clientMac: 'aa:bb:cc:dd:ee:0f' })).json();
    expect(answerBody).toMatchObject({ errorCode: 0, result: { clientMac: 'AA-BB-CC-DD-EE-0F', voucherCode: voucher.code } });
  });

  it.each([
    ['authType other than voucher', { authType: 1 }, invalid('authType must be 3.')],
    ['a missing code', { voucherCode: undefined }, invalid('voucherCode is required.')],
    ['a malformed MAC', { clientMac: 'not-a-mac' }, invalid('clientMac must be a MAC address such as AA-BB-CC-DD-EE-FF.')],
    ['a malformed AP MAC', { apMac: '12345' }, invalid('apMac must be a MAC address such as AA-BB-CC-DD-EE-FF.')],
    ['an unknown site', { site: 'f'.repeat(24) }, refusal(-33000, 'This site does not exist.')],
    ['a portal of no site', { portal: 'f'.repeat(24) }, invalid('portal does not name a portal of this site.')],
  ])('refuses %s and opens no session', async (_name, change, expected) => {
    const voucher = await voucherWith({});
    const before = await sessionCount();
    const body: Body = { voucherCode: voucher.code, clientMac: nextMac(), ...change };
    for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
    expect(answer(await auth(body))).toEqual(expected);
    expect(await sessionCount()).toBe(before);
  });

  it('answers each reason a code does not let its client in with the portal code', async () => {
    const now = h.clock.now();
    const windowed = await voucherWith({ validityType: 1, effectiveTime: now + HOUR, expirationTime: now + 2 * HOUR });
    expect(answer(await auth({ voucherCode: '000000', clientMac: nextMac() }))).toEqual(CODE_INCORRECT);
    expect(answer(await auth({ voucherCode: windowed.code, clientMac: nextMac() }))).toEqual(NOT_EFFECTIVE);

    const single = await voucherWith({ limitType: 0, limitNum: 1 });
    expect((await auth({ voucherCode: single.code, clientMac: nextMac() })).json().errorCode).toBe(0);
    expect(answer(await auth({ voucherCode: single.code, clientMac: nextMac() }))).toEqual(USER_LIMIT);

    const quota = await voucherWith({ trafficLimitEnable: true, trafficLimit: 1, trafficLimitFrequency: 0 });
    const client = nextMac();
    expect((await auth({ voucherCode: quota.code, clientMac: client })).json().errorCode).toBe(0);
    await h.app.redemption.account({
      siteId,
      nasId: 'n'.repeat(24),
      kind: 'interim',
      acctSessionId: 'quota-1',
      code: quota.code,
      clientMac: client,
      sessionTimeSec: 60,
      inputOctets: 0,
      outputOctets: 2 * MB,
      clientIp: undefined,
    });
    expect(answer(await auth({ voucherCode: quota.code, clientMac: client }))).toEqual(TRAFFIC_EXCEEDED);

    h.clock.advance(2 * HOUR);
    expect(answer(await auth({ voucherCode: windowed.code, clientMac: nextMac() }))).toEqual(EXPIRED);
    // The suite's access token has run out with the clock.
    token = await h.token('admin');
  });

  it('applies a group to its portals only', async () => {
    const lobby = await createPortal(h, token, siteId, 'Lobby');
    const pool = await createPortal(h, token, siteId, 'Pool');
    const voucher = await voucherWith({ applyToAllPortals: false, portals: [lobby] });
    expect(answer(await auth({ voucherCode: voucher.code, clientMac: nextMac(), portal: pool }))).toEqual(CODE_INCORRECT);
    expect((await auth({ voucherCode: voucher.code, clientMac: nextMac(), portal: lobby })).json().errorCode).toBe(0);
  });
});

/**
 * On SQLite, batches of redemptions keep the groups they read for the next batches (see
 * KyselyRedemptionRepository): whatever else changes a group's settings, its profile or its site
 * must show in the very next redemption.
 */
describe('a group changed between two redemptions', () => {
  const rates = async (code: string) => {
    const { result } = (await auth({ voucherCode: code, clientMac: nextMac() })).json();
    return { downLimit: result.downLimit, upLimit: result.upLimit, sessionTimeout: result.sessionTimeout };
  };

  it('gives the next client the limits of a profile modified through the Open API', async () => {
    const limits = { downLimitEnable: true, downLimit: 4096, upLimitEnable: true, upLimit: 1024 };
    const profileId = await createProfile(h, token, siteId, 'Kept groups', limits);
    const groupId = await createGroup(h, token, siteId, { amount: 3, duration: 30, rateLimit: { mode: 1, rateLimitProfileId: profileId } });
    const [first, second, third] = await vouchersOf(groupId);
    expect(await rates(first!.code)).toEqual({ downLimit: 4096, upLimit: 1024, sessionTimeout: 1800 });

    const modified = { name: 'Kept groups', ...limits, downLimit: 8192, upLimitEnable: false, upLimit: undefined };
    expect(answer(await h.call({ method: 'PUT', url: profileUrl(siteId, profileId), token, payload: modified }))).toEqual(success());
    expect(await rates(second!.code)).toEqual({ downLimit: 8192, upLimit: undefined, sessionTimeout: 1800 });

    // The group moved to custom limits in the database, as an older or newer voucherd might.
    await sql`update voucher_groups set rate_mode = 0, rate_profile_id = null, down_enable = 1, down_limit = 512, up_enable = 0 where id = ${groupId}`.execute(h.store.db);
    expect(await rates(third!.code)).toEqual({ downLimit: 512, upLimit: undefined, sessionTimeout: 1800 });
  });

  it.runIf(BACKEND === 'sqlite')('gives the next client a duration another connection wrote', async () => {
    const groupId = await createGroup(h, token, siteId, { amount: 2, duration: 30 });
    const [first, second] = await vouchersOf(groupId);
    expect((await rates(first!.code)).sessionTimeout).toBe(1800);
    // A connection of its own, as the CLI or another process holds one: only data_version tells.
    const outside = new BetterSqlite3(await sqliteFile(h.store.db));
    try {
      outside.prepare('update voucher_groups set duration = 45 where id = ?').run(groupId);
    } finally {
      outside.close();
    }
    expect((await rates(second!.code)).sessionTimeout).toBe(2700);
  });
});

describe('what the Open API shows after redemption', () => {
  it('getVoucher and the group detail follow the voucher through use and expiry', async () => {
    const voucher = await voucherWith({ limitType: 0, limitNum: 1, durationType: 1, timingType: 0, duration: 30 });
    const startedAt = h.clock.now();
    await auth({ voucherCode: voucher.code, clientMac: nextMac() });
    h.clock.advance(10 * MIN);
    const shown = (await h.call({ method: 'GET', url: voucherUrl(siteId, voucher.id), token })).json().result;
    expect(shown).toMatchObject({ used: 1, startTime: startedAt, valid: true, trafficUsed: 0 });
    const detail = (await h.call({ method: 'GET', url: groupUrl(siteId, voucher.groupId), token })).json().result;
    expect(detail.data[0]).toMatchObject({ status: 1, startTime: startedAt, timeUsedSec: 600, timeLeftSec: 1200 });
    expect(detail).toMatchObject({ unusedCount: 0, usedCount: 1, inUseCount: 1, expiredCount: 0 });

    // Its clock runs out with nobody touching it: the Open API reads it as expired at once.
    h.clock.advance(20 * MIN);
    const later = (await h.call({ method: 'GET', url: groupUrl(siteId, voucher.groupId), token })).json().result;
    expect(later.data[0]).toMatchObject({ status: 2, timeUsedSec: 1800, timeLeftSec: 0 });
    expect(later).toMatchObject({ unusedCount: 0, usedCount: 1, inUseCount: 0, expiredCount: 1 });
    const grid = (await h.call({ method: 'GET', url: groupsUrl(siteId, 'page=1&pageSize=100'), token })).json().result.data;
    expect(grid.find((g: { id: string }) => g.id === voucher.groupId)).toMatchObject({ inUseCount: 0, expiredCount: 1 });
    const expiredOnly = (await h.call({ method: 'GET', url: groupUrl(siteId, voucher.groupId, 'page=1&pageSize=10&filters.status=2'), token })).json().result;
    expect(expiredOnly.data.map((v: { id: string }) => v.id)).toEqual([voucher.id]);
    expect((await h.call({ method: 'GET', url: voucherUrl(siteId, voucher.id), token })).json().result.valid).toBe(false);
  });
});

describe('accounting for a session opened at the portal', () => {
  it('takes every update of the NAS that reports on it, and counts octets once', async () => {
    const voucher = await voucherWith({ trafficLimitEnable: true, trafficLimit: 100, trafficLimitFrequency: 0 });
    const client = nextMac();
    await auth({ voucherCode: voucher.code, clientMac: client });
    const update = (outputOctets: number) =>
      h.app.redemption.account({
        siteId,
        nasId: 'a'.repeat(24),
        kind: 'interim',
        acctSessionId: 'portal-acct-1',
        code: voucher.code,
        clientMac: client,
        sessionTimeSec: 60,
        inputOctets: MB,
        outputOctets,
        clientIp: '10.0.0.9',
      });
    expect(await update(2 * MB)).toEqual({ known: true, ended: false });
    expect(await update(5 * MB)).toEqual({ known: true, ended: false });
    expect(await update(5 * MB)).toEqual({ known: true, ended: false });
    const shown = (await h.call({ method: 'GET', url: voucherUrl(siteId, voucher.id), token })).json().result;
    expect(shown.trafficUsed).toBe(6 * MB);
  });
});

describe('a NAS starting or stopping accounting (Accounting-On/Off)', () => {
  it('ends its voucher sessions then, stopping usage clocks; other NASes\' sessions and admin authorizations stay', async () => {
    const [nasA, nasB] = ['c'.repeat(24), 'd'.repeat(24)];
    const byUsage = await voucherWith({ durationType: 1, duration: 60, timingType: 1 });
    const elsewhere = await voucherWith({});
    const [client, other, admitted] = [nextMac(), nextMac(), nextMac()];
    const redeem = (code: string, clientMac: string, nasId: string) =>
      h.app.redemption.redeem({ siteId, code, clientMac, via: 'radius', nasId });
    expect((await redeem(byUsage.code, client, nasA)).ok).toBe(true);
    expect((await redeem(elsewhere.code, other, nasB)).ok).toBe(true);
    await h.app.redemption.authorize(siteId, admitted);
    // The admitted client's Accounting-Start names the NAS on its authorization.
    const adminStart = await h.app.redemption.account({
      siteId,
      nasId: nasA,
      kind: 'start',
      acctSessionId: 'admin-acct-1',
      code: undefined,
      clientMac: admitted,
      sessionTimeSec: undefined,
      inputOctets: undefined,
      outputOctets: undefined,
      clientIp: undefined,
    });
    expect(adminStart).toEqual({ known: true, ended: false });

    h.clock.advance(10 * MIN);
    const restartedAt = h.clock.now();
    expect(await h.app.redemption.endSessionsOfNas(siteId, nasA)).toBe(1);
    expect(await h.app.redemption.endSessionsOfNas(siteId, nasA)).toBe(0);
    h.clock.advance(5 * MIN);

    const detail = (await h.call({ method: 'GET', url: groupUrl(siteId, byUsage.groupId), token })).json().result;
    expect(detail.data[0]).toMatchObject({ status: 1, timeUsedSec: 600, timeLeftSec: 3000 });
    const open = async (mac: string) => (await h.app.redemption.list(siteId, { page: 1, pageSize: 100, searchKey: mac })).rows;
    expect((await open(client)).map((s) => [s.endedAt, s.endReason])).toEqual([[restartedAt, 'nas-restart']]);
    expect((await open(other)).map((s) => s.endedAt)).toEqual([undefined]);
    expect((await open(admitted)).map((s) => s.endedAt)).toEqual([undefined]);
  });
});

describe('POST /portal/logout', () => {
  it('ends the session where the group allows it, freeing an online slot', async () => {
    const voucher = await voucherWith({ limitType: 1, limitNum: 1, logout: true });
    const first = nextMac();
    await auth({ voucherCode: voucher.code, clientMac: first });
    expect(answer(await auth({ voucherCode: voucher.code, clientMac: nextMac() }))).toEqual(USER_LIMIT);
    expect(answer(await h.call({ method: 'POST', url: '/portal/logout', payload: { site: siteId, clientMac: first } }))).toEqual(
      success({ sessionsEnded: 1 }),
    );
    expect((await auth({ voucherCode: voucher.code, clientMac: nextMac() })).json().errorCode).toBe(0);
  });

  it('a client coming back after its logout holds its online slot again', async () => {
    const voucher = await voucherWith({ limitType: 1, limitNum: 1, logout: true });
    const client = nextMac();
    const logout = () => h.call({ method: 'POST', url: '/portal/logout', payload: { site: siteId, clientMac: client } });
    await auth({ voucherCode: voucher.code, clientMac: client });
    expect(answer(await logout())).toEqual(success({ sessionsEnded: 1 }));
    // Back with a session of its own, its second.
    expect((await auth({ voucherCode: voucher.code, clientMac: client })).json().errorCode).toBe(0);
    expect(answer(await auth({ voucherCode: voucher.code, clientMac: nextMac() }))).toEqual(USER_LIMIT);
    // Signing in again while online keeps that session.
    expect((await auth({ voucherCode: voucher.code, clientMac: client })).json().errorCode).toBe(0);
    expect(answer(await logout())).toEqual(success({ sessionsEnded: 1 }));
    expect((await auth({ voucherCode: voucher.code, clientMac: nextMac() })).json().errorCode).toBe(0);
  });

  it('refuses where the group does not allow it, and for a client without a session', async () => {
    const voucher = await voucherWith({ logout: false });
    const client = nextMac();
    await auth({ voucherCode: voucher.code, clientMac: client });
    const logout = (clientMac: string) => h.call({ method: 'POST', url: '/portal/logout', payload: { site: siteId, clientMac } });
    expect(answer(await logout(client))).toEqual(LOGOUT_FORBIDDEN);
    expect(answer(await logout(nextMac()))).toEqual(CLIENT_NOT_EXIST);
    // Still in.
    expect((await auth({ voucherCode: voucher.code, clientMac: client })).json().errorCode).toBe(0);
  });
});

describe('concurrency', () => {
  it('20 clients redeeming a single-use voucher at once: exactly one gets in', async () => {
    const voucher = await voucherWith({ limitType: 0, limitNum: 1 });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => auth({ voucherCode: voucher.code, clientMac: nextMac() }).then((r) => r.json().errorCode)),
    );
    expect(answers.filter((code) => code === 0)).toHaveLength(1);
    expect(answers.filter((code) => code === -41505)).toHaveLength(19);
    const shown = (await h.call({ method: 'GET', url: voucherUrl(siteId, voucher.id), token })).json().result;
    expect(shown.used).toBe(1);
  });

  it('10 clients on a voucher for 3 online at once: exactly 3 get in', async () => {
    const voucher = await voucherWith({ limitType: 1, limitNum: 3 });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => auth({ voucherCode: voucher.code, clientMac: nextMac() }).then((r) => r.json().errorCode)),
    );
    expect(answers.filter((code) => code === 0)).toHaveLength(3);
    expect(answers.filter((code) => code === -41505)).toHaveLength(7);
  });
});

describe('the guessing throttle', () => {
  it('after 5 wrong codes from one MAC, even a right code is refused without a lookup until the windows pass', async () => {
    const t = await createHarness({ redemption: { failuresPerClient: 5, failuresPerAddress: 0, adminAuthMinutes: 480 } });
    try {
      const adminToken = await t.token('admin');
      const site = await t.createSite();
      const groupId = await createGroup(t, adminToken, site, {});
      const [voucher] = (await t.call({ method: 'GET', url: groupUrl(site, groupId), token: adminToken })).json().result.data;
      const guess = (code: string, clientMac = 'AA-00-00-00-00-01') =>
        t.call({ method: 'POST', url: '/portal/auth', payload: { authType: 3, site, voucherCode: code, clientMac } });
      for (let i = 0; i < 5; i++) expect(answer(await guess('999999'))).toEqual(CODE_INCORRECT);
      expect(answer(await guess(voucher.code))).toEqual(THROTTLED);
      // Another client is not held back by this one's guesses.
      expect((await guess(voucher.code, 'AA-00-00-00-00-02')).json().errorCode).toBe(0);
      t.clock.advance(MIN);
      expect(answer(await guess(voucher.code))).toEqual(THROTTLED);
      t.clock.advance(MIN);
      expect((await guess(voucher.code)).json().errorCode).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('keeps refusing a guessing client long after start, when the process no longer asks the database about clean clients', async () => {
    const t = await createHarness({ redemption: { failuresPerClient: 3, failuresPerAddress: 0, adminAuthMinutes: 480 } });
    try {
      const adminToken = await t.token('admin');
      const site = await t.createSite();
      const groupId = await createGroup(t, adminToken, site, {});
      const [voucher] = (await t.call({ method: 'GET', url: groupUrl(site, groupId), token: adminToken })).json().result.data;
      t.clock.advance(10 * MIN);
      const guess = (code: string, clientMac: string) =>
        t.call({ method: 'POST', url: '/portal/auth', payload: { authType: 3, site, voucherCode: code, clientMac } });
      for (let i = 0; i < 3; i++) expect(answer(await guess('999999', 'AA-00-00-00-02-01'))).toEqual(CODE_INCORRECT);
      expect(answer(await guess(voucher.code, 'AA-00-00-00-02-01'))).toEqual(THROTTLED);
      expect((await guess(voucher.code, 'AA-00-00-00-02-02')).json().errorCode).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('a restarted server still refuses a client that guessed wrong just before', async () => {
    const settings = { failuresPerClient: 2, failuresPerAddress: 0, adminAuthMinutes: 480 };
    const before = new RedemptionService(h.store, h.clock, cryptoRandom, settings);
    const request = { siteId, code: '999999', clientMac: 'AA-00-00-00-03-01', via: 'portal' as const };
    expect(await before.redeem(request)).toEqual({ ok: false, reason: 'code-incorrect' });
    expect(await before.redeem(request)).toEqual({ ok: false, reason: 'code-incorrect' });
    const after = new RedemptionService(h.store, h.clock, cryptoRandom, settings);
    expect(await after.redeem(request)).toEqual({ ok: false, reason: 'throttled' });
    expect(await after.redeem({ ...request, clientMac: 'AA-00-00-00-03-02' })).toEqual({ ok: false, reason: 'code-incorrect' });
  });

  it('counts wrong codes per address across MACs', async () => {
    const t = await createHarness({ redemption: { failuresPerClient: 0, failuresPerAddress: 3, adminAuthMinutes: 480 } });
    try {
      const site = await t.createSite();
      const guess = (clientMac: string, remoteAddress: string) =>
        t.call({ method: 'POST', url: '/portal/auth', remoteAddress, payload: { authType: 3, site, voucherCode: '999999', clientMac } });
      for (let i = 1; i <= 3; i++) expect(answer(await guess(`AA-00-00-00-01-0${i}`, '10.0.0.7'))).toEqual(CODE_INCORRECT);
      expect(answer(await guess('AA-00-00-00-01-09', '10.0.0.7'))).toEqual(THROTTLED);
      expect(answer(await guess('AA-00-00-00-01-09', '10.0.0.8'))).toEqual(CODE_INCORRECT);
    } finally {
      await t.close();
    }
  });
});

describe('bad input', () => {
  const anyValue = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.integer(),
    fc.double(),
    fc.constantFrom(null, true, [], {}, 'AA-BB-CC-DD-EE-FF', '\u0000', '\ud800', 'x'.repeat(100)),
  );

  it('never answers 5xx, always the envelope, and a refusal opens no session', async () => {
    const voucher = await voucherWith({});
    const valid: Body = { authType: 3, voucherCode: voucher.code, clientMac: 'AA-BB-CC-DD-EE-FF', site: siteId };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/portal/auth', '/portal/logout'),
        fc.dictionary(fc.constantFrom('authType', 'voucherCode', 'clientMac', 'site', 'portal', 'apMac', 'ssidName', 'radioId', 'extra'), anyValue, { maxKeys: 4 }),
        fc.boolean(),
        async (url, changes, raw) => {
          const before = await sessionCount();
          const payload = raw ? JSON.stringify(changes).slice(0, 7) : JSON.stringify({ ...valid, ...changes });
          const response = await h.call({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });
          expect(response.statusCode, response.body).toBeLessThan(500);
          const body = response.json();
          expect(Number.isInteger(body.errorCode) && typeof body.msg === 'string', response.body).toBe(true);
          if (body.errorCode !== 0 && url === '/portal/auth') expect(await sessionCount()).toBe(before);
        },
      ),
      { seed: 20_260_115, numRuns: 150 },
    );
  });
});

it('the test clock starts where the harness says', () => {
  expect(START).toBeLessThanOrEqual(h.clock.now());
});

import { readFileSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REDEMPTION_SETTINGS } from '../src/domain/redemption.js';
import type { SessionRecord } from '../src/store/port.js';
import { answer, createHarness, tableCounts, type Harness } from './helpers.js';
import { HAVE_SPEC, responseValidators, SKIP_NOTE, SPEC_FILE, type Spec } from './spec-support.js';
import { allVouchers, createGroup, hotspotUrl, invalid, malformed, success, type Body, type Expected } from './voucher-groups-support.js';

/**
 * The Open API's authorized clients: records of the sessions that vouchers (through
 * POST /portal/auth) and admins (authClient) open, listed, disconnected, extended, deleted.
 * Every success answer is also judged by the response schema the controller's spec gives it.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const ADMIN_AUTH_MS = DEFAULT_REDEMPTION_SETTINGS.adminAuthMinutes * MIN;

const CLIENT_NOT_EXIST: Expected = { status: 200, body: { errorCode: -41010, msg: 'This client does not exist.' } };
/** cancelAuthClient's own code for the same words, as its spec description lists it. */
const UNAUTH_CLIENT_NOT_EXIST: Expected = { status: 200, body: { errorCode: -41006, msg: 'This client does not exist.' } };
const BAD_ID = invalid('id must be 24 lowercase hexadecimal characters.');
const BAD_MAC = invalid('clientMac must be a MAC address such as AA-BB-CC-DD-EE-FF.');

interface AuthRecord {
  id: string;
  name: string;
  mac: string;
  wireless: boolean;
  ssid?: string;
  authType: number;
  download: number;
  upload: number;
  duration: number;
  start: number;
  end: number;
  valid: boolean;
  voucherCode?: string;
  ip?: string;
}

let h: Harness;
let token: string;
let validators: ReturnType<typeof responseValidators> | undefined;
let macs = 0;
/** A MAC no other test of this file uses. */
const nextMac = () => `AA-BB-CC-00-${String(Math.floor(++macs / 100)).padStart(2, '0')}-${String(macs % 100).padStart(2, '0')}`;

beforeAll(async () => {
  // The clock runs for days through these tests: tokens that outlive it.
  h = await createHarness({ accessTokenTtlSeconds: 365 * 24 * 3600 });
  token = await h.token('admin');
  if (HAVE_SPEC) validators = responseValidators(JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as Spec);
});
afterAll(() => h.close());

const recordsUrl = (siteId: string, query = 'page=1&pageSize=1000') => `${hotspotUrl(siteId)}/authed-records?${query}`;
const recordUrl = (siteId: string, id: string, action = '') => `${hotspotUrl(siteId)}/authed-records/${id}${action}`;
const clientUrl = (siteId: string, mac: string, action: 'auth' | 'unauth') => `${hotspotUrl(siteId)}/clients/${mac}/${action}`;

/** A success answer also satisfies the operation's response schema in the spec (when the spec is there). */
function conforms(operation: string, response: LightMyRequestResponse): void {
  if (!validators) return;
  const validator = validators.get(operation);
  expect(validator, `the spec has no ${operation}`).toBeDefined();
  const ok = validator!.validate(response.json());
  expect(ok, `${operation} ${response.body}\n${JSON.stringify(validator!.validate.errors, null, 2)}`).toBe(true);
}

/** Calls an operation that must succeed with no result; checks the whole answer and the spec. */
async function succeeds(operation: string, run: Promise<LightMyRequestResponse>): Promise<void> {
  const response = await run;
  expect(answer(response)).toEqual(success());
  conforms(operation, response);
}

async function listPage(siteId: string, query?: string): Promise<{ totalRows: number; currentPage: number; currentSize: number; data: AuthRecord[] }> {
  const response = await h.call({ method: 'GET', url: recordsUrl(siteId, query), token });
  expect(response.json(), response.body).toMatchObject({ errorCode: 0, msg: 'Success.' });
  conforms('getHotspotAuthedClients', response);
  return response.json().result;
}

const records = async (siteId: string, query?: string) => (await listPage(siteId, query)).data;

/** Runs a request that must be refused: it answers `expected` in full and changes no record and no row. */
async function refused(siteId: string, run: () => Promise<LightMyRequestResponse>, expected: Expected): Promise<void> {
  const before = await records(siteId);
  const counts = await tableCounts(h.store);
  expect(answer(await run())).toEqual(expected);
  expect(await records(siteId)).toEqual(before);
  expect(await tableCounts(h.store)).toEqual(counts);
}

/** A voucher group made through the Open API; answers its codes. */
async function codes(siteId: string, overrides: Body = {}): Promise<string[]> {
  const groupId = await createGroup(h, token, siteId, overrides);
  return (await allVouchers(h, token, siteId, groupId)).map((voucher) => voucher.code);
}

/** A client entering a code at the captive portal; it must be let in. */
async function redeem(siteId: string, voucherCode: string, clientMac: string, extra: Body = {}, remoteAddress = '10.0.0.1') {
  const response = await h.call({
    method: 'POST',
    url: '/portal/auth',
    payload: { authType: 3, voucherCode, clientMac, site: siteId, ...extra },
    remoteAddress,
  });
  expect(response.json(), response.body).toMatchObject({ errorCode: 0 });
  return response.json().result as { expireTime: number };
}

const recordOf = async (siteId: string, mac: string) => (await records(siteId)).find((record) => record.mac === mac)!;

const authorize = (siteId: string, mac: string) => h.call({ method: 'POST', url: clientUrl(siteId, mac, 'auth'), token });
const unauthorize = (siteId: string, mac: string) => h.call({ method: 'POST', url: clientUrl(siteId, mac, 'unauth'), token });
const disconnect = (siteId: string, id: string) => h.call({ method: 'POST', url: recordUrl(siteId, id, '/disconnect'), token });
const extend = (siteId: string, id: string, payload: unknown) =>
  h.call({ method: 'POST', url: recordUrl(siteId, id, '/period'), token, payload: payload as object });
const remove = (siteId: string, id: string) => h.call({ method: 'DELETE', url: recordUrl(siteId, id), token });
const deleteInvalid = (siteId: string, payload: unknown) =>
  h.call({ method: 'POST', url: `${hotspotUrl(siteId)}/authed-records/delete`, token, payload: payload as object });

describe('getHotspotAuthedClients', () => {
  it(`shows a voucher's client with every field, its duration following the clock${SKIP_NOTE}`, async () => {
    const siteId = await h.createSite();
    const [code] = await codes(siteId, { duration: 60 });
    const mac = nextMac();
    const start = h.clock.now();
    await redeem(siteId, code!, mac.toLowerCase().replace(/-/g, ':'), { ssidName: 'Harbour Guest' }, '10.1.2.3');
    const page = await listPage(siteId, 'page=1&pageSize=10');
    const id = page.data[0]!.id;
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    const expected: AuthRecord = {
      id,
      name: mac,
      mac,
      wireless: true,
      ssid: 'Harbour Guest',
      authType: 3,
      download: 0,
      upload: 0,
      duration: 0,
      start,
      end: start + HOUR,
      valid: true,
      voucherCode: code!,
      ip: '10.1.2.3',
    };
    expect(page).toEqual({ totalRows: 1, currentPage: 1, currentSize: 10, data: [expected] });

    h.clock.advance(90_500);
    expect(await records(siteId)).toEqual([{ ...expected, duration: 90 }]);
    // Past its end the record is no longer valid, and its time stops at the end.
    h.clock.advance(HOUR);
    expect(await records(siteId)).toEqual([{ ...expected, duration: 3600, valid: false }]);
  });

  it('shows a client that came without an SSID as not wireless, with no ssid field', async () => {
    const siteId = await h.createSite();
    const [code] = await codes(siteId);
    const mac = nextMac();
    await redeem(siteId, code!, mac);
    const [record] = await records(siteId);
    expect(record).toMatchObject({ mac, wireless: false, ip: '10.0.0.1' });
    expect(record).not.toHaveProperty('ssid');
  });

  it("shows the client's download and upload: the NAS's output and input octets", async () => {
    const siteId = await h.createSite();
    const [code] = await codes(siteId);
    const mac = nextMac();
    await redeem(siteId, code!, mac);
    const figures = { siteId, nasId: 'nas-1', code, clientMac: mac, kind: 'interim', acctSessionId: 'acct-1', clientIp: undefined } as const;
    await h.app.redemption.account({ ...figures, sessionTimeSec: 60, inputOctets: 1_000, outputOctets: 50_000 });
    expect(await recordOf(siteId, mac)).toMatchObject({ download: 50_000, upload: 1_000 });
  });

  describe('paging, sorting and searching', () => {
    let siteId: string;
    /** Three clients, one a minute: [first, second, third]. */
    let clients: AuthRecord[];

    beforeAll(async () => {
      siteId = await h.createSite();
      const voucherCodes = await codes(siteId, { amount: 3, codeForm: [1], codeLength: 8 });
      const macs3 = ['AA-BB-CC-10-00-02', 'AA-BB-CC-10-00-03', 'AA-BB-CC-10-00-01'];
      const ips = ['10.0.0.3', '10.0.0.1', '10.0.0.2'];
      const ssids = ['Lobby', 'Terrace', 'Lobby'];
      for (let i = 0; i < 3; i++) {
        await redeem(siteId, voucherCodes[i]!, macs3[i]!, { ssidName: ssids[i] }, ips[i]);
        h.clock.advance(MIN);
      }
      const all = await records(siteId);
      clients = macs3.map((mac) => all.find((record) => record.mac === mac)!);
      // Traffic for the first client only.
      await h.app.redemption.account({
        siteId,
        nasId: 'nas-1',
        code: clients[0]!.voucherCode,
        clientMac: clients[0]!.mac,
        kind: 'interim',
        acctSessionId: 'acct-sort',
        sessionTimeSec: 10,
        inputOctets: 7,
        outputOctets: 9,
        clientIp: undefined,
      });
      clients = (await records(siteId)).reverse();
    });

    const macsOf = async (query: string) => (await records(siteId, query)).map((record) => record.mac);
    const [first, second, third] = [0, 1, 2];
    const macAt = (i: number) => clients[i]!.mac;

    it('lists newest first, a page at a time', async () => {
      expect(await listPage(siteId, 'page=1&pageSize=2')).toEqual({
        totalRows: 3,
        currentPage: 1,
        currentSize: 2,
        data: [clients[third], clients[second]],
      });
      expect(await listPage(siteId, 'page=2&pageSize=2')).toEqual({ totalRows: 3, currentPage: 2, currentSize: 2, data: [clients[first]] });
      expect(await listPage(siteId, 'page=3&pageSize=2')).toEqual({ totalRows: 3, currentPage: 3, currentSize: 2, data: [] });
    });

    it.each([
      ['sorts.mac=asc', ['AA-BB-CC-10-00-01', 'AA-BB-CC-10-00-02', 'AA-BB-CC-10-00-03']],
      ['sorts.mac=desc', ['AA-BB-CC-10-00-03', 'AA-BB-CC-10-00-02', 'AA-BB-CC-10-00-01']],
      // A client's name is its MAC.
      ['sorts.name=asc', ['AA-BB-CC-10-00-01', 'AA-BB-CC-10-00-02', 'AA-BB-CC-10-00-03']],
      ['sorts.ip=asc', ['AA-BB-CC-10-00-03', 'AA-BB-CC-10-00-01', 'AA-BB-CC-10-00-02']],
      ['sorts.ip=DESC', ['AA-BB-CC-10-00-02', 'AA-BB-CC-10-00-01', 'AA-BB-CC-10-00-03']],
      ['sorts.start=asc', ['AA-BB-CC-10-00-02', 'AA-BB-CC-10-00-03', 'AA-BB-CC-10-00-01']],
      ['sorts.end=desc', ['AA-BB-CC-10-00-01', 'AA-BB-CC-10-00-03', 'AA-BB-CC-10-00-02']],
      // The first sort in the query string takes effect.
      ['sorts.start=asc&sorts.mac=desc', ['AA-BB-CC-10-00-02', 'AA-BB-CC-10-00-03', 'AA-BB-CC-10-00-01']],
      // Sorts with no stored order are taken and leave the newest-first order.
      ['sorts.authType=asc', ['AA-BB-CC-10-00-01', 'AA-BB-CC-10-00-03', 'AA-BB-CC-10-00-02']],
      ['sorts.ssidOrNetwork=desc', ['AA-BB-CC-10-00-01', 'AA-BB-CC-10-00-03', 'AA-BB-CC-10-00-02']],
      ['sorts.status=asc&sorts.mac=asc', ['AA-BB-CC-10-00-01', 'AA-BB-CC-10-00-03', 'AA-BB-CC-10-00-02']],
    ])('orders by %s', async (sort, expected) => {
      expect(await macsOf(`page=1&pageSize=10&${sort}`)).toEqual(expected);
    });

    it('orders by traffic, ties newest first', async () => {
      expect(await macsOf('page=1&pageSize=10&sorts.download=desc')).toEqual([macAt(first), macAt(third), macAt(second)]);
      expect(await macsOf('page=1&pageSize=10&sorts.upload=asc')).toEqual([macAt(third), macAt(second), macAt(first)]);
    });

    it.each([
      ['part of a MAC, any case', 'cc-10-00-03', ['AA-BB-CC-10-00-03']],
      ['an SSID', 'lobby', ['AA-BB-CC-10-00-01', 'AA-BB-CC-10-00-02']],
      ['nothing known', 'zzz', []],
      ['the empty string', '', ['AA-BB-CC-10-00-01', 'AA-BB-CC-10-00-03', 'AA-BB-CC-10-00-02']],
    ])('searches by %s', async (_name, key, expected) => {
      expect(await macsOf(`page=1&pageSize=10&searchKey=${encodeURIComponent(key)}`)).toEqual(expected);
    });

    it('searches by voucher code, any case', async () => {
      const code = clients[second]!.voucherCode!;
      const page = await listPage(siteId, `page=1&pageSize=10&searchKey=${code.toLowerCase()}`);
      expect(page).toEqual({ totalRows: 1, currentPage: 1, currentSize: 10, data: [clients[second]] });
    });

    it.each([
      ['a sort that is neither asc nor desc', 'page=1&pageSize=10&sorts.mac=up', invalid('sorts.mac must be asc or desc.')],
      ['page 0', 'page=0&pageSize=10', invalid('page must be within 1-2147483647.')],
      ['pageSize 0', 'page=1&pageSize=0', invalid('pageSize must be within 1-1000.')],
      ['pageSize 1001', 'page=1&pageSize=1001', invalid('pageSize must be within 1-1000.')],
      ['a missing page', 'pageSize=10', malformed('page is required.')],
      ['a page that is not a number', 'page=x&pageSize=10', malformed('page must be an integer.')],
    ])('refuses %s', async (_name, query, expected) => {
      await refused(siteId, () => h.call({ method: 'GET', url: recordsUrl(siteId, query), token }), expected);
    });

    it('takes pageSize 1 and 1000', async () => {
      expect((await listPage(siteId, 'page=1&pageSize=1')).data).toEqual([clients[third]]);
      expect((await listPage(siteId, 'page=1&pageSize=1000')).data).toHaveLength(3);
    });
  });

  it('lists only the records of its own site', async () => {
    const siteId = await h.createSite();
    const otherId = await h.createSite();
    await succeeds('authClient', authorize(otherId, nextMac()));
    expect(await listPage(siteId, 'page=1&pageSize=10')).toEqual({ totalRows: 0, currentPage: 1, currentSize: 10, data: [] });
  });
});

describe('disconnectHotspotAuthedClient', () => {
  it('ends a live record now; the client of a single-use voucher may come back for the time it has left', async () => {
    const siteId = await h.createSite();
    const [code] = await codes(siteId, { limitType: 0, limitNum: 1, duration: 60 });
    const mac = nextMac();
    const { expireTime } = await redeem(siteId, code!, mac);
    h.clock.advance(10 * MIN);
    const before = await recordOf(siteId, mac);
    await succeeds('disconnectHotspotAuthedClient', disconnect(siteId, before.id));
    const after = { ...before, end: h.clock.now(), duration: 600, valid: false };
    expect(await records(siteId)).toEqual([after]);

    // Disconnecting it again changes nothing.
    await succeeds('disconnectHotspotAuthedClient', disconnect(siteId, before.id));
    expect(await records(siteId)).toEqual([after]);

    // Another client is refused: the voucher's one use is spent.
    const other = await h.call({ method: 'POST', url: '/portal/auth', payload: { authType: 3, voucherCode: code, clientMac: nextMac(), site: siteId } });
    expect(other.json()).toMatchObject({ errorCode: -41505 });
    // The same client is let in again until its first session's end: a new record.
    h.clock.advance(MIN);
    expect((await redeem(siteId, code!, mac)).expireTime).toBe(expireTime);
    const again = await records(siteId);
    expect(again).toHaveLength(2);
    expect(again[0]).toMatchObject({ mac, start: h.clock.now(), end: expireTime, valid: true, duration: 0 });
    expect(again[1]).toEqual(after);
  });

  it('ends an admin authorization, and tells the gateway', async () => {
    const siteId = await h.createSite();
    const mac = nextMac();
    await succeeds('authClient', authorize(siteId, mac));
    const ended: SessionRecord[] = [];
    h.app.redemption.onSessionEnded((session) => ended.push(session));
    const { id } = await recordOf(siteId, mac);
    h.clock.advance(MIN);
    await succeeds('disconnectHotspotAuthedClient', disconnect(siteId, id));
    expect(await recordOf(siteId, mac)).toMatchObject({ valid: false, end: h.clock.now(), duration: 60 });
    expect(ended.map((session) => session.id)).toEqual([id]);
  });

  it.each([
    ['an unknown id', 'c'.repeat(24), CLIENT_NOT_EXIST],
    ['an id in upper case', 'C'.repeat(24), BAD_ID],
    ['an id too short', 'c'.repeat(23), BAD_ID],
    ['an id that is not hex', 'g'.repeat(24), BAD_ID],
  ])('refuses %s', async (_name, id, expected) => {
    const siteId = await h.createSite();
    await succeeds('authClient', authorize(siteId, nextMac()));
    await refused(siteId, () => disconnect(siteId, id), expected);
  });

  it("refuses another site's record as unknown", async () => {
    const siteId = await h.createSite();
    const otherId = await h.createSite();
    const mac = nextMac();
    await succeeds('authClient', authorize(otherId, mac));
    const { id } = await recordOf(otherId, mac);
    await refused(otherId, () => disconnect(siteId, id), CLIENT_NOT_EXIST);
  });
});

describe('extendHotspotAuthedClient', () => {
  it("moves a live voucher record's end by the period", async () => {
    const siteId = await h.createSite();
    const [code] = await codes(siteId, { duration: 60 });
    const mac = nextMac();
    await redeem(siteId, code!, mac);
    const before = await recordOf(siteId, mac);
    await succeeds('extendHotspotAuthedClient', extend(siteId, before.id, { period: 60_000 }));
    expect(await records(siteId)).toEqual([{ ...before, end: before.end + 60_000 }]);
    // The longer end holds: past the old one the record is still valid.
    h.clock.advance(HOUR + 30_000);
    expect(await recordOf(siteId, mac)).toMatchObject({ valid: true, duration: 3630, end: before.end + 60_000 });
  });

  it("moves an admin record's end, up to the largest period", async () => {
    const siteId = await h.createSite();
    const mac = nextMac();
    await succeeds('authClient', authorize(siteId, mac));
    const before = await recordOf(siteId, mac);
    await succeeds('extendHotspotAuthedClient', extend(siteId, before.id, { period: 86_400_000_000_000 }));
    expect(await records(siteId)).toEqual([{ ...before, end: before.end + 86_400_000_000_000 }]);
  });

  it.each([
    ['a period under a minute', { period: 59_999 }, invalid('period must be within 60000-86400000000000.')],
    ['a period over 1000000 days', { period: 86_400_000_000_001 }, invalid('period must be within 60000-86400000000000.')],
    ['a period that is not an integer', { period: 60_000.5 }, invalid('period must be an integer.')],
    ['a period as text', { period: '60000' }, invalid('period must be an integer.')],
    ['no period', {}, invalid('period is required.')],
    ['a body that is not an object', [60_000], malformed('The request body must be an object.')],
  ])('refuses %s', async (_name, payload, expected) => {
    const siteId = await h.createSite();
    const mac = nextMac();
    await succeeds('authClient', authorize(siteId, mac));
    const { id } = await recordOf(siteId, mac);
    await refused(siteId, () => extend(siteId, id, payload), expected);
  });

  it('refuses a malformed id before its body, and an unknown one', async () => {
    const siteId = await h.createSite();
    await succeeds('authClient', authorize(siteId, nextMac()));
    await refused(siteId, () => extend(siteId, 'not-an-id', { period: 60_000 }), BAD_ID);
    await refused(siteId, () => extend(siteId, 'c'.repeat(24), { period: 60_000 }), CLIENT_NOT_EXIST);
  });

  it('refuses a record that has ended or expired as no client', async () => {
    const siteId = await h.createSite();
    const [code] = await codes(siteId, { duration: 60 });
    const ended = nextMac();
    const expired = nextMac();
    await succeeds('authClient', authorize(siteId, ended));
    await disconnect(siteId, (await recordOf(siteId, ended)).id);
    await redeem(siteId, code!, expired);
    h.clock.advance(HOUR);
    for (const mac of [ended, expired]) {
      const { id } = await recordOf(siteId, mac);
      await refused(siteId, () => extend(siteId, id, { period: 60_000 }), CLIENT_NOT_EXIST);
    }
  });
});

describe('deleteHotspotAuthedClient', () => {
  it('deletes an ended record', async () => {
    const siteId = await h.createSite();
    const [kept, gone] = [nextMac(), nextMac()];
    await succeeds('authClient', authorize(siteId, kept));
    await succeeds('authClient', authorize(siteId, gone));
    const { id } = await recordOf(siteId, gone);
    await succeeds('disconnectHotspotAuthedClient', disconnect(siteId, id));
    const keptRecord = await recordOf(siteId, kept);
    await succeeds('deleteHotspotAuthedClient', remove(siteId, id));
    expect(await records(siteId)).toEqual([keptRecord]);
    await refused(siteId, () => remove(siteId, id), CLIENT_NOT_EXIST);
  });

  it("ends a live voucher record first (the gateway is told), and the voucher's client may come back", async () => {
    const siteId = await h.createSite();
    const [code] = await codes(siteId, { limitType: 0, limitNum: 1, duration: 60 });
    const mac = nextMac();
    const { expireTime } = await redeem(siteId, code!, mac);
    const { id } = await recordOf(siteId, mac);
    const ended: SessionRecord[] = [];
    h.app.redemption.onSessionEnded((session) => ended.push(session));
    await succeeds('deleteHotspotAuthedClient', remove(siteId, id));
    expect(await records(siteId)).toEqual([]);
    expect(ended.map((session) => [session.id, session.endReason])).toEqual([[id, 'admin']]);
    // Its use of the voucher stays spent: only the same client gets back in, with the time it had.
    expect((await redeem(siteId, code!, mac)).expireTime).toBe(expireTime);
  });

  it.each([
    ['an unknown id', 'c'.repeat(24), CLIENT_NOT_EXIST],
    ['a malformed id', 'ABC', BAD_ID],
  ])('refuses %s', async (_name, id, expected) => {
    const siteId = await h.createSite();
    await succeeds('authClient', authorize(siteId, nextMac()));
    await refused(siteId, () => remove(siteId, id), expected);
  });
});

describe('deleteAllInvalidAuthedClients', () => {
  const seconds = (ms: number) => Math.floor(ms / 1000);

  it('deletes the ended and expired records started in the window, and no live one', async () => {
    const siteId = await h.createSite();
    const [code] = await codes(siteId, { duration: 60 });
    const windowStart = h.clock.now();
    const [ended, expired, live, adminLive, later] = [nextMac(), nextMac(), nextMac(), nextMac(), nextMac()];
    await succeeds('authClient', authorize(siteId, ended));
    await succeeds('disconnectHotspotAuthedClient', disconnect(siteId, (await recordOf(siteId, ended)).id));
    await redeem(siteId, code!, expired);
    h.clock.advance(30 * MIN);
    await redeem(siteId, code!, live);
    await succeeds('authClient', authorize(siteId, adminLive));
    const windowEnd = h.clock.now();
    h.clock.advance(40 * MIN); // the first voucher client's hour is over
    await succeeds('authClient', authorize(siteId, later));
    await succeeds('disconnectHotspotAuthedClient', disconnect(siteId, (await recordOf(siteId, later)).id));

    const all = await records(siteId);
    expect(all.map((record) => [record.mac, record.valid])).toEqual([
      [later, false],
      [adminLive, true],
      [live, true],
      [expired, false],
      [ended, false],
    ]);
    await succeeds('deleteAllInvalidAuthedClients', deleteInvalid(siteId, { start: seconds(windowStart), end: seconds(windowEnd) }));
    expect(await records(siteId)).toEqual(all.filter((record) => ![ended, expired].includes(record.mac)));
  });

  it('counts the whole end second in the window and nothing before the start second', async () => {
    const siteId = await h.createSite();
    const [inside, before] = [nextMac(), nextMac()];
    h.clock.current = Math.ceil(h.clock.now() / 1000) * 1000 + 999; // the last millisecond of a second
    await succeeds('authClient', authorize(siteId, inside));
    const second = seconds(h.clock.now());
    h.clock.advance(-1000);
    await succeeds('authClient', authorize(siteId, before));
    h.clock.advance(1001);
    for (const mac of [inside, before]) await disconnect(siteId, (await recordOf(siteId, mac)).id);
    await succeeds('deleteAllInvalidAuthedClients', deleteInvalid(siteId, { start: second, end: second }));
    expect((await records(siteId)).map((record) => record.mac)).toEqual([before]);
  });

  it('deletes only what matches the search key', async () => {
    const siteId = await h.createSite();
    const [a, b] = ['AA-BB-CC-20-00-01', 'AA-BB-CC-20-00-02'];
    for (const mac of [a, b]) {
      await succeeds('authClient', authorize(siteId, mac));
      await disconnect(siteId, (await recordOf(siteId, mac)).id);
    }
    await succeeds('deleteAllInvalidAuthedClients', deleteInvalid(siteId, { start: 0, end: seconds(h.clock.now()), searchKey: '20-00-02' }));
    expect((await records(siteId)).map((record) => record.mac)).toEqual([a]);
  });

  // Engine issue: the repository deletes a voucher session whose time ran out before any step
  // settled it, so the client's online time is never charged (timing by usage) and the client of a
  // spent single-use voucher gets its whole duration again. Expected: charged, the client refused.
  it('charges the time of an expired, unsettled usage-timed session before deleting its record', async () => {
    const siteId = await h.createSite();
    const [code] = await codes(siteId, { duration: 60, timingType: 1, limitType: 0, limitNum: 1 });
    const mac = nextMac();
    const start = h.clock.now();
    await redeem(siteId, code!, mac);
    h.clock.advance(HOUR + MIN);
    await succeeds('deleteAllInvalidAuthedClients', deleteInvalid(siteId, { start: seconds(start), end: seconds(h.clock.now()) }));
    const again = await h.call({ method: 'POST', url: '/portal/auth', payload: { authType: 3, voucherCode: code, clientMac: mac, site: siteId } });
    expect(answer(again)).toEqual({ status: 200, body: { errorCode: -41503, msg: 'The voucher has expired.' } });
  });

  it.each([
    ['a start after the end', { start: 1_700_000_001, end: 1_700_000_000 }, invalid('start must not be later than end.')],
    ['no start', { end: 1_700_000_000 }, invalid('start is required.')],
    ['no end', { start: 0 }, invalid('end is required.')],
    ['a negative start', { start: -1, end: 1_700_000_000 }, invalid('start must be within 0-9007199254740.')],
    ['an end in milliseconds past any date', { start: 0, end: 9_007_199_254_741 }, invalid('end must be within 0-9007199254740.')],
    ['a search key too long', { start: 0, end: 1, searchKey: 'x'.repeat(129) }, invalid('searchKey must be at most 128 characters.')],
    ['a body that is not an object', [0, 1], malformed('The request body must be an object.')],
  ])('refuses %s', async (_name, payload, expected) => {
    const siteId = await h.createSite();
    const mac = nextMac();
    await succeeds('authClient', authorize(siteId, mac));
    await disconnect(siteId, (await recordOf(siteId, mac)).id);
    await refused(siteId, () => deleteInvalid(siteId, payload), expected);
  });
});

describe('authClient', () => {
  it(`lets a client in for ${DEFAULT_REDEMPTION_SETTINGS.adminAuthMinutes} minutes as an admin record; a second call renews it`, async () => {
    const siteId = await h.createSite();
    const mac = nextMac();
    const start = h.clock.now();
    await succeeds('authClient', authorize(siteId, mac.toLowerCase().replace(/-/g, ':')));
    const [record] = await records(siteId);
    const expected: AuthRecord = {
      id: record!.id,
      name: mac,
      mac,
      wireless: false,
      authType: 10,
      download: 0,
      upload: 0,
      duration: 0,
      start,
      end: start + ADMIN_AUTH_MS,
      valid: true,
    };
    expect(record).toEqual(expected);

    h.clock.advance(10 * MIN);
    await succeeds('authClient', authorize(siteId, mac));
    expect(await records(siteId)).toEqual([{ ...expected, duration: 600, end: h.clock.now() + ADMIN_AUTH_MS }]);
  });

  it('takes its length from the settings (ADMIN_AUTH_MINUTES)', async () => {
    const short = await createHarness({ redemption: { ...DEFAULT_REDEMPTION_SETTINGS, adminAuthMinutes: 5 } });
    try {
      const admin = await short.token('admin');
      const siteId = await short.createSite();
      const mac = nextMac();
      const response = await short.call({ method: 'POST', url: clientUrl(siteId, mac, 'auth'), token: admin });
      expect(answer(response)).toEqual(success());
      const list = await short.call({ method: 'GET', url: recordsUrl(siteId), token: admin });
      expect(list.json().result.data[0]).toMatchObject({ mac, authType: 10, end: short.clock.now() + 5 * MIN, valid: true });
    } finally {
      await short.close();
    }
  });

  it('opens a new record for a client whose authorization ended', async () => {
    const siteId = await h.createSite();
    const mac = nextMac();
    await succeeds('authClient', authorize(siteId, mac));
    h.clock.advance(ADMIN_AUTH_MS);
    await succeeds('authClient', authorize(siteId, mac));
    const list = await records(siteId);
    expect(list.map((record) => [record.valid, record.end])).toEqual([
      [true, h.clock.now() + ADMIN_AUTH_MS],
      [false, h.clock.now()],
    ]);
  });

  it.each([['not-a-mac'], ['AA-BB-CC-DD-EE'], ['AA-BB-CC-DD-EE-FF-00'], ['GG-BB-CC-DD-EE-FF']])('refuses the MAC %s', async (mac) => {
    const siteId = await h.createSite();
    await succeeds('authClient', authorize(siteId, nextMac()));
    await refused(siteId, () => authorize(siteId, mac), BAD_MAC);
  });
});

describe('cancelAuthClient', () => {
  it("ends an admin authorization and the client's voucher session", async () => {
    const siteId = await h.createSite();
    const [code] = await codes(siteId);
    const [mac, bystander] = [nextMac(), nextMac()];
    await succeeds('authClient', authorize(siteId, mac));
    await redeem(siteId, code!, mac);
    await redeem(siteId, code!, bystander);
    h.clock.advance(MIN);
    const before = await records(siteId);
    await succeeds('cancelAuthClient', unauthorize(siteId, mac.replace(/-/g, ':')));
    const now = h.clock.now();
    expect(await records(siteId)).toEqual(
      before.map((record) => (record.mac === mac ? { ...record, valid: false, end: now, duration: 60 } : record)),
    );
    // Nothing is left to cancel.
    await refused(siteId, () => unauthorize(siteId, mac), UNAUTH_CLIENT_NOT_EXIST);
  });

  it('refuses an unknown client with −41006, and a malformed MAC with −1001', async () => {
    const siteId = await h.createSite();
    await succeeds('authClient', authorize(siteId, nextMac()));
    await refused(siteId, () => unauthorize(siteId, nextMac()), UNAUTH_CLIENT_NOT_EXIST);
    await refused(siteId, () => unauthorize(siteId, 'AA-BB'), BAD_MAC);
  });

  it('refuses a client whose authorization ran out', async () => {
    const siteId = await h.createSite();
    const mac = nextMac();
    await succeeds('authClient', authorize(siteId, mac));
    h.clock.advance(ADMIN_AUTH_MS);
    await refused(siteId, () => unauthorize(siteId, mac), UNAUTH_CLIENT_NOT_EXIST);
  });
});

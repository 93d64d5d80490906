import { readFileSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, createHarness, OMADAC_ID, START, VALID_SITE, type Harness } from './helpers.js';
import { HAVE_SPEC, responseValidators, SKIP_NOTE, SPEC_FILE, type Spec } from './spec-support.js';
import {
  allVouchers,
  createGroup,
  hotspotUrl,
  invalid,
  malformed,
  NOT_A_GROUP,
  SITE_BUSY,
  SITE_NOT_EXIST,
  TOKEN_EXPIRED,
  type Body,
} from './voucher-groups-support.js';

/**
 * The voucher statistics: the spec's site-wide summary, history and distributions, and the cloud
 * API's per-group ones. Figures come from the creation and use logs, so deleting vouchers or
 * groups changes `current` and nothing else.
 */

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const statsUrl = (siteId: string, path: string, query?: string) =>
  `${hotspotUrl(siteId)}/vouchers/statistics/${path}${query === undefined ? '' : `?${query}`}`;
/** `filters.timeStart` and `filters.timeEnd` from epoch ms, in the seconds the operations take. */
const window = (fromMs: number, toMs: number) =>
  `filters.timeStart=${Math.floor(fromMs / 1000)}&filters.timeEnd=${Math.floor(toMs / 1000)}`;
/** Since the epoch up to far ahead: for the distributions, which take any window. */
const ALL_TIME = window(0, START + 9000 * DAY);
/** The 900 days from START: for the histories, which answer at most 1000 days. */
const FROM_START = window(START, START + 900 * DAY);

/** A priced group of `amount` vouchers of `duration` minutes, timed by the wall clock, any number of clients. */
const priced = (amount: number, unitPrice: number, duration: number, extra: Body = {}): Body => ({
  amount,
  unitPrice,
  currency: 'USD',
  duration,
  durationType: 0,
  timingType: 0,
  limitType: 2,
  ...extra,
});

let macs = 0;
let sites = 0;
const nextMac = () => `02-00-00-00-${String(Math.floor(++macs / 100) % 100).padStart(2, '0')}-${String(macs % 100).padStart(2, '0')}`;

describe('voucher statistics', () => {
  let h: Harness;
  let validators: ReturnType<typeof responseValidators> | undefined;

  beforeAll(async () => {
    h = await createHarness();
    if (HAVE_SPEC) validators = responseValidators(JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as Spec);
  });
  afterAll(() => h.close());

  /** A fresh admin token: tests move the clock past a token's two hours. */
  const admin = () => h.token('admin');

  /** Creates a site with a fresh token (h.createSite keeps one, which the moving clock expires). */
  async function newSite(overrides: Body = {}): Promise<string> {
    const response = await h.call({
      method: 'POST',
      url: `/openapi/v1/${OMADAC_ID}/sites`,
      token: await admin(),
      payload: { ...VALID_SITE, name: `Statistics site ${++sites}`, ...overrides },
    });
    expect(response.json(), response.body).toMatchObject({ errorCode: 0 });
    return response.json().result.siteId as string;
  }

  async function get(url: string): Promise<LightMyRequestResponse> {
    return h.call({ method: 'GET', url, token: await admin() });
  }

  /** The result of a successful GET, checked against the spec's schema of `operationId` when the spec has it. */
  async function result(url: string, operationId?: string): Promise<any> {
    const response = await get(url);
    expect(answer(response), response.body).toMatchObject({ status: 200, body: { errorCode: 0, msg: 'Success.' } });
    const check = operationId === undefined ? undefined : validators?.get(operationId);
    if (check) expect(check.validate(response.json()) ? [] : check.validate.errors, response.body).toEqual([]);
    return response.json().result;
  }

  /** Lets a client in with `code` through the captive portal endpoint. */
  async function redeem(siteId: string, code: string, clientMac = nextMac()): Promise<void> {
    const response = await h.call({ method: 'POST', url: '/portal/auth', payload: { authType: 3, voucherCode: code, clientMac, site: siteId } });
    expect(response.json(), response.body).toMatchObject({ errorCode: 0 });
  }

  async function codes(siteId: string, groupId: string): Promise<string[]> {
    return (await allVouchers(h, await admin(), siteId, groupId)).map((voucher) => voucher.code);
  }

  const summary = (count: number, amount: string, duration: number, currency = 'USD') => ({ count, amount, duration, currency });

  describe('the all-time summary', () => {
    let siteId: string;
    let shortId: string;
    let dayId: string;
    let freeId: string;

    beforeAll(async () => {
      h.clock.current = START;
      siteId = await newSite();
      const token = await admin();
      // Timed per voucher, so a used one expires when its hour is up.
      shortId = await createGroup(h, token, siteId, priced(5, 250, 60, { durationType: 1 }));
      dayId = await createGroup(h, token, siteId, priced(3, 1000, 1440));
      // No price: counts and minutes, no money; valid for half an hour, then all expired.
      freeId = await createGroup(h, token, siteId, {
        amount: 2,
        duration: 30,
        validityType: 1,
        effectiveTime: START - HOUR,
        expirationTime: START + HOUR / 2,
      });
      const short = await codes(siteId, shortId);
      await redeem(siteId, short[0]!);
      await redeem(siteId, short[1]!);
      await redeem(siteId, (await codes(siteId, dayId))[0]!);
    });

    it('counts created, current and unused vouchers with their amounts and minutes', async () => {
      expect(await result(statsUrl(siteId, 'summary'), 'getAllTimeVoucherSummary')).toEqual({
        created: summary(10, '4250', 5 * 60 + 3 * 1440 + 2 * 30),
        current: summary(10, '4250', 5 * 60 + 3 * 1440 + 2 * 30),
        unused: summary(7, String(3 * 250 + 2 * 1000), 3 * 60 + 2 * 1440 + 2 * 30),
      });
    });

    it('splits a group into unused, in use and expired as time passes (the cloud per-group summary)', async () => {
      const url = statsUrl(siteId, `summary/voucher-groups/${shortId}`);
      const before = await result(url);
      expect(before).toEqual({
        created: summary(5, '1250', 300),
        current: summary(5, '1250', 300),
        unused: summary(3, '750', 180),
        inuse: summary(2, '500', 120),
        expired: summary(0, '0', 0),
      });
      // The field names of the cloud API's AllTimeVoucherSummaryOpenApiVO and VoucherSummaryOpenApiVO.
      expect(Object.keys(before).sort()).toEqual(['created', 'current', 'expired', 'inuse', 'unused']);
      expect(Object.keys(before.created).sort()).toEqual(['amount', 'count', 'currency', 'duration']);

      h.clock.advance(HOUR);
      expect(await result(url)).toMatchObject({ inuse: summary(0, '0', 0), expired: summary(2, '500', 120) });
      // The free group's window has closed: both its vouchers are expired, though never used.
      expect(await result(statsUrl(siteId, `summary/voucher-groups/${freeId}`))).toMatchObject({
        unused: { count: 0, amount: '0', duration: 0 },
        expired: { count: 2, amount: '0', duration: 60 },
      });
      const site = await result(statsUrl(siteId, 'summary'), 'getAllTimeVoucherSummary');
      // Expired vouchers are still current; unused are now only the short and day groups' untouched ones.
      expect(site.current).toEqual(summary(10, '4250', 4680));
      expect(site.unused).toEqual(summary(5, String(3 * 250 + 2 * 1000), 3 * 60 + 2 * 1440));
    });

    it('answers a group without a price (nor a currency of its own) with amount "0"', async () => {
      expect((await result(statsUrl(siteId, `summary/voucher-groups/${freeId}`))).created).toEqual({ count: 2, amount: '0', duration: 60 });
    });

    it('keeps created and the history when vouchers and groups are deleted, while current drops', async () => {
      const history = () => result(statsUrl(siteId, 'history', FROM_START));
      const historyBefore = await history();
      const byPriceBefore = await result(statsUrl(siteId, 'history/distribution/unit-price', ALL_TIME));
      const token = await admin();
      const deleted = await h.call({ method: 'DELETE', url: `${hotspotUrl(siteId)}/voucher-groups/${shortId}`, token });
      expect(deleted.json(), deleted.body).toMatchObject({ errorCode: 0 });
      const [dayVoucher] = await allVouchers(h, token, siteId, dayId);
      const gone = await h.call({ method: 'DELETE', url: `${hotspotUrl(siteId)}/vouchers/${dayVoucher!.id}`, token });
      expect(gone.json(), gone.body).toMatchObject({ errorCode: 0 });
      // And one voucher straight from the store, as any other way of losing it would.
      const [freeVoucher] = await allVouchers(h, token, siteId, freeId);
      await h.store.db.deleteFrom('vouchers').where('id', '=', freeVoucher!.id).execute();

      const after = await result(statsUrl(siteId, 'summary'), 'getAllTimeVoucherSummary');
      expect(after.created).toEqual(summary(10, '4250', 4680));
      // The day group's first voucher by code is the one used, in use when deleted.
      expect(dayVoucher!.status).toBe(1);
      // Left: the day group's two unused vouchers and one expired free voucher.
      expect(after.current).toEqual(summary(3, '2000', 2 * 1440 + 30));
      expect(after.unused).toEqual(summary(2, '2000', 2 * 1440));
      expect(await history()).toEqual(historyBefore);
      expect(await result(statsUrl(siteId, 'history/distribution/unit-price', ALL_TIME))).toEqual(byPriceBefore);
      // A deleted group's own statistics stay: created and used, nothing current.
      expect(await result(statsUrl(siteId, `summary/voucher-groups/${shortId}`))).toEqual({
        created: summary(5, '1250', 300),
        current: summary(0, '0', 0),
        unused: summary(0, '0', 0),
        inuse: summary(0, '0', 0),
        expired: summary(0, '0', 0),
      });
      expect((await result(statsUrl(siteId, `history/voucher-groups/${shortId}`, FROM_START))).summary).toEqual(summary(2, '500', 120));
    });

    it('goes with its site', async () => {
      const doomed = await newSite();
      await createGroup(h, await admin(), doomed, priced(2, 100, 60));
      const logged = () => h.store.db.selectFrom('voucher_creations').select('group_id').where('site_id', '=', doomed).execute();
      expect(await logged()).toHaveLength(1);
      const response = await h.call({ method: 'DELETE', url: `/openapi/v1/${OMADAC_ID}/sites/${doomed}`, token: await admin() });
      expect(response.json(), response.body).toMatchObject({ errorCode: 0 });
      expect(await logged()).toEqual([]);
    });
  });

  describe('money', () => {
    it('adds amounts exactly, past what a double holds', async () => {
      h.clock.current = START;
      const siteId = await newSite();
      const bigId = await createGroup(h, await admin(), siteId, priced(5000, 999_999_999, 60, { codeLength: 8 }));
      // Groups deleted long ago, as their creation log keeps them: 1801 more of 4999 at the top price.
      const rows = Array.from({ length: 1801 }, (_, i) => ({
        group_id: `${'d'.repeat(20)}${String(i).padStart(4, '0')}`,
        site_id: siteId,
        group_name: `Gone ${i}`,
        count: 4999,
        unit_price: 999_999_999,
        currency: 'USD',
        duration: 60,
        duration_type: 0,
        created_at: START - DAY,
      }));
      for (let i = 0; i < rows.length; i += 200) await h.store.db.insertInto('voucher_creations').values(rows.slice(i, i + 200)).execute();
      const expected = 999_999_999n * 5000n + 999_999_999n * 4999n * 1801n;
      // The figure is past 2^53 and would come out wrong added up in doubles.
      expect(expected > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
      expect(String(999_999_999 * 5000 + 999_999_999 * 4999 * 1801)).not.toBe(expected.toString());

      const created = (await result(statsUrl(siteId, 'summary'), 'getAllTimeVoucherSummary')).created;
      expect(created).toEqual({ count: 5000 + 4999 * 1801, amount: expected.toString(), duration: (5000 + 4999 * 1801) * 60, currency: 'USD' });
      expect((await result(statsUrl(siteId, `summary/voucher-groups/${bigId}`))).created.amount).toBe('4999999995000');

      const [a, b, c] = await codes(siteId, bigId);
      for (const code of [a!, b!, c!]) await redeem(siteId, code);
      expect(await result(statsUrl(siteId, 'history/distribution/unit-price', ALL_TIME), 'getVoucherDistributionByPrice')).toEqual({
        totalRows: 1,
        currentPage: 1,
        currentSize: 1,
        data: [{ unitPrice: '999999999', totalAmount: '2999999997', usedCount: 3, currency: 'USD' }],
      });
    });

    it('leaves out of the amounts a group priced in a currency the site no longer uses', async () => {
      h.clock.current = START;
      const siteId = await newSite();
      const token = await admin();
      await createGroup(h, token, siteId, priced(2, 300, 60));
      const setting = await h.call({ method: 'PATCH', url: `${hotspotUrl(siteId)}/setting`, token, payload: { currency: 'EUR' } });
      expect(setting.json()).toMatchObject({ errorCode: 0 });
      await createGroup(h, token, siteId, priced(1, 500, 60, { currency: 'EUR' }));
      expect((await result(statsUrl(siteId, 'summary'))).created).toEqual({ count: 3, amount: '500', duration: 180, currency: 'EUR' });
    });
  });

  describe('the history', () => {
    /** Creates a site in `timeZone` with one priced group, and answers them. */
    async function siteIn(timeZone: string, region: string) {
      const siteId = await newSite({ timeZone, region });
      const groupId = await createGroup(h, await admin(), siteId, priced(20, 150, 90, { codeLength: 7 }));
      return { siteId, groupId, codes: await codes(siteId, groupId) };
    }

    /** Redeems the next code at exactly `at` (the clock only moves forward). */
    async function useAt(siteId: string, code: string, at: number) {
      expect(at).toBeGreaterThanOrEqual(h.clock.current);
      h.clock.current = at;
      await redeem(siteId, code);
    }

    it('puts each use in its local day in New York, each day stamped at its end', async () => {
      h.clock.current = Date.UTC(2026, 0, 15, 12);
      const { siteId, groupId, codes: c } = await siteIn('America/New_York', 'United States');
      // Midnight of Jan 16 in New York (EST, UTC−5) is 05:00 UTC.
      const midnight16 = Date.UTC(2026, 0, 16, 5);
      await useAt(siteId, c[0]!, midnight16 - 1);
      await useAt(siteId, c[1]!, midnight16);
      await useAt(siteId, c[2]!, midnight16 + 3 * HOUR);
      const query = window(Date.UTC(2026, 0, 15, 5), Date.UTC(2026, 0, 17, 5) - 1000);
      const expected = {
        summary: { count: 3, amount: '450', duration: 270, currency: 'USD' },
        usage: [
          { count: 1, amount: '150', currency: 'USD', time: midnight16, timeInterval: 86_400 },
          { count: 2, amount: '300', currency: 'USD', time: Date.UTC(2026, 0, 17, 5), timeInterval: 86_400 },
        ],
      };
      expect(await result(statsUrl(siteId, 'history', query), 'getVoucherHistoryStatistics')).toEqual(expected);
      expect(await result(statsUrl(siteId, `history/voucher-groups/${groupId}`, query))).toEqual(expected);
    });

    it('gives a day daylight saving shortens its 23 hours', async () => {
      h.clock.current = Date.UTC(2026, 2, 7, 12);
      const { siteId, codes: c } = await siteIn('America/New_York', 'United States');
      // Clocks go forward on March 8, 2026: that day runs from 05:00 UTC to 04:00 UTC.
      await useAt(siteId, c[0]!, Date.UTC(2026, 2, 8, 12));
      const usage = (await result(statsUrl(siteId, 'history', window(Date.UTC(2026, 2, 7, 5), Date.UTC(2026, 2, 9, 12))))).usage;
      expect(usage).toEqual([
        { count: 0, amount: '0', currency: 'USD', time: Date.UTC(2026, 2, 8, 5), timeInterval: 86_400 },
        { count: 1, amount: '150', currency: 'USD', time: Date.UTC(2026, 2, 9, 4), timeInterval: 82_800 },
        { count: 0, amount: '0', currency: 'USD', time: Date.UTC(2026, 2, 10, 4), timeInterval: 86_400 },
      ]);
    });

    it('puts each use in its local day in Kolkata (+05:30)', async () => {
      h.clock.current = Date.UTC(2026, 0, 15, 0);
      const { siteId, codes: c } = await siteIn('Asia/Kolkata', 'India');
      // Midnight of Jan 16 in Kolkata is 18:30 UTC on Jan 15.
      const midnight16 = Date.UTC(2026, 0, 15, 18, 30);
      await useAt(siteId, c[0]!, midnight16 - 1);
      await useAt(siteId, c[1]!, midnight16);
      const usage = (await result(statsUrl(siteId, 'history', window(Date.UTC(2026, 0, 14, 18, 30), midnight16 + 1000)))).usage;
      expect(usage).toEqual([
        { count: 1, amount: '150', currency: 'USD', time: midnight16, timeInterval: 86_400 },
        { count: 1, amount: '150', currency: 'USD', time: midnight16 + DAY, timeInterval: 86_400 },
      ]);
    });

    it('counts a use exactly when its second is inside filters.timeStart and filters.timeEnd', async () => {
      h.clock.current = Date.UTC(2026, 0, 20, 0);
      const { siteId, codes: c } = await siteIn('UTC', 'United Kingdom');
      const at = Date.UTC(2026, 0, 20, 10, 0, 0, 500);
      await useAt(siteId, c[0]!, at);
      const second = Math.floor(at / 1000);
      const count = async (start: number, end: number) =>
        (await result(statsUrl(siteId, 'history', `filters.timeStart=${start}&filters.timeEnd=${end}`))).summary.count;
      expect(await count(second, second)).toBe(1);
      expect(await count(second - 3600, second)).toBe(1);
      expect(await count(second, second + 3600)).toBe(1);
      expect(await count(second + 1, second + 3600)).toBe(0);
      expect(await count(second - 3600, second - 1)).toBe(0);
      const distribution = async (start: number, end: number) =>
        (await result(statsUrl(siteId, 'history/distribution/duration', `filters.timeStart=${start}&filters.timeEnd=${end}`))).totalRows;
      expect(await distribution(second, second)).toBe(1);
      expect(await distribution(second + 1, second + 1)).toBe(0);
      expect(await distribution(second - 1, second - 1)).toBe(0);
    });

    it('answers every day of a window without uses with zeros', async () => {
      h.clock.current = Date.UTC(2026, 0, 20, 0);
      const siteId = await newSite({ timeZone: 'UTC', region: 'United Kingdom' });
      const answer = await result(statsUrl(siteId, 'history', window(Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 3, 23, 59, 59))), 'getVoucherHistoryStatistics');
      // No group, no currency: the figures carry none.
      expect(answer).toEqual({
        summary: { count: 0, amount: '0', duration: 0 },
        usage: [1, 2, 3].map((day) => ({ count: 0, amount: '0', time: Date.UTC(2026, 0, day + 1), timeInterval: 86_400 })),
      });
    });
  });

  describe('the distributions', () => {
    let siteId: string;
    let shortId: string;
    let dayId: string;
    const all = () => ALL_TIME;

    beforeAll(async () => {
      h.clock.current = START;
      siteId = await newSite();
      const token = await admin();
      shortId = await createGroup(h, token, siteId, priced(4, 250, 60));
      dayId = await createGroup(h, token, siteId, priced(2, 1000, 1440, { durationType: 1 }));
      const freeId = await createGroup(h, token, siteId, { amount: 1, duration: 60 });
      const short = await codes(siteId, shortId);
      await redeem(siteId, short[0]!);
      await redeem(siteId, short[1]!);
      // A second client on the same voucher: the voucher was sold once.
      await redeem(siteId, short[1]!);
      await redeem(siteId, (await codes(siteId, dayId))[0]!);
      await redeem(siteId, (await codes(siteId, freeId))[0]!);
    });

    it('by duration: the used vouchers per duration and type, shortest first', async () => {
      expect(await result(statsUrl(siteId, 'history/distribution/duration', all()), 'getVoucherDistributionByDuration')).toEqual({
        totalRows: 2,
        currentPage: 1,
        currentSize: 2,
        data: [
          { duration: 60, durationType: 0, totalDuration: 180, usedCount: 3 },
          { duration: 1440, durationType: 1, totalDuration: 1440, usedCount: 1 },
        ],
      });
    });

    it('by unit price: the used priced vouchers per price, cheapest first', async () => {
      expect(await result(statsUrl(siteId, 'history/distribution/unit-price', all()), 'getVoucherDistributionByPrice')).toEqual({
        totalRows: 2,
        currentPage: 1,
        currentSize: 2,
        data: [
          { unitPrice: '250', totalAmount: '500', usedCount: 2, currency: 'USD' },
          { unitPrice: '1000', totalAmount: '1000', usedCount: 1, currency: 'USD' },
        ],
      });
    });

    it('per group, paged as the cloud API pages them', async () => {
      const byDuration = await result(statsUrl(siteId, `history/distribution/duration/voucher-groups/${shortId}`, `page=1&pageSize=10&${all()}`));
      expect(byDuration).toEqual({ totalRows: 1, currentPage: 1, currentSize: 10, data: [{ duration: 60, durationType: 0, totalDuration: 120, usedCount: 2 }] });
      // The field names of the cloud API's VoucherDurationDistributionOpenApiVO and VoucherUnitPriceDistributionOpenApiVO.
      expect(Object.keys(byDuration.data[0]).sort()).toEqual(['duration', 'durationType', 'totalDuration', 'usedCount']);
      const byPrice = await result(statsUrl(siteId, `history/distribution/unit-price/voucher-groups/${dayId}`, `page=1&pageSize=10&${all()}`));
      expect(byPrice).toEqual({ totalRows: 1, currentPage: 1, currentSize: 10, data: [{ unitPrice: '1000', totalAmount: '1000', usedCount: 1, currency: 'USD' }] });
      expect(Object.keys(byPrice.data[0]).sort()).toEqual(['currency', 'totalAmount', 'unitPrice', 'usedCount']);
      expect(await result(statsUrl(siteId, `history/distribution/unit-price/voucher-groups/${dayId}`, `page=2&pageSize=1&${all()}`))).toEqual({
        totalRows: 1,
        currentPage: 2,
        currentSize: 1,
        data: [],
      });
    });

    it('per group history: the cloud API field names', async () => {
      const history = await result(statsUrl(siteId, `history/voucher-groups/${shortId}`, window(START - DAY, START + DAY)));
      expect(Object.keys(history).sort()).toEqual(['summary', 'usage']);
      expect(history.summary).toEqual({ count: 2, amount: '500', duration: 120, currency: 'USD' });
      expect(Object.keys(history.usage[0]).sort()).toEqual(['amount', 'count', 'currency', 'time', 'timeInterval']);
    });
  });

  describe('refusals', () => {
    let siteId: string;
    let groupId: string;

    beforeAll(async () => {
      h.clock.current = START;
      siteId = await newSite();
      groupId = await createGroup(h, await admin(), siteId, priced(1, 100, 60));
    });

    const filtered = ['history', 'history/distribution/duration', 'history/distribution/unit-price'];
    const perGroup = (path: string) => `${path}/voucher-groups/{groupId}`;
    const everyFiltered = [...filtered, ...filtered.map(perGroup)];
    const pageOf = (path: string) => (path.startsWith('history/distribution') && path.includes('voucher-groups') ? 'page=1&pageSize=10&' : '');
    const url = (path: string, query: string) => statsUrl(siteId, path.replace('{groupId}', groupId), `${pageOf(path)}${query}`);

    it.each(everyFiltered)('%s: a missing filter answers 400 −1001 naming it', async (path) => {
      expect(answer(await get(url(path, 'filters.timeEnd=100')))).toEqual(malformed('filters.timeStart is required.'));
      expect(answer(await get(url(path, 'filters.timeStart=100')))).toEqual(malformed('filters.timeEnd is required.'));
    });

    it.each(everyFiltered)('%s: a filter that is not a whole number answers 400 −1001', async (path) => {
      expect(answer(await get(url(path, 'filters.timeStart=soon&filters.timeEnd=100')))).toEqual(malformed('filters.timeStart must be an integer.'));
    });

    it.each(everyFiltered)('%s: a filter out of range answers −1001 naming it', async (path) => {
      expect(answer(await get(url(path, 'filters.timeStart=-1&filters.timeEnd=100')))).toEqual(invalid('filters.timeStart must be within 0-9007199254739.'));
      expect(answer(await get(url(path, 'filters.timeStart=0&filters.timeEnd=9007199254740')))).toEqual(invalid('filters.timeEnd must be within 0-9007199254739.'));
    });

    it.each(everyFiltered)('%s: a start after the end answers −1001', async (path) => {
      expect(answer(await get(url(path, 'filters.timeStart=101&filters.timeEnd=100')))).toEqual(
        invalid('filters.timeStart must not be later than filters.timeEnd.'),
      );
    });

    it.each(filtered.filter((path) => path.startsWith('history/distribution')).map(perGroup))(
      '%s: the per-group distributions need page and pageSize',
      async (path) => {
        const bare = statsUrl(siteId, path.replace('{groupId}', groupId), 'filters.timeStart=0&filters.timeEnd=100');
        expect(answer(await get(bare))).toEqual(malformed('page is required.'));
        expect(answer(await get(`${bare}&page=1&pageSize=1001`))).toEqual(invalid('pageSize must be within 1-1000.'));
      },
    );

    it.each(['history', perGroup('history')])('%s: more than 1000 days answers −1001', async (path) => {
      const start = Math.floor(START / 1000);
      expect(answer(await get(url(path, `filters.timeStart=${start}&filters.timeEnd=${start + 1000 * 86_400 - 1}`)))).toMatchObject({
        body: { errorCode: 0 },
      });
      expect(answer(await get(url(path, `filters.timeStart=${start}&filters.timeEnd=${start + 1000 * 86_400}`)))).toEqual(
        invalid('filters.timeEnd must be at most 1000 days after filters.timeStart.'),
      );
    });

    const everyGroupPath = ['summary/voucher-groups/{groupId}', ...filtered.map(perGroup)];

    it.each(everyGroupPath)('%s: a group the site never had answers −1001', async (path) => {
      const other = await newSite();
      const foreign = await createGroup(h, await admin(), other, priced(1, 100, 60));
      for (const id of ['c'.repeat(24), foreign]) {
        const target = statsUrl(siteId, path.replace('{groupId}', id), `${pageOf(path)}filters.timeStart=0&filters.timeEnd=100`);
        expect(answer(await get(target))).toEqual(NOT_A_GROUP);
      }
    });

    const everyPath = ['summary', ...everyGroupPath, ...filtered];
    const anyUrl = (site: string, path: string) =>
      statsUrl(site, path.replace('{groupId}', groupId), `${pageOf(path)}filters.timeStart=0&filters.timeEnd=100`);

    it.each(everyPath)('%s: a site that does not exist answers −33000', async (path) => {
      expect(answer(await get(anyUrl('b'.repeat(24), path)))).toEqual(SITE_NOT_EXIST);
    });

    it.each(everyPath)('%s: a locked site answers −33004', async (path) => {
      const now = h.clock.now();
      expect(await h.store.sites.lock(siteId, 'test', now, now + 60_000)).toBe(true);
      try {
        expect(answer(await get(anyUrl(siteId, path)))).toEqual(SITE_BUSY);
      } finally {
        await h.store.sites.unlock(siteId);
      }
    });

    it.each(everyPath)('%s: an expired token answers 401 −44112', async (path) => {
      const token = await admin();
      h.clock.advance(7200 * 1000);
      expect(answer(await h.call({ method: 'GET', url: anyUrl(siteId, path), token }))).toEqual(TOKEN_EXPIRED);
    });
  });

  it.skipIf(!HAVE_SPEC)(`serves each spec operation at the method and path the spec gives it${SKIP_NOTE}`, () => {
    const served = h.app.operations.map((route) => `${route.operation} ${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
    for (const operationId of ['getAllTimeVoucherSummary', 'getVoucherHistoryStatistics', 'getVoucherDistributionByDuration', 'getVoucherDistributionByPrice']) {
      const inSpec = validators!.get(operationId)!;
      expect(served).toContain(`${operationId} ${inSpec.method.toUpperCase()} ${inSpec.path}`);
    }
    // The per-group ones at the cloud API's paths.
    const base = '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/statistics';
    expect(served).toEqual(
      expect.arrayContaining([
        `getAllTimeVoucherSummaryForGroup GET ${base}/summary/voucher-groups/{groupId}`,
        `getVoucherHistoryStatisticsForGroup GET ${base}/history/voucher-groups/{groupId}`,
        `getVoucherDistributionByDurationForGroup GET ${base}/history/distribution/duration/voucher-groups/{groupId}`,
        `getVoucherDistributionByPriceForGroup GET ${base}/history/distribution/unit-price/voucher-groups/{groupId}`,
      ]),
    );
  });

  it.skipIf(!HAVE_SPEC).each([
    ['amount as a number', 'getAllTimeVoucherSummary', { errorCode: 0, msg: 'Success.', result: { created: { amount: 5 } } }],
    ['inuse, which the controller spec does not name', 'getAllTimeVoucherSummary', { errorCode: 0, msg: 'Success.', result: { inuse: { count: 1 } } }],
    ['time as a string', 'getVoucherHistoryStatistics', { errorCode: 0, msg: 'Success.', result: { usage: [{ time: '1' }] } }],
    ['totalAmount as a number', 'getVoucherDistributionByPrice', { errorCode: 0, msg: 'Success.', result: { data: [{ totalAmount: 1 }] } }],
  ])(`would catch an answer with %s (%s)${SKIP_NOTE}`, (_label, operationId, body) => {
    expect(validators!.get(operationId)!.validate(body)).toBe(false);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, createHarness, START, type Harness } from './helpers.js';
import {
  createGroup,
  createPortal,
  createProfile,
  CURRENCY_CODES,
  CURRENCY_NOT_SUPPORTED,
  DAY_MS,
  groupsUrl,
  groupUrl,
  hotspotUrl,
  invalid,
  malformed,
  MINIMAL_GROUP,
  NOT_A_GROUP,
  NOT_A_VOUCHER,
  postGroup,
  refused,
  settingUrl,
  success,
  voucherUrl,
  type Body,
} from './voucher-groups-support.js';

/**
 * The read side of voucher groups: getGridVoucherGroups, getVoucherGroupDetail, getVoucher,
 * getGroupConfigLimit, getVoucherCurrencyCandidates and the currency of modifyHotspotSetting.
 * Every answer is compared in full.
 */

const MB = 1024 * 1024;
const HOUR_MS = 60 * 60 * 1000;

/** What the grid and the detail show of a MINIMAL_GROUP made by the harness's admin app. */
function minimalView(id: string, name: string, createdTime: number, amount = 1) {
  return {
    id,
    name,
    createdTime,
    creatorName: 'test admin',
    limitType: 2,
    durationType: 0,
    duration: 60,
    timingType: 0,
    rateLimit: { mode: 0, customRateLimit: { downLimitEnable: false, upLimitEnable: false } },
    trafficLimitEnable: false,
    portalNames: [],
    applyToAllPortals: true,
    validityType: 0,
    logout: false,
    unusedCount: amount,
    usedCount: 0,
    inUseCount: 0,
    expiredCount: 0,
    totalCount: amount,
    totalAmount: '0',
  };
}

/** The vouchers of a group as the store holds them, by code. */
async function storedVouchers(h: Harness, groupId: string) {
  return h.store.db
    .selectFrom('vouchers')
    .select(['id', 'code', 'created_at'])
    .where('group_id', '=', groupId)
    .orderBy('code')
    .execute();
}

/**
 * Leaves a voucher as redemption would (it is not served yet): its own status and usage, and the
 * group's counters that move with them.
 */
async function redeem(
  h: Harness,
  groupId: string,
  voucherId: string,
  change: { status: 1 | 2; used: number; startTime: number; timeUsedSec: number; trafficUsed: number },
) {
  await h.store.db
    .updateTable('vouchers')
    .set({
      status: change.status,
      used: change.used,
      start_time: change.startTime,
      time_used_sec: change.timeUsedSec,
      traffic_used: change.trafficUsed,
    })
    .where('id', '=', voucherId)
    .execute();
  await h.store.db
    .updateTable('voucher_groups')
    .set((eb) => ({
      used_count: eb('used_count', '+', 1),
      ...(change.status === 1 ? { in_use_count: eb('in_use_count', '+', 1) } : { expired_count: eb('expired_count', '+', 1) }),
    }))
    .where('id', '=', groupId)
    .execute();
}

describe('getGridVoucherGroups', () => {
  let h: Harness;
  let admin: string;
  let siteId: string;
  /** Created a second apart in this order, so creation order and name order differ. */
  const NAMES = ['Charlie Day', 'Alpha Pass', 'Delta Pass', 'Bravo Pass'] as const;
  const ids: Record<string, string> = {};
  const created: Record<string, number> = {};

  const view = (name: string) => minimalView(ids[name]!, name, created[name]!);
  const list = (query: string) => h.call({ method: 'GET', url: groupsUrl(siteId, query), token: admin });
  const page = (totalRows: number, names: string[], currentPage = 1, currentSize = 100) =>
    success({ totalRows, currentPage, currentSize, data: names.map(view) });

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
    siteId = await h.createSite();
    const otherSiteId = await h.createSite();
    await createGroup(h, admin, otherSiteId, { name: 'Alpha Pass elsewhere' });
    for (const name of NAMES) {
      h.clock.advance(1000);
      created[name] = h.clock.now();
      ids[name] = await createGroup(h, admin, siteId, { name });
    }
  });
  afterAll(() => h.close());

  it.each([
    ['newest first by default', 'page=1&pageSize=100', ['Bravo Pass', 'Delta Pass', 'Alpha Pass', 'Charlie Day']],
    ['sorts.name=asc', 'page=1&pageSize=100&sorts.name=asc', ['Alpha Pass', 'Bravo Pass', 'Charlie Day', 'Delta Pass']],
    ['sorts.name=desc', 'page=1&pageSize=100&sorts.name=desc', ['Delta Pass', 'Charlie Day', 'Bravo Pass', 'Alpha Pass']],
    ['sorts.name=ASC', 'page=1&pageSize=100&sorts.name=ASC', ['Alpha Pass', 'Bravo Pass', 'Charlie Day', 'Delta Pass']],
    ['sorts.createTime=asc', 'page=1&pageSize=100&sorts.createTime=asc', ['Charlie Day', 'Alpha Pass', 'Delta Pass', 'Bravo Pass']],
    ['sorts.createTime=desc', 'page=1&pageSize=100&sorts.createTime=desc', ['Bravo Pass', 'Delta Pass', 'Alpha Pass', 'Charlie Day']],
    [
      'the first sort given: createTime before name',
      'page=1&pageSize=100&sorts.createTime=asc&sorts.name=desc',
      ['Charlie Day', 'Alpha Pass', 'Delta Pass', 'Bravo Pass'],
    ],
    [
      'the first sort given: name before createTime',
      'page=1&pageSize=100&sorts.name=desc&sorts.createTime=asc',
      ['Delta Pass', 'Charlie Day', 'Bravo Pass', 'Alpha Pass'],
    ],
  ])('orders %s', async (_label, query, names) => {
    expect(answer(await list(query))).toEqual(page(4, names));
  });

  it.each([
    ['pass', ['Bravo Pass', 'Delta Pass', 'Alpha Pass']],
    ['PASS', ['Bravo Pass', 'Delta Pass', 'Alpha Pass']],
    ['a p', ['Delta Pass', 'Alpha Pass']],
    ['charlie', ['Charlie Day']],
    ['elsewhere', []],
    ['%', []],
    ['', ['Bravo Pass', 'Delta Pass', 'Alpha Pass', 'Charlie Day']],
  ])('searches names case-insensitively for %j', async (searchKey, names) => {
    const response = await list(`page=1&pageSize=100&searchKey=${encodeURIComponent(searchKey)}`);
    expect(answer(response)).toEqual(page(names.length, names));
  });

  it('pages with page and pageSize, counting every row', async () => {
    expect(answer(await list('page=1&pageSize=3'))).toEqual(page(4, ['Bravo Pass', 'Delta Pass', 'Alpha Pass'], 1, 3));
    expect(answer(await list('page=2&pageSize=3'))).toEqual(page(4, ['Charlie Day'], 2, 3));
    expect(answer(await list('page=3&pageSize=3'))).toEqual(page(4, [], 3, 3));
    expect(answer(await list('page=2&pageSize=1&sorts.name=asc'))).toEqual(page(4, ['Bravo Pass'], 2, 1));
    expect(answer(await list('page=1&pageSize=2&searchKey=pass&sorts.name=desc'))).toEqual(
      page(3, ['Delta Pass', 'Bravo Pass'], 1, 2),
    );
  });

  it.each([
    ['both bounds inclusive', (t: (n: number) => number) => `filters.timeStart=${t(1)}&filters.timeEnd=${t(2)}`, ['Delta Pass', 'Alpha Pass']],
    ['a start only', (t: (n: number) => number) => `filters.timeStart=${t(3)}`, ['Bravo Pass']],
    ['an end only', (t: (n: number) => number) => `filters.timeEnd=${t(0)}`, ['Charlie Day']],
    ['a window between two groups', (t: (n: number) => number) => `filters.timeStart=${t(0) + 1}&filters.timeEnd=${t(1) - 1}`, []],
    ['one millisecond', (t: (n: number) => number) => `filters.timeStart=${t(2)}&filters.timeEnd=${t(2)}`, ['Delta Pass']],
    ['start after end', (t: (n: number) => number) => `filters.timeStart=${t(3)}&filters.timeEnd=${t(0)}`, []],
  ])('filters by creation time with %s', async (_label, filters, names) => {
    const at = (index: number) => created[NAMES[index]!]!;
    const response = await list(`page=1&pageSize=100&${filters(at)}`);
    expect(answer(response)).toEqual(page(names.length, names));
  });

  it('filters, searches, sorts and pages together', async () => {
    const query = `page=1&pageSize=1&searchKey=PASS&sorts.name=asc&filters.timeStart=${created['Alpha Pass']}`;
    expect(answer(await list(query))).toEqual(page(3, ['Alpha Pass'], 1, 1));
  });

  it('answers an empty page for a site without groups', async () => {
    const empty = await h.createSite();
    const response = await h.call({ method: 'GET', url: groupsUrl(empty, 'page=1&pageSize=10'), token: admin });
    expect(answer(response)).toEqual(success({ totalRows: 0, currentPage: 1, currentSize: 10, data: [] }));
  });

  it.each([
    ['sorts.name=up', invalid('sorts.name must be asc or desc.')],
    ['sorts.createTime=', invalid('sorts.createTime must be asc or desc.')],
    ['page=0', invalid('page must be within 1-2147483647.')],
    ['pageSize=1001', invalid('pageSize must be within 1-1000.')],
    ['pageSize=0', invalid('pageSize must be within 1-1000.')],
    ['filters.timeStart=-1', invalid('filters.timeStart must be within 0-9007199254740991.')],
    ['searchKey=' + 'x'.repeat(129), invalid('searchKey must be at most 128 characters.')],
  ])('refuses %s', async (extra, expected) => {
    const [key] = extra.split('=');
    const base = ['page=1', 'pageSize=10'].filter((pair) => !pair.startsWith(`${key}=`));
    expect(answer(await list([...base, extra].join('&')))).toEqual(expected);
  });

  it.each([
    ['page', 'pageSize=10', malformed('page is required.')],
    ['pageSize', 'page=1', malformed('pageSize is required.')],
    ['a number for page', 'page=one&pageSize=10', malformed('page must be an integer.')],
  ])('answers 400 without %s', async (_label, query, expected) => {
    expect(answer(await list(query))).toEqual(expected);
  });
});

describe('getVoucherGroupDetail and getVoucher', () => {
  let h: Harness;
  let admin: string;
  let siteId: string;
  let otherSiteId: string;
  let profileId: string;
  let lobby: string;
  let terrace: string;
  let fullId: string;
  let fullVouchers: { id: string; code: string; created_at: number }[];

  /** Every optional field set; its window is open from START for one day. */
  const FULL: Body = {
    name: 'Weekend Pass',
    amount: 3,
    codeLength: 8,
    codeForm: [1, 0],
    limitType: 0,
    limitNum: 5,
    durationType: 1,
    duration: 120,
    timingType: 0,
    rateLimit: {
      mode: 0,
      rateLimitProfileId: 'ignored while mode is 0',
      customRateLimit: { downLimitEnable: true, downLimit: 2048, upLimitEnable: true, upLimit: 512 },
    },
    trafficLimitEnable: true,
    trafficLimit: 100,
    trafficLimitFrequency: 2,
    unitPrice: 250,
    currency: 'USD',
    applyToAllPortals: false,
    logout: true,
    description: 'For the lobby',
    printComments: 'Enjoy your stay',
    validityType: 1,
    effectiveTime: START,
    expirationTime: START + DAY_MS,
    schedule: { type: 1, weeklyEnableDays: [1] },
  };

  const fullGroupFields = () => ({
    id: fullId,
    name: 'Weekend Pass',
    createdTime: START,
    creatorName: 'test admin',
    limitType: 0,
    limitNum: 5,
    durationType: 1,
    duration: 120,
    timingType: 0,
    rateLimit: { mode: 0, customRateLimit: { downLimitEnable: true, downLimit: 2048, upLimitEnable: true, upLimit: 512 } },
    trafficLimitEnable: true,
    trafficLimit: 100,
    trafficLimitFrequency: 2,
    unitPrice: '250',
    currency: 'USD',
    portalNames: ['Lobby', 'Terrace'],
    applyToAllPortals: false,
    expirationTime: START + DAY_MS,
    effectiveTime: START,
    validityType: 1,
    logout: true,
    description: 'For the lobby',
    printComments: 'Enjoy your stay',
  });

  /** A fresh voucher of FULL as the detail's grid shows it. */
  const simple = (voucher: { id: string; code: string }) => ({
    id: voucher.id,
    code: voucher.code,
    status: 0,
    trafficUsed: 0,
    trafficUnused: 100 * MB,
    trafficLimit: 100,
    trafficLimitFrequency: 2,
    downLimit: 2048,
    upLimit: 512,
    timeUsedSec: 0,
    timeLeftSec: 7200,
    timingByClientUsage: false,
  });

  const detail = (groupId: string, query = 'page=1&pageSize=1000', site = siteId) =>
    h.call({ method: 'GET', url: groupUrl(site, groupId, query), token: admin });
  const voucher = (voucherId: string, site = siteId) => h.call({ method: 'GET', url: voucherUrl(site, voucherId), token: admin });
  const firstVoucher = async (groupId: string) => (await storedVouchers(h, groupId))[0]!;

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
    siteId = await h.createSite();
    otherSiteId = await h.createSite();
    // Listed out of creation order: names come back in the order the portals were made.
    lobby = await createPortal(h, admin, siteId, 'Lobby');
    terrace = await createPortal(h, admin, siteId, 'Terrace');
    profileId = await createProfile(h, admin, siteId, 'Fast lane', { downLimitEnable: true, downLimit: 4096, upLimitEnable: false });
    fullId = await createGroup(h, admin, siteId, { ...FULL, portals: [terrace, lobby] });
    fullVouchers = await storedVouchers(h, fullId);
  });
  afterAll(() => h.close());

  it('shows a group with every field, its vouchers, counts and amounts', async () => {
    expect(answer(await detail(fullId))).toEqual(
      success({
        ...fullGroupFields(),
        unusedCount: 3,
        usedCount: 0,
        inUseCount: 0,
        expiredCount: 0,
        totalCount: 3,
        unusedAmount: '750',
        usedAmount: '0',
        totalAmount: '750',
        statisticsCount: { totalUnusedCount: 3, totalInUseCount: 0, totalExpiredCount: 0, totalStatisticsCount: 3 },
        totalRows: 3,
        currentPage: 1,
        currentSize: 1000,
        data: fullVouchers.map(simple),
      }),
    );
  });

  it('shows the same group in the grid, with its counts', async () => {
    const response = await h.call({ method: 'GET', url: groupsUrl(siteId, 'page=1&pageSize=10&searchKey=Weekend'), token: admin });
    expect(answer(response)).toEqual(
      success({
        totalRows: 1,
        currentPage: 1,
        currentSize: 10,
        data: [
          {
            ...fullGroupFields(),
            unusedCount: 3,
            usedCount: 0,
            inUseCount: 0,
            expiredCount: 0,
            totalCount: 3,
            totalAmount: '750',
          },
        ],
      }),
    );
  });

  it('shows a voucher with every field of VoucherOpenApiVO', async () => {
    const first = fullVouchers[0]!;
    expect(answer(await voucher(first.id))).toEqual(
      success({
        id: first.id,
        code: first.code,
        createdTime: START,
        limitType: 0,
        limitNum: 5,
        used: 0,
        durationType: 1,
        duration: 120,
        timingType: 0,
        expirationTime: START + DAY_MS,
        effectiveTime: START,
        description: 'For the lobby',
        rateLimit: { mode: 0, customRateLimit: { downLimitEnable: true, downLimit: 2048, upLimitEnable: true, upLimit: 512 } },
        trafficLimitEnable: true,
        trafficLimit: 100,
        trafficLimitFrequency: 2,
        trafficLeft: true,
        valid: true,
        trafficUsed: 0,
        unitPrice: '250',
        currency: 'USD',
        portalNames: ['Lobby', 'Terrace'],
        logout: true,
        // START is 12:00 UTC: 07:00 in the site's America/New_York.
        validity: '2026-01-15 07:00 - 2026-01-16 07:00',
        printComments: 'Enjoy your stay',
      }),
    );
  });

  it('shows a minimal group and its voucher with only the fields that apply', async () => {
    const groupId = await createGroup(h, admin, siteId, { name: 'Bare' });
    const [only] = await storedVouchers(h, groupId);
    expect(answer(await detail(groupId))).toEqual(
      success({
        ...minimalView(groupId, 'Bare', START),
        portalNames: ['Lobby', 'Terrace'],
        unusedAmount: '0',
        usedAmount: '0',
        statisticsCount: { totalUnusedCount: 1, totalInUseCount: 0, totalExpiredCount: 0, totalStatisticsCount: 1 },
        totalRows: 1,
        currentPage: 1,
        currentSize: 1000,
        data: [{ id: only!.id, code: only!.code, status: 0, trafficUsed: 0, timeUsedSec: 0, timeLeftSec: 3600, timingByClientUsage: false }],
      }),
    );
    expect(answer(await voucher(only!.id))).toEqual(
      success({
        id: only!.id,
        code: only!.code,
        createdTime: START,
        limitType: 2,
        used: 0,
        durationType: 0,
        duration: 60,
        timingType: 0,
        rateLimit: { mode: 0, customRateLimit: { downLimitEnable: false, upLimitEnable: false } },
        trafficLimitEnable: false,
        trafficLeft: true,
        valid: true,
        trafficUsed: 0,
        portalNames: ['Lobby', 'Terrace'],
        logout: false,
        validity: 'Permanent',
      }),
    );
  });

  it('drops what does not apply: limitNum when unlimited, times without a window, the other rate limit', async () => {
    const groupId = await createGroup(h, admin, siteId, {
      name: 'Ignored fields',
      limitType: 2,
      limitNum: 9,
      validityType: 0,
      effectiveTime: START,
      expirationTime: START + DAY_MS,
      schedule: { type: 0, dailyStartHour: 1, dailyStartMin: 0, dailyEndHour: 2, dailyEndMin: 0 },
      rateLimit: { mode: 1, rateLimitProfileId: profileId, customRateLimit: { downLimitEnable: true, downLimit: 1, upLimitEnable: false } },
      trafficLimitEnable: false,
      trafficLimit: 5,
      trafficLimitFrequency: 3,
    });
    const [only] = await storedVouchers(h, groupId);
    expect(answer(await detail(groupId))).toEqual(
      success({
        ...minimalView(groupId, 'Ignored fields', START),
        portalNames: ['Lobby', 'Terrace'],
        rateLimit: { mode: 1, rateLimitProfileId: profileId },
        unusedAmount: '0',
        usedAmount: '0',
        statisticsCount: { totalUnusedCount: 1, totalInUseCount: 0, totalExpiredCount: 0, totalStatisticsCount: 1 },
        totalRows: 1,
        currentPage: 1,
        currentSize: 1000,
        // The profile's limits reach the voucher: 4096 down, none up.
        data: [{ id: only!.id, code: only!.code, status: 0, trafficUsed: 0, downLimit: 4096, timeUsedSec: 0, timeLeftSec: 3600, timingByClientUsage: false }],
      }),
    );
  });

  it.each<[string, Body & { type: number; weeklyEnableDays?: number[] }, string]>([
    ['a daily schedule', { type: 0, dailyStartHour: 8, dailyStartMin: 0, dailyEndHour: 18, dailyEndMin: 0 }, 'Daily 08:00-18:00'],
    ['a daily schedule over midnight', { type: 0, dailyStartHour: 22, dailyStartMin: 5, dailyEndHour: 6, dailyEndMin: 30 }, 'Daily 22:05-06:30'],
    ['a weekly schedule', { type: 1, weeklyEnableDays: [3, 1] }, 'Weekly Mon, Wed'],
    ['every day of the week', { type: 1, weeklyEnableDays: [7, 6, 5, 4, 3, 2, 1] }, 'Weekly Mon, Tue, Wed, Thu, Fri, Sat, Sun'],
  ])('describes %s', async (label, schedule, validity) => {
    const groupId = await createGroup(h, admin, siteId, { name: label, validityType: 2, schedule: { ...schedule, ...(schedule.type === 0 && { weeklyEnableDays: [2] }) } });
    const only = await firstVoucher(groupId);
    const shown = (await voucher(only.id)).json().result;
    expect(shown.validity).toBe(validity);
    const group = (await detail(groupId)).json().result;
    const kept =
      schedule.type === 0
        ? { ...schedule }
        : { type: 1, weeklyEnableDays: [...schedule.weeklyEnableDays!].sort((a, b) => a - b) };
    expect(group.schedule).toEqual(kept);
    expect(group.validityType).toBe(2);
  });

  it.each([
    ['UTC', '2026-01-15 12:00 - 2026-01-16 12:00'],
    ['Asia/Kolkata', '2026-01-15 17:30 - 2026-01-16 17:30'],
    ['Pacific/Auckland', '2026-01-16 01:00 - 2026-01-17 01:00'],
    ['America/Los_Angeles', '2026-01-15 04:00 - 2026-01-16 04:00'],
  ])('writes the window in the site’s time zone %s', async (timeZone, validity) => {
    const zoned = await h.createSite({ timeZone });
    const groupId = await createGroup(h, admin, zoned, {
      validityType: 1,
      effectiveTime: START,
      expirationTime: START + DAY_MS,
    });
    const [only] = await storedVouchers(h, groupId);
    expect((await voucher(only!.id, zoned)).json().result.validity).toBe(validity);
  });

  it('pages the vouchers and sorts them by code', async () => {
    const groupId = await createGroup(h, admin, siteId, { name: 'Paged', amount: 5, codeLength: 6, codeForm: [0] });
    const stored = await storedVouchers(h, groupId);
    const codesOf = (response: Awaited<ReturnType<typeof detail>>) =>
      (response.json().result.data as { code: string }[]).map((row) => row.code);
    const ascending = stored.map((row) => row.code);
    expect(codesOf(await detail(groupId, 'page=1&pageSize=2'))).toEqual(ascending.slice(0, 2));
    expect(codesOf(await detail(groupId, 'page=3&pageSize=2'))).toEqual(ascending.slice(4));
    expect(codesOf(await detail(groupId, 'page=1&pageSize=10&sorts.code=asc'))).toEqual(ascending);
    expect(codesOf(await detail(groupId, 'page=1&pageSize=10&sorts.code=desc'))).toEqual([...ascending].reverse());
    expect(codesOf(await detail(groupId, 'page=2&pageSize=3&sorts.code=desc'))).toEqual([...ascending].reverse().slice(3));
    const paged = (await detail(groupId, 'page=4&pageSize=2')).json().result;
    expect({ totalRows: paged.totalRows, currentPage: paged.currentPage, currentSize: paged.currentSize, data: paged.data }).toEqual({
      totalRows: 5,
      currentPage: 4,
      currentSize: 2,
      data: [],
    });
    expect(answer(await detail(groupId, 'page=1&pageSize=10&sorts.code=sideways'))).toEqual(invalid('sorts.code must be asc or desc.'));
    expect(answer(await detail(groupId, 'page=1&pageSize=10&filters.status=3'))).toEqual(invalid('filters.status must be within 0-2.'));
    expect(answer(await detail(groupId, 'pageSize=10'))).toEqual(malformed('page is required.'));
  });

  it('filters by status, searches codes, and keeps statisticsCount and the amounts out of the search', async () => {
    const groupId = await createGroup(h, admin, siteId, {
      name: 'Redeemed',
      amount: 4,
      codeLength: 10,
      codeForm: [1],
      limitType: 0,
      limitNum: 2,
      trafficLimitEnable: true,
      trafficLimit: 10,
      unitPrice: 999_999_999,
      currency: 'USD',
    });
    const [a, b, c, d] = await storedVouchers(h, groupId);
    // Timed by the wall clock, a voucher's time used is the time since its first use.
    await redeem(h, groupId, a!.id, { status: 1, used: 1, startTime: START - 600_000, timeUsedSec: 600, trafficUsed: 3 * MB });
    await redeem(h, groupId, b!.id, { status: 2, used: 2, startTime: START - 3_600_000, timeUsedSec: 3600, trafficUsed: 10 * MB });
    const fields = {
      ...minimalView(groupId, 'Redeemed', START, 4),
      limitType: 0,
      limitNum: 2,
      trafficLimitEnable: true,
      trafficLimit: 10,
      trafficLimitFrequency: 0,
      unitPrice: '999999999',
      currency: 'USD',
      portalNames: ['Lobby', 'Terrace'],
    };
    const row = (voucher: { id: string; code: string }, status: number, used: Partial<{ startTime: number; timeUsedSec: number; trafficUsed: number }> = {}) => ({
      id: voucher.id,
      code: voucher.code,
      status,
      trafficUsed: used.trafficUsed ?? 0,
      trafficUnused: 10 * MB - (used.trafficUsed ?? 0),
      trafficLimit: 10,
      trafficLimitFrequency: 0,
      ...(used.startTime !== undefined && { startTime: used.startTime }),
      timeUsedSec: used.timeUsedSec ?? 0,
      timeLeftSec: 3600 - (used.timeUsedSec ?? 0),
      timingByClientUsage: false,
    });
    const rowA = row(a!, 1, { startTime: START - 600_000, timeUsedSec: 600, trafficUsed: 3 * MB });
    const rowB = row(b!, 2, { startTime: START - 3_600_000, timeUsedSec: 3600, trafficUsed: 10 * MB });
    const totals = {
      unusedAmount: '1999999998',
      usedAmount: '1999999998',
      totalAmount: '3999999996',
      statisticsCount: { totalUnusedCount: 2, totalInUseCount: 1, totalExpiredCount: 1, totalStatisticsCount: 4 },
    };
    const counts = { unusedCount: 2, usedCount: 2, inUseCount: 1, expiredCount: 1, totalCount: 4 };

    const cases: [string, number, object[], object][] = [
      ['page=1&pageSize=10', 4, [rowA, rowB, row(c!, 0), row(d!, 0)], counts],
      ['page=1&pageSize=10&filters.status=0', 2, [row(c!, 0), row(d!, 0)], counts],
      ['page=1&pageSize=10&filters.status=1', 1, [rowA], counts],
      ['page=1&pageSize=10&filters.status=2', 1, [rowB], counts],
      [
        `page=1&pageSize=10&searchKey=${b!.code.slice(2, 8).toLowerCase()}`,
        1,
        [rowB],
        { unusedCount: 0, usedCount: 1, inUseCount: 0, expiredCount: 1, totalCount: 1 },
      ],
      [
        `page=1&pageSize=10&searchKey=${c!.code}&filters.status=1`,
        0,
        [],
        { unusedCount: 1, usedCount: 0, inUseCount: 0, expiredCount: 0, totalCount: 1 },
      ],
    ];
    for (const [query, totalRows, data, shownCounts] of cases) {
      expect(answer(await detail(groupId, query)), query).toEqual(
        success({ ...fields, ...shownCounts, ...totals, totalRows, currentPage: 1, currentSize: 10, data }),
      );
    }

    const shown = (await voucher(b!.id)).json().result;
    expect({ used: shown.used, startTime: shown.startTime, trafficUsed: shown.trafficUsed, trafficLeft: shown.trafficLeft, valid: shown.valid }).toEqual({
      used: 2,
      startTime: START - 3_600_000,
      trafficUsed: 10 * MB,
      trafficLeft: false,
      valid: false,
    });
    const inUse = (await voucher(a!.id)).json().result;
    expect({ used: inUse.used, trafficLeft: inUse.trafficLeft, valid: inUse.valid }).toEqual({ used: 1, trafficLeft: true, valid: true });
  });

  it('computes amounts exactly: 999999999 × 5000 = "4999999995000"', async () => {
    const groupId = await createGroup(h, admin, siteId, {
      name: 'Expensive',
      amount: 5000,
      codeLength: 10,
      unitPrice: 999_999_999,
      currency: 'USD',
    });
    const result = (await detail(groupId, 'page=1&pageSize=1')).json().result;
    expect({
      unitPrice: result.unitPrice,
      unusedAmount: result.unusedAmount,
      usedAmount: result.usedAmount,
      totalAmount: result.totalAmount,
      totalRows: result.totalRows,
      statisticsCount: result.statisticsCount,
    }).toEqual({
      unitPrice: '999999999',
      unusedAmount: '4999999995000',
      usedAmount: '0',
      totalAmount: '4999999995000',
      totalRows: 5000,
      statisticsCount: { totalUnusedCount: 5000, totalInUseCount: 0, totalExpiredCount: 0, totalStatisticsCount: 5000 },
    });
    const grid = (await h.call({ method: 'GET', url: groupsUrl(siteId, 'page=1&pageSize=10&searchKey=Expensive'), token: admin })).json();
    expect(grid.result.data[0].totalAmount).toBe('4999999995000');
  });

  it('names every portal of the site for applyToAllPortals, those added later too', async () => {
    const place = await h.createSite();
    await createPortal(h, admin, place, 'Front Desk');
    const groupId = await createGroup(h, admin, place, { name: 'Everywhere', applyToAllPortals: true, portals: ['ignored'] });
    await createPortal(h, admin, place, 'Pool');
    const [only] = await storedVouchers(h, groupId);
    expect((await detail(groupId, undefined, place)).json().result.portalNames).toEqual(['Front Desk', 'Pool']);
    expect((await voucher(only!.id, place)).json().result.portalNames).toEqual(['Front Desk', 'Pool']);
    const grid = (await h.call({ method: 'GET', url: groupsUrl(place, 'page=1&pageSize=10'), token: admin })).json();
    expect(grid.result.data[0].portalNames).toEqual(['Front Desk', 'Pool']);
  });

  it('names portals in the order getPortalList gives them, whatever order the request listed them in', async () => {
    const place = await h.createSite();
    const names = ['Gate 1', 'Gate 2', 'Gate 3', 'Gate 4', 'Gate 5', 'Gate 6'];
    const portalIds: string[] = [];
    // The clock stands still: the portals share one creation millisecond.
    for (const name of names) portalIds.push(await createPortal(h, admin, place, name));
    const listed = (await h.call({ method: 'GET', url: `/openapi/v1/${h.settings.omadacId}/sites/${place}/portals`, token: admin })).json();
    expect(listed.result.map((portal: { name: string }) => portal.name)).toEqual(names);
    const all = await createGroup(h, admin, place, { name: 'All gates' });
    const some = await createGroup(h, admin, place, {
      name: 'Some gates',
      applyToAllPortals: false,
      portals: [portalIds[4], portalIds[0], portalIds[2], portalIds[5]],
    });
    expect((await detail(all, undefined, place)).json().result.portalNames).toEqual(names);
    expect((await detail(some, undefined, place)).json().result.portalNames).toEqual(['Gate 1', 'Gate 3', 'Gate 5', 'Gate 6']);
    const grid = (await h.call({ method: 'GET', url: groupsUrl(place, 'page=1&pageSize=10&sorts.name=asc'), token: admin })).json();
    expect(grid.result.data.map((group: { portalNames: string[] }) => group.portalNames)).toEqual([
      names,
      ['Gate 1', 'Gate 3', 'Gate 5', 'Gate 6'],
    ]);
  });

  it('names the listed portals only', async () => {
    const groupId = await createGroup(h, admin, siteId, { name: 'Terrace only', applyToAllPortals: false, portals: [terrace] });
    expect((await detail(groupId)).json().result.portalNames).toEqual(['Terrace']);
    expect((await voucher((await firstVoucher(groupId)).id)).json().result.portalNames).toEqual(['Terrace']);
  });

  it('names the creating app as creatorName', async () => {
    const operator = await h.token('hotspot-operator');
    const groupId = await createGroup(h, operator, siteId, { name: 'By the operator' });
    expect((await detail(groupId)).json().result.creatorName).toBe('test hotspot-operator');
    const grid = (await h.call({ method: 'GET', url: groupsUrl(siteId, 'page=1&pageSize=10&searchKey=operator'), token: operator })).json();
    expect(grid.result.data.map((group: { creatorName: string }) => group.creatorName)).toEqual(['test hotspot-operator']);
  });

  it('marks timing by client usage and leaves out the clock it cannot show', async () => {
    const groupId = await createGroup(h, admin, siteId, { name: 'By usage', timingType: 1, durationType: 0 });
    const only = await firstVoucher(groupId);
    expect((await detail(groupId)).json().result.data).toEqual([
      { id: only.id, code: only.code, status: 0, trafficUsed: 0, timingByClientUsage: true },
    ]);
  });

  it.each([
    ['an unknown group id', () => 'c'.repeat(24)],
    ['a group id that is not hex', () => 'nope'],
  ])('answers −1001 for %s', async (_label, id) => {
    expect(answer(await detail(id()))).toEqual(NOT_A_GROUP);
  });

  it('answers −1001 for a group or a voucher of another site', async () => {
    expect(answer(await detail(fullId, undefined, otherSiteId))).toEqual(NOT_A_GROUP);
    expect(answer(await voucher(fullVouchers[0]!.id, otherSiteId))).toEqual(NOT_A_VOUCHER);
    expect(answer(await voucher('c'.repeat(24)))).toEqual(NOT_A_VOUCHER);
    // A group id is not a voucher id.
    expect(answer(await voucher(fullId))).toEqual(NOT_A_VOUCHER);
  });
});

describe('a group whose validity window has closed', () => {
  let h: Harness;
  let admin: string;
  let siteId: string;

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
    siteId = await h.createSite();
  });
  afterAll(() => h.close());

  it('shows every voucher expired once the clock passes expirationTime', async () => {
    const groupId = await createGroup(h, admin, siteId, {
      name: 'Short window',
      amount: 3,
      unitPrice: 10,
      currency: 'EUR',
      validityType: 1,
      effectiveTime: START,
      expirationTime: START + HOUR_MS,
    });
    const vouchers = await storedVouchers(h, groupId);
    const read = (query = 'page=1&pageSize=10') => h.call({ method: 'GET', url: groupUrl(siteId, groupId, query), token: admin });
    const summary = async (query?: string) => {
      const result = (await read(query)).json().result;
      return {
        counts: [result.unusedCount, result.inUseCount, result.expiredCount, result.totalCount],
        statisticsCount: result.statisticsCount,
        unusedAmount: result.unusedAmount,
        totalRows: result.totalRows,
        statuses: (result.data as { status: number }[]).map((row) => row.status),
      };
    };

    h.clock.advance(HOUR_MS - 1);
    expect(await summary()).toEqual({
      counts: [3, 0, 0, 3],
      statisticsCount: { totalUnusedCount: 3, totalInUseCount: 0, totalExpiredCount: 0, totalStatisticsCount: 3 },
      unusedAmount: '30',
      totalRows: 3,
      statuses: [0, 0, 0],
    });
    expect((await h.call({ method: 'GET', url: voucherUrl(siteId, vouchers[0]!.id), token: admin })).json().result.valid).toBe(true);

    h.clock.advance(1);
    const closed = {
      counts: [0, 0, 3, 3],
      statisticsCount: { totalUnusedCount: 0, totalInUseCount: 0, totalExpiredCount: 3, totalStatisticsCount: 3 },
      unusedAmount: '0',
    };
    expect(await summary()).toEqual({ ...closed, totalRows: 3, statuses: [2, 2, 2] });
    expect(await summary('page=1&pageSize=10&filters.status=2')).toEqual({ ...closed, totalRows: 3, statuses: [2, 2, 2] });
    expect(await summary('page=1&pageSize=10&filters.status=0')).toEqual({ ...closed, totalRows: 0, statuses: [] });
    expect(await summary('page=1&pageSize=10&filters.status=1')).toEqual({ ...closed, totalRows: 0, statuses: [] });
    const voucher = (await h.call({ method: 'GET', url: voucherUrl(siteId, vouchers[0]!.id), token: admin })).json().result;
    expect({ valid: voucher.valid, validity: voucher.validity }).toEqual({ valid: false, validity: '2026-01-15 07:00 - 2026-01-15 08:00' });
    const grid = (await h.call({ method: 'GET', url: groupsUrl(siteId, 'page=1&pageSize=10'), token: admin })).json().result.data[0];
    expect([grid.unusedCount, grid.inUseCount, grid.expiredCount, grid.totalCount, grid.totalAmount]).toEqual([0, 0, 3, 3, '30']);
  });
});

describe('config-limit, currency-list and the hotspot setting', () => {
  let h: Harness;
  let admin: string;

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
  });
  afterAll(() => h.close());

  const currencies = (siteId: string) =>
    h.call({ method: 'GET', url: `${hotspotUrl(siteId)}/voucher-groups/currency-list`, token: admin });
  const setCurrency = (siteId: string, payload: object) => h.call({ method: 'PATCH', url: settingUrl(siteId), token: admin, payload });

  it('answers the group amount limit', async () => {
    const siteId = await h.createSite();
    const response = await h.call({ method: 'GET', url: `${hotspotUrl(siteId)}/voucher-groups/config-limit`, token: admin });
    expect(answer(response)).toEqual(success([{ amountLimit: 5000 }]));
  });

  it('lists the 41 currencies of the Access Guide, none selected on a new site', async () => {
    expect(CURRENCY_CODES).toHaveLength(41);
    const siteId = await h.createSite();
    expect(answer(await currencies(siteId))).toEqual(success({ currencyList: CURRENCY_CODES }));
  });

  it('selects the currency the hotspot setting names, and changes it', async () => {
    const siteId = await h.createSite();
    expect(answer(await setCurrency(siteId, { currency: 'EUR' }))).toEqual(success());
    expect(answer(await currencies(siteId))).toEqual(success({ currencyList: CURRENCY_CODES, selectedCurrency: 'EUR' }));
    expect(answer(await setCurrency(siteId, { currency: 'JPY' }))).toEqual(success());
    expect(answer(await currencies(siteId))).toEqual(success({ currencyList: CURRENCY_CODES, selectedCurrency: 'JPY' }));
    // A group without a currency of its own takes the site's.
    const groupId = await createGroup(h, admin, siteId, { unitPrice: 5 });
    expect((await h.call({ method: 'GET', url: groupUrl(siteId, groupId), token: admin })).json().result.currency).toBe('JPY');
  });

  it('selects the currency of the site’s groups while the setting names none', async () => {
    const siteId = await h.createSite();
    await createGroup(h, admin, siteId, { unitPrice: 5, currency: 'GBP' });
    expect(answer(await currencies(siteId))).toEqual(success({ currencyList: CURRENCY_CODES, selectedCurrency: 'GBP' }));
  });

  it('clears the setting with an empty currency, and leaves it alone when the field is left out', async () => {
    const siteId = await h.createSite();
    expect(answer(await setCurrency(siteId, { currency: 'CHF' }))).toEqual(success());
    expect(answer(await setCurrency(siteId, {}))).toEqual(success());
    expect(answer(await setCurrency(siteId, { currency: null }))).toEqual(success());
    expect(answer(await currencies(siteId))).toEqual(success({ currencyList: CURRENCY_CODES, selectedCurrency: 'CHF' }));
    expect(answer(await setCurrency(siteId, { currency: '' }))).toEqual(success());
    expect(answer(await currencies(siteId))).toEqual(success({ currencyList: CURRENCY_CODES }));
  });

  it.each(['XYZ', 'usd', 'Euro'])('refuses the unknown currency %j with −42060 and keeps the old one', async (currency) => {
    const siteId = await h.createSite();
    expect(answer(await setCurrency(siteId, { currency: 'AUD' }))).toEqual(success());
    await refused(h, () => setCurrency(siteId, { currency }), CURRENCY_NOT_SUPPORTED);
    expect(answer(await currencies(siteId))).toEqual(success({ currencyList: CURRENCY_CODES, selectedCurrency: 'AUD' }));
  });

  it('refuses a currency that is not a string', async () => {
    const siteId = await h.createSite();
    await refused(h, () => setCurrency(siteId, { currency: 840 }), invalid('currency must be a string.'));
  });

  it('keeps a group’s own currency when the site setting changes later', async () => {
    const siteId = await h.createSite();
    const groupId = await createGroup(h, admin, siteId, { unitPrice: 5, currency: 'SEK' });
    expect(answer(await setCurrency(siteId, { currency: 'NOK' }))).toEqual(success());
    expect((await h.call({ method: 'GET', url: groupUrl(siteId, groupId), token: admin })).json().result.currency).toBe('SEK');
    const refusedSek = await postGroup(h, admin, siteId, { ...MINIMAL_GROUP, name: 'More SEK', unitPrice: 5, currency: 'SEK' });
    expect(refusedSek.json().errorCode).toBe(-42061);
  });
});

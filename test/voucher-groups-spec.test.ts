import { readFileSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, START, type Harness } from './helpers.js';
import { HAVE_SPEC, responseValidators, SKIP_NOTE, SPEC_FILE, type Spec } from './spec-support.js';
import {
  createGroup,
  createPortal,
  createProfile,
  DAY_MS,
  groupsUrl,
  groupUrl,
  hotspotUrl,
  MINIMAL_GROUP,
  postGroup,
  settingUrl,
  voucherUrl,
} from './voucher-groups-support.js';

/**
 * Every success answer of the voucher group operations, judged by the response schema the
 * controller's spec gives the operation (objects closed: a field the spec does not name fails).
 */

const OPERATIONS = [
  'createVoucherGroup',
  'getGridVoucherGroups',
  'getVoucherGroupDetail',
  'getVoucher',
  'modifyHotspotSetting',
  'getVoucherCurrencyCandidates',
  'getGroupConfigLimit',
] as const;
type VoucherOperation = (typeof OPERATIONS)[number];

describe('voucher group answers against the controller spec', () => {
  let h: Harness;
  let admin: string;
  let siteId: string;
  let validators: ReturnType<typeof responseValidators>;
  /** Every optional field set: a window, custom limits, a traffic limit, a price, listed portals. */
  let fullId: string;
  /** A profile's limits, a daily schedule, all portals. */
  let profiledId: string;
  /** Only the required fields; timing by client usage, so the vouchers show no clock. */
  let bareId: string;
  /** A weekly schedule. */
  let weeklyId: string;
  /** A window that has closed. */
  let closedId: string;
  const firstVoucher = async (groupId: string) =>
    (await h.store.db.selectFrom('vouchers').select('id').where('group_id', '=', groupId).orderBy('code').executeTakeFirstOrThrow()).id;

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
    if (HAVE_SPEC) validators = responseValidators(JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as Spec);
    siteId = await h.createSite();
    const lobby = await createPortal(h, admin, siteId, 'Lobby');
    const terrace = await createPortal(h, admin, siteId, 'Terrace');
    const profileId = await createProfile(h, admin, siteId, 'Fast lane', { downLimitEnable: true, downLimit: 4096, upLimitEnable: false });
    fullId = await createGroup(h, admin, siteId, {
      name: 'Full',
      amount: 5,
      codeLength: 10,
      codeForm: [0, 1],
      limitType: 0,
      limitNum: 3,
      durationType: 1,
      duration: 1440,
      timingType: 0,
      rateLimit: { mode: 0, customRateLimit: { downLimitEnable: true, downLimit: 2048, upLimitEnable: true, upLimit: 512 } },
      trafficLimitEnable: true,
      trafficLimit: 500,
      trafficLimitFrequency: 1,
      unitPrice: 999_999_999,
      currency: 'USD',
      applyToAllPortals: false,
      portals: [lobby, terrace],
      logout: true,
      description: 'Everything set',
      printComments: 'Thank you',
      validityType: 1,
      effectiveTime: START,
      expirationTime: START + 30 * DAY_MS,
    });
    profiledId = await createGroup(h, admin, siteId, {
      name: 'Profiled',
      limitType: 1,
      limitNum: 2,
      rateLimit: { mode: 1, rateLimitProfileId: profileId },
      validityType: 2,
      schedule: { type: 0, dailyStartHour: 8, dailyStartMin: 0, dailyEndHour: 18, dailyEndMin: 30 },
    });
    bareId = await createGroup(h, admin, siteId, { name: 'Bare', timingType: 1, durationType: 0 });
    weeklyId = await createGroup(h, admin, siteId, { name: 'Weekly', validityType: 2, schedule: { type: 1, weeklyEnableDays: [6, 7] } });
    closedId = await createGroup(h, admin, siteId, {
      name: 'Closed',
      validityType: 1,
      effectiveTime: START - 2 * DAY_MS,
      expirationTime: START - DAY_MS,
    });
  });
  afterAll(() => h.close());

  const get = (url: string) => () => h.call({ method: 'GET', url, token: admin });

  /** One successful call per case, with the operation whose response schema must hold it. */
  const calls: [string, VoucherOperation, () => Promise<LightMyRequestResponse>][] = [
    ['a created group id', 'createVoucherGroup', () => postGroup(h, admin, siteId, { ...MINIMAL_GROUP, name: 'Spec Check' })],
    ['a page of groups', 'getGridVoucherGroups', () => get(groupsUrl(siteId, 'page=1&pageSize=100'))()],
    ['an empty page of groups', 'getGridVoucherGroups', () => get(groupsUrl(siteId, 'page=9&pageSize=100'))()],
    ['a searched, sorted, filtered page', 'getGridVoucherGroups', () =>
      get(groupsUrl(siteId, `page=1&pageSize=2&searchKey=e&sorts.name=desc&filters.timeStart=${START}&filters.timeEnd=${START}`))()],
    ['a group with every field', 'getVoucherGroupDetail', () => get(groupUrl(siteId, fullId))()],
    ['a group with a profile and a daily schedule', 'getVoucherGroupDetail', () => get(groupUrl(siteId, profiledId))()],
    ['a group with only the required fields', 'getVoucherGroupDetail', () => get(groupUrl(siteId, bareId))()],
    ['a group with a weekly schedule', 'getVoucherGroupDetail', () => get(groupUrl(siteId, weeklyId))()],
    ['a closed group filtered to expired vouchers', 'getVoucherGroupDetail', () =>
      get(groupUrl(siteId, closedId, 'page=1&pageSize=10&filters.status=2&sorts.code=desc'))()],
    ['a searched page of vouchers with none on it', 'getVoucherGroupDetail', () =>
      get(groupUrl(siteId, fullId, 'page=1&pageSize=10&searchKey=nothing-like-it'))()],
    ['a voucher with every field', 'getVoucher', async () => get(voucherUrl(siteId, await firstVoucher(fullId)))()],
    ['a voucher with a profile and a schedule', 'getVoucher', async () => get(voucherUrl(siteId, await firstVoucher(profiledId)))()],
    ['a voucher with only the required fields', 'getVoucher', async () => get(voucherUrl(siteId, await firstVoucher(bareId)))()],
    ['a voucher of a closed window', 'getVoucher', async () => get(voucherUrl(siteId, await firstVoucher(closedId)))()],
    ['a currency change', 'modifyHotspotSetting', () =>
      h.call({ method: 'PATCH', url: settingUrl(siteId), token: admin, payload: { currency: 'USD' } })],
    ['a body without currency', 'modifyHotspotSetting', () => h.call({ method: 'PATCH', url: settingUrl(siteId), token: admin, payload: {} })],
    ['the currencies with one selected', 'getVoucherCurrencyCandidates', () =>
      get(`${hotspotUrl(siteId)}/voucher-groups/currency-list`)()],
    ['the currencies with none selected', 'getVoucherCurrencyCandidates', async () =>
      get(`${hotspotUrl(await h.createSite())}/voucher-groups/currency-list`)()],
    ['the amount limit', 'getGroupConfigLimit', () => get(`${hotspotUrl(siteId)}/voucher-groups/config-limit`)()],
  ];

  it.skipIf(!HAVE_SPEC).each(calls)(
    `answers %s in the response schema of %s${SKIP_NOTE}`,
    async (_label, operationId, call) => {
      const response = await call();
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json(), response.body).toMatchObject({ errorCode: 0, msg: 'Success.' });
      const { validate } = validators.get(operationId)!;
      expect(validate(response.json()) ? [] : validate.errors, response.body).toEqual([]);
    },
  );

  it.skipIf(!HAVE_SPEC)(`serves each voucher group operation at the method and path the spec gives it${SKIP_NOTE}`, () => {
    const served = h.app.operations.map((route) => `${route.operation} ${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
    for (const operationId of OPERATIONS) {
      const inSpec = validators.get(operationId)!;
      // The spec names the voucher id path parameter `id` and the group's `groupId`, as the routes do.
      expect(served).toContain(`${operationId} ${inSpec.method.toUpperCase()} ${inSpec.path}`);
    }
  });

  it.skipIf(!HAVE_SPEC).each([
    ['unitPrice as a number', 'getVoucher', { errorCode: 0, msg: 'Success.', result: { unitPrice: 250 } }],
    ['a field the spec does not name', 'getVoucher', { errorCode: 0, msg: 'Success.', result: { groupId: 'x' } }],
    ['totalAmount as a number', 'getVoucherGroupDetail', { errorCode: 0, msg: 'Success.', result: { totalAmount: 5 } }],
    ['a voucher without its status as an integer', 'getVoucherGroupDetail', { errorCode: 0, msg: 'Success.', result: { data: [{ status: '0' }] } }],
    ['portalNames as a string', 'getGridVoucherGroups', { errorCode: 0, msg: 'Success.', result: { data: [{ portalNames: 'Lobby' }] } }],
    ['amountLimit as a string', 'getGroupConfigLimit', { errorCode: 0, msg: 'Success.', result: [{ amountLimit: '5000' }] }],
  ])(`would catch an answer with %s (%s)${SKIP_NOTE}`, (_label, operationId, body) => {
    expect(validators.get(operationId)!.validate(body)).toBe(false);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, createHarness, tableCounts, type Harness } from './helpers.js';
import {
  DAY_MS,
  groupsUrl,
  HEX_ID,
  invalid,
  malformed,
  MINIMAL_GROUP,
  postGroup,
  refused,
  uniqueName,
  withField,
  createProfile,
  type Body,
  type Expected,
} from './voucher-groups-support.js';

/**
 * createVoucherGroup's field rules: every range of CreateVoucherGroupOpenApiVO just inside and
 * just outside each bound, every required field, wrong types (JSON bodies are not coerced), and
 * every conditional rule of the endpoint's documentation. A refused create answers −1001 with
 * HTTP 200 and one sentence naming the field, and writes nothing.
 */

/** A body with every optional field set to something valid, so each case changes one thing. */
const FULL: Body = {
  name: 'Full',
  amount: 2,
  codeLength: 8,
  codeForm: [0, 1],
  limitType: 0,
  limitNum: 5,
  durationType: 1,
  duration: 120,
  timingType: 1,
  rateLimit: {
    mode: 0,
    customRateLimit: { downLimitEnable: true, downLimit: 2048, upLimitEnable: true, upLimit: 512 },
  },
  trafficLimitEnable: true,
  trafficLimit: 100,
  trafficLimitFrequency: 1,
  unitPrice: 250,
  currency: 'USD',
  applyToAllPortals: true,
  portals: [],
  logout: true,
  description: 'For the lobby',
  printComments: 'Enjoy your stay',
  validityType: 0,
};

/** FULL made to run on a daily schedule, with the weekly days ready for a switch to type 1. */
const SCHEDULED: Body = {
  ...FULL,
  validityType: 2,
  schedule: { type: 0, dailyStartHour: 8, dailyStartMin: 0, dailyEndHour: 18, dailyEndMin: 0, weeklyEnableDays: [1, 3] },
};

type Case = [label: string, body: () => Body, expected: Expected | 'created'];

/** Each bound of a numeric field: the value on it is taken, the one past it refused. */
function bounds(base: () => Body, path: string, low: number, high: number): Case[] {
  const rule = invalid(`${path} must be within ${low}-${high}.`);
  return [
    [`${path} = ${low}`, () => withField(base(), path, low), 'created'],
    [`${path} = ${high}`, () => withField(base(), path, high), 'created'],
    [`${path} = ${low - 1}`, () => withField(base(), path, low - 1), rule],
    [`${path} = ${high + 1}`, () => withField(base(), path, high + 1), rule],
  ];
}

describe('createVoucherGroup field rules', () => {
  let h: Harness;
  let admin: string;
  let siteId: string;
  let profileId: string;

  /** FULL under a name no other case uses, with a profile ready for mode 1. */
  const full = (): Body => ({
    ...structuredClone(FULL),
    name: uniqueName('Full'),
    rateLimit: { ...structuredClone(FULL.rateLimit as Body), rateLimitProfileId: profileId },
  });
  const scheduled = (): Body => ({ ...full(), validityType: 2, schedule: structuredClone(SCHEDULED.schedule) });
  const windowed = (): Body => ({
    ...full(),
    validityType: 1,
    effectiveTime: h.clock.now(),
    expirationTime: h.clock.now() + DAY_MS,
  });

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
    siteId = await h.createSite();
    profileId = await createProfile(h, admin, siteId, 'Fast lane', {
      downLimitEnable: true,
      downLimit: 4096,
      upLimitEnable: false,
    });
  });
  afterAll(() => h.close());

  /** Posts the case's body; a created group answers its id and adds exactly `amount` vouchers. */
  async function check(body: Body, expected: Expected | 'created') {
    if (expected !== 'created') return refused(h, () => postGroup(h, admin, siteId, body), expected);
    const before = await tableCounts(h.store);
    const response = await postGroup(h, admin, siteId, body);
    expect(answer(response)).toEqual({
      status: 200,
      body: { errorCode: 0, msg: 'Success.', result: { id: expect.stringMatching(HEX_ID) } },
    });
    const after = await tableCounts(h.store);
    expect(after.voucher_groups).toBe(before.voucher_groups! + 1);
    expect(after.vouchers).toBe(before.vouchers! + (body.amount as number));
  }

  const ranges: Case[] = [
    ['name of 1 character', () => ({ ...full(), name: 'N' }), 'created'],
    ['name of 32 characters', () => ({ ...full(), name: 'N'.repeat(32) }), 'created'],
    ['name of 0 characters', () => ({ ...full(), name: '' }), invalid('name must contain 1 to 32 characters.')],
    ['name of 33 characters', () => ({ ...full(), name: 'M'.repeat(33) }), invalid('name must contain 1 to 32 characters.')],
    ...bounds(() => full(), 'amount', 1, 5000),
    ...bounds(() => full(), 'codeLength', 6, 10),
    ['codeForm [0]', () => ({ ...full(), codeForm: [0] }), 'created'],
    ['codeForm [1]', () => ({ ...full(), codeForm: [1] }), 'created'],
    ['codeForm [0, 1]', () => ({ ...full(), codeForm: [0, 1] }), 'created'],
    ['codeForm [1, 0]', () => ({ ...full(), codeForm: [1, 0] }), 'created'],
    ['codeForm []', () => ({ ...full(), codeForm: [] }), invalid('codeForm must contain 1 to 2 items.')],
    ['codeForm [2]', () => ({ ...full(), codeForm: [2] }), invalid('codeForm[0] must be within 0-1.')],
    ['codeForm [-1]', () => ({ ...full(), codeForm: [-1] }), invalid('codeForm[0] must be within 0-1.')],
    ['codeForm [0, 2]', () => ({ ...full(), codeForm: [0, 2] }), invalid('codeForm[1] must be within 0-1.')],
    ['codeForm [0, 0]', () => ({ ...full(), codeForm: [0, 0] }), invalid('codeForm must not repeat an item.')],
    ['codeForm [1, 1]', () => ({ ...full(), codeForm: [1, 1] }), invalid('codeForm must not repeat an item.')],
    ['codeForm [0, 1, 0]', () => ({ ...full(), codeForm: [0, 1, 0] }), invalid('codeForm must contain 1 to 2 items.')],
    ...bounds(() => full(), 'limitType', 0, 2),
    ...bounds(() => full(), 'limitNum', 1, 999),
    ...bounds(() => full(), 'durationType', 0, 1),
    ...bounds(() => full(), 'duration', 1, 14_400_000),
    ...bounds(() => full(), 'timingType', 0, 1),
    ...bounds(() => full(), 'rateLimit.mode', 0, 1),
    ...bounds(() => full(), 'rateLimit.customRateLimit.downLimit', 0, 10_485_760),
    ...bounds(() => full(), 'rateLimit.customRateLimit.upLimit', 0, 10_485_760),
    ...bounds(() => full(), 'trafficLimit', 1, 10_485_760),
    ...bounds(() => full(), 'trafficLimitFrequency', 0, 3),
    ...bounds(() => full(), 'unitPrice', 1, 999_999_999),
    ...bounds(() => scheduled(), 'validityType', 0, 2),
    ...bounds(() => scheduled(), 'schedule.type', 0, 1),
    ...bounds(() => scheduled(), 'schedule.dailyStartHour', 0, 23),
    ...bounds(() => scheduled(), 'schedule.dailyStartMin', 0, 59),
    ...bounds(() => scheduled(), 'schedule.dailyEndHour', 0, 23),
    ...bounds(() => scheduled(), 'schedule.dailyEndMin', 0, 59),
    ['weeklyEnableDays [1]', () => withField(scheduled(), 'schedule', { type: 1, weeklyEnableDays: [1] }), 'created'],
    ['weeklyEnableDays [7]', () => withField(scheduled(), 'schedule', { type: 1, weeklyEnableDays: [7] }), 'created'],
    ['weeklyEnableDays [1..7]', () => withField(scheduled(), 'schedule', { type: 1, weeklyEnableDays: [1, 2, 3, 4, 5, 6, 7] }), 'created'],
    [
      'weeklyEnableDays [0]',
      () => withField(scheduled(), 'schedule', { type: 1, weeklyEnableDays: [0] }),
      invalid('schedule.weeklyEnableDays[0] must be within 1-7.'),
    ],
    [
      'weeklyEnableDays [2, 8]',
      () => withField(scheduled(), 'schedule', { type: 1, weeklyEnableDays: [2, 8] }),
      invalid('schedule.weeklyEnableDays[1] must be within 1-7.'),
    ],
    [
      'weeklyEnableDays [3, 3]',
      () => withField(scheduled(), 'schedule', { type: 1, weeklyEnableDays: [3, 3] }),
      invalid('schedule.weeklyEnableDays must not repeat an item.'),
    ],
  ];

  it.each(ranges)('%s', async (_label, body, expected) => check(body(), expected));

  const REQUIRED = [
    'name',
    'amount',
    'codeLength',
    'codeForm',
    'limitType',
    'durationType',
    'duration',
    'timingType',
    'rateLimit',
    'trafficLimitEnable',
    'applyToAllPortals',
    'rateLimit.mode',
    'rateLimit.customRateLimit.downLimitEnable',
    'rateLimit.customRateLimit.upLimitEnable',
  ];
  it.each(REQUIRED)('refuses a body without %s', (path) =>
    check(withField(full(), path, undefined), invalid(`${path} is required.`)),
  );

  it('refuses a schedule without its type', () =>
    check(withField(scheduled(), 'schedule.type', undefined), invalid('schedule.type is required.')),
  );

  it('takes a body with only the required fields', () => check({ ...MINIMAL_GROUP, name: uniqueName() }, 'created'));

  it('takes a null optional field as one left out', () =>
    check({ ...MINIMAL_GROUP, name: uniqueName(), limitNum: null, schedule: null, currency: null, portals: null }, 'created'),
  );

  const WRONG_TYPES: [path: string, value: unknown, sentence: string][] = [
    ['amount', '5', 'amount must be an integer.'],
    ['amount', 1.5, 'amount must be an integer.'],
    ['amount', true, 'amount must be an integer.'],
    ['name', 5, 'name must be a string.'],
    ['codeLength', '8', 'codeLength must be an integer.'],
    ['codeForm', 0, 'codeForm must be an array.'],
    ['codeForm', ['0'], 'codeForm[0] must be an integer.'],
    ['limitType', '0', 'limitType must be an integer.'],
    ['limitNum', '5', 'limitNum must be an integer.'],
    ['duration', '120', 'duration must be an integer.'],
    ['rateLimit', 'none', 'rateLimit must be an object.'],
    ['rateLimit.mode', '0', 'rateLimit.mode must be an integer.'],
    ['rateLimit.customRateLimit.downLimitEnable', 'true', 'rateLimit.customRateLimit.downLimitEnable must be a boolean.'],
    ['rateLimit.customRateLimit.downLimit', '2048', 'rateLimit.customRateLimit.downLimit must be an integer.'],
    ['trafficLimitEnable', 1, 'trafficLimitEnable must be a boolean.'],
    ['trafficLimit', '100', 'trafficLimit must be an integer.'],
    ['unitPrice', '250', 'unitPrice must be an integer.'],
    ['unitPrice', 2.5, 'unitPrice must be an integer.'],
    ['currency', 840, 'currency must be a string.'],
    ['applyToAllPortals', 'true', 'applyToAllPortals must be a boolean.'],
    ['portals', 'a', 'portals must be an array.'],
    ['portals', [1], 'portals[0] must be a string.'],
    ['expirationTime', '1', 'expirationTime must be an integer.'],
    ['effectiveTime', 1.5, 'effectiveTime must be an integer.'],
    ['logout', 'yes', 'logout must be a boolean.'],
    ['description', 1, 'description must be a string.'],
    ['printComments', false, 'printComments must be a string.'],
    ['validityType', '0', 'validityType must be an integer.'],
    ['schedule', [], 'schedule must be an object.'],
  ];
  it.each(WRONG_TYPES)('refuses %s = %j: JSON bodies are not coerced', (path, value, sentence) =>
    check(withField(full(), path, value), invalid(sentence)),
  );

  it.each([
    ['an array', []],
    ['a number', 5],
  ])('answers 400 to a body that is %s', (_label, body) =>
    refused(
      h,
      () => h.call({ method: 'POST', url: groupsUrl(siteId), token: admin, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      malformed('The request body must be an object.'),
    ),
  );

  it('answers 400 to a body that is not JSON', () =>
    refused(
      h,
      () => h.call({ method: 'POST', url: groupsUrl(siteId), token: admin, payload: '{"name":', headers: { 'content-type': 'application/json' } }),
      malformed('The request body is not valid JSON.'),
    ),
  );

  const conditional: Case[] = [
    ['limitType 0 without limitNum', () => ({ ...withField(full(), 'limitNum', undefined), limitType: 0 }), invalid('limitNum is required when limitType is 0 or 1.')],
    ['limitType 1 without limitNum', () => ({ ...withField(full(), 'limitNum', undefined), limitType: 1 }), invalid('limitNum is required when limitType is 0 or 1.')],
    ['limitType 2 without limitNum', () => ({ ...withField(full(), 'limitNum', undefined), limitType: 2 }), 'created'],
    [
      'mode 1 without rateLimitProfileId',
      () => withField(withField(full(), 'rateLimit.mode', 1), 'rateLimit.rateLimitProfileId', undefined),
      invalid('rateLimit.rateLimitProfileId is required when rateLimit.mode is 1.'),
    ],
    [
      'mode 1 with an empty rateLimitProfileId',
      () => withField(withField(full(), 'rateLimit.mode', 1), 'rateLimit.rateLimitProfileId', ''),
      invalid('rateLimit.rateLimitProfileId is required when rateLimit.mode is 1.'),
    ],
    ['mode 1 with a profile of the site', () => withField(full(), 'rateLimit.mode', 1), 'created'],
    ['mode 1 without customRateLimit', () => withField(withField(full(), 'rateLimit.mode', 1), 'rateLimit.customRateLimit', undefined), 'created'],
    ['mode 0 without rateLimitProfileId', () => withField(full(), 'rateLimit.rateLimitProfileId', undefined), 'created'],
    [
      'downLimitEnable without downLimit',
      () => withField(full(), 'rateLimit.customRateLimit.downLimit', undefined),
      invalid('rateLimit.customRateLimit.downLimit is required when downLimitEnable is true.'),
    ],
    [
      'downLimit disabled without downLimit',
      () => withField(withField(full(), 'rateLimit.customRateLimit.downLimit', undefined), 'rateLimit.customRateLimit.downLimitEnable', false),
      'created',
    ],
    [
      'upLimitEnable without upLimit',
      () => withField(full(), 'rateLimit.customRateLimit.upLimit', undefined),
      invalid('rateLimit.customRateLimit.upLimit is required when upLimitEnable is true.'),
    ],
    [
      'upLimit disabled without upLimit',
      () => withField(withField(full(), 'rateLimit.customRateLimit.upLimit', undefined), 'rateLimit.customRateLimit.upLimitEnable', false),
      'created',
    ],
    ['trafficLimitEnable without trafficLimit', () => withField(full(), 'trafficLimit', undefined), invalid('trafficLimit is required when trafficLimitEnable is true.')],
    ['traffic limit disabled without trafficLimit', () => ({ ...withField(full(), 'trafficLimit', undefined), trafficLimitEnable: false }), 'created'],
    ['validityType 1 with both times', () => windowed(), 'created'],
    ['validityType 1 without effectiveTime', () => withField(windowed(), 'effectiveTime', undefined), invalid('effectiveTime is required when validityType is 1.')],
    ['validityType 1 without expirationTime', () => withField(windowed(), 'expirationTime', undefined), invalid('expirationTime is required when validityType is 1.')],
    [
      'validityType 1 with effectiveTime equal to expirationTime',
      () => ({ ...windowed(), effectiveTime: h.clock.now() + DAY_MS }),
      invalid('effectiveTime must be earlier than expirationTime.'),
    ],
    [
      'validityType 1 with effectiveTime after expirationTime',
      () => ({ ...windowed(), effectiveTime: h.clock.now() + DAY_MS + 1 }),
      invalid('effectiveTime must be earlier than expirationTime.'),
    ],
    ['validityType 1 with effectiveTime 1 ms before expirationTime', () => ({ ...windowed(), effectiveTime: h.clock.now() + DAY_MS - 1 }), 'created'],
    ['validityType 0 without times or schedule', () => ({ ...full(), validityType: 0 }), 'created'],
    ['no validityType, without times or schedule', () => withField(full(), 'validityType', undefined), 'created'],
    ['validityType 2 without schedule', () => withField(scheduled(), 'schedule', undefined), invalid('schedule is required when validityType is 2.')],
    ...(['dailyStartHour', 'dailyStartMin', 'dailyEndHour', 'dailyEndMin'].map((field): Case => [
      `schedule type 0 without ${field}`,
      () => withField(scheduled(), `schedule.${field}`, undefined),
      invalid(`schedule.${field} is required when schedule.type is 0.`),
    ])),
    ['schedule type 0 without weeklyEnableDays', () => withField(scheduled(), 'schedule.weeklyEnableDays', undefined), 'created'],
    [
      'schedule type 0 starting when it ends',
      () => withField(withField(scheduled(), 'schedule.dailyEndHour', 8), 'schedule.dailyEndMin', 0),
      invalid('schedule daily start and end must differ.'),
    ],
    [
      'schedule type 1 without weeklyEnableDays',
      () => withField(scheduled(), 'schedule', { type: 1, dailyStartHour: 8, dailyStartMin: 0, dailyEndHour: 18, dailyEndMin: 0 }),
      invalid('schedule.weeklyEnableDays is required when schedule.type is 1.'),
    ],
    [
      'schedule type 1 with no weeklyEnableDays',
      () => withField(scheduled(), 'schedule', { type: 1, weeklyEnableDays: [] }),
      invalid('schedule.weeklyEnableDays is required when schedule.type is 1.'),
    ],
    ['schedule type 1 without daily fields', () => withField(scheduled(), 'schedule', { type: 1, weeklyEnableDays: [6, 7] }), 'created'],
  ];

  it.each(conditional)('%s', async (_label, body, expected) => check(body(), expected));
});

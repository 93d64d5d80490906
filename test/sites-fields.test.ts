import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, createHarness, VALID_SITE, type Harness } from './helpers.js';
import { expectRefused, invalid, NAME_RULE, SCENARIO_NOT_EXIST, SITE_ID, SITES_URL, siteUrl, success, type Expected } from './sites-support.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ACCESS_GUIDE = join(REPO_ROOT, '..', 'shared', 'omada-openapi', 'access-guide.md');

const PLACE = { region: VALID_SITE.region, timeZone: VALID_SITE.timeZone, scenario: VALID_SITE.scenario };

type Fields = Record<string, unknown>;
/** A field value the operation takes; `shown` is what getSiteEntity answers for it when that differs. */
type Accepted = [label: string, fields: Fields, shown?: Fields];
/** A field value the operation refuses, with the answer it gets. */
type Refused = [label: string, fields: Fields, expected: Expected];

const REGION_RULE = invalid(
  'region must be a country or region name from the Access Guide table 5.4.1, e.g. "United States".',
);
const TIME_ZONE_RULE = invalid('timeZone must be a time zone from the Access Guide table 5.1, e.g. "UTC" or "Europe/London".');

/** The scenarios CONTRACT §2 says the fixed list holds at least. */
const CONTRACT_SCENARIOS = ['Hotel', 'Office', 'Home', 'Restaurant', 'School', 'Shopping Mall', 'Hospital', 'Warehouse', 'Other'];

/** Rules that createNewSite and updateSiteEntity share: each bound just inside and just outside. */
const SHARED_ACCEPTED: Accepted[] = [
  ['a name of 1 character', { name: 'N' }],
  ['a name of 64 characters', { name: 'N'.repeat(64) }],
  ['a name with inner spaces and symbols', { name: 'Pier 7 + Cafe = @Home - Wifi' }],
  ['a name in letters beyond ASCII', { name: 'Café Zürich 東京' }],
  ['type 0 (basic site)', { type: 0 }],
  ['type 1 (pro site)', { type: 1 }],
  ['longitude -180', { longitude: -180 }],
  ['longitude 180', { longitude: 180 }],
  ['latitude -90', { latitude: -90 }],
  ['latitude 90', { latitude: 90 }],
  ['an empty address', { address: '' }],
  ['an address of 256 characters', { address: 'a'.repeat(256) }],
  ['region "United States"', { region: 'United States' }],
  ['region "United Kingdom"', { region: 'United Kingdom' }],
  ['timeZone "UTC"', { timeZone: 'UTC' }],
  ['timeZone "Europe/London"', { timeZone: 'Europe/London' }],
  ...CONTRACT_SCENARIOS.map((scenario): Accepted => [`scenario "${scenario}"`, { scenario }]),
  ['no tags', { tagIds: [] }],
  ['100 tags', { tagIds: Array.from({ length: 100 }, (_, i) => `tag-${i}`) }],
  ['a tag id of 64 characters', { tagIds: ['t'.repeat(64)] }],
  ['supportES and supportL2 set', { supportES: true, supportL2: true }],
];

const SHARED_REFUSED: Refused[] = [
  ['an empty name', { name: '' }, invalid(NAME_RULE)],
  ['a name of 65 characters', { name: 'N'.repeat(65) }, invalid(NAME_RULE)],
  ['a name starting with a space', { name: ' Lead' }, invalid(NAME_RULE)],
  ['a name starting with +', { name: '+Lead' }, invalid(NAME_RULE)],
  ['a name starting with -', { name: '-Lead' }, invalid(NAME_RULE)],
  ['a name starting with @', { name: '@Lead' }, invalid(NAME_RULE)],
  ['a name starting with =', { name: '=Lead' }, invalid(NAME_RULE)],
  ['a name ending with a space', { name: 'Trail ' }, invalid(NAME_RULE)],
  ['a name that is one space', { name: ' ' }, invalid(NAME_RULE)],
  ['a name that is a number', { name: 42 }, invalid('name must be a string.')],
  ['type -1', { type: -1 }, invalid('type must be within 0-1.')],
  ['type 2', { type: 2 }, invalid('type must be within 0-1.')],
  ['type "1" as a string', { type: '1' }, invalid('type must be an integer.')],
  ['type 0.5', { type: 0.5 }, invalid('type must be an integer.')],
  ['longitude just below -180', { longitude: -180.000001 }, invalid('longitude must be within -180-180.')],
  ['longitude just above 180', { longitude: 180.000001 }, invalid('longitude must be within -180-180.')],
  ['longitude as a string', { longitude: '10' }, invalid('longitude must be a number.')],
  ['latitude just below -90', { latitude: -90.000001 }, invalid('latitude must be within -90-90.')],
  ['latitude just above 90', { latitude: 90.000001 }, invalid('latitude must be within -90-90.')],
  ['an address of 257 characters', { address: 'a'.repeat(257) }, invalid('address must be at most 256 characters.')],
  ['region in lower case', { region: 'united states' }, REGION_RULE],
  ['region as an abbreviation', { region: 'USA' }, REGION_RULE],
  ['region as an ISO code', { region: 'US' }, REGION_RULE],
  ['an empty region', { region: '' }, REGION_RULE],
  ['region as a number', { region: 840 }, invalid('region must be a string.')],
  ['timeZone not in table 5.1', { timeZone: 'Mars/Base' }, TIME_ZONE_RULE],
  ['timeZone in lower case', { timeZone: 'utc' }, TIME_ZONE_RULE],
  ['a real IANA zone that table 5.1 does not list', { timeZone: 'Europe/Berlin' }, TIME_ZONE_RULE],
  ['an unknown scenario', { scenario: 'Spaceport' }, SCENARIO_NOT_EXIST],
  ['a scenario in the wrong case', { scenario: 'hotel' }, SCENARIO_NOT_EXIST],
  ['an empty scenario', { scenario: '' }, SCENARIO_NOT_EXIST],
  ['101 tags', { tagIds: Array.from({ length: 101 }, (_, i) => `tag-${i}`) }, invalid('tagIds must be at most 100 items.')],
  ['a repeated tag', { tagIds: ['a', 'a'] }, invalid('tagIds must not repeat an item.')],
  ['an empty tag id', { tagIds: [''] }, invalid('tagIds[0] must contain 1 to 64 characters.')],
  ['a tag id of 65 characters', { tagIds: ['t'.repeat(65)] }, invalid('tagIds[0] must contain 1 to 64 characters.')],
  ['supportES as a string', { supportES: 'true' }, invalid('supportES must be a boolean.')],
];

const PASSWORD_FIELD = 'deviceAccountSetting.password';
const USERNAME_RULE = invalid('deviceAccountSetting.username must contain 1 to 64 printable ASCII characters without spaces.');
const PASSWORD_LENGTH = invalid(`${PASSWORD_FIELD} must contain 10 to 64 characters.`);
const PASSWORD_CHARACTERS = invalid(`${PASSWORD_FIELD} may hold only printable ASCII characters other than space, " and ?.`);
const PASSWORD_MIX = invalid(`${PASSWORD_FIELD} must combine uppercase letters, lowercase letters, digits and symbols.`);
const PASSWORD_REPEAT = invalid(`${PASSWORD_FIELD} must not contain consecutive identical characters.`);

const account = (username: string, password: string) => ({ deviceAccountSetting: { username, password } });
const GOOD_PASSWORD = 'Aa1!Bb2@Cc';

/**
 * The device account rules of the spec's DeviceAccountSettingOpenApiVO; createNewSite only. The
 * account is never shown back, so an accepted one has nothing to compare on getSiteEntity.
 */
const ACCOUNT_ACCEPTED: Accepted[] = [
  ['a username of 1 character', account('a', GOOD_PASSWORD), {}],
  ['a username of 64 characters', account('u'.repeat(64), GOOD_PASSWORD), {}],
  ['a username of the ASCII edge characters ! and ~', account('!~', GOOD_PASSWORD), {}],
  ['a password of 10 characters', account('admin', 'Aa1!Bb2@Cc'), {}],
  ['a password of 64 characters', account('admin', 'Aa1!'.repeat(16)), {}],
  ['a password with the edge symbols ! and ~', account('admin', 'Aa1!bB2~cC'), {}],
];

const ACCOUNT_REFUSED: Refused[] = [
  ['an empty username', account('', GOOD_PASSWORD), USERNAME_RULE],
  ['a username of 65 characters', account('u'.repeat(65), GOOD_PASSWORD), USERNAME_RULE],
  ['a username with a space', account('ad min', GOOD_PASSWORD), USERNAME_RULE],
  ['a username beyond ASCII', account('admín', GOOD_PASSWORD), USERNAME_RULE],
  ['a username that is a number', account(7 as unknown as string, GOOD_PASSWORD), invalid('deviceAccountSetting.username must be a string.')],
  ['a password of 9 characters', account('admin', 'Aa1!Bb2@C'), PASSWORD_LENGTH],
  ['a password of 65 characters', account('admin', 'Aa1!'.repeat(16) + 'B'), PASSWORD_LENGTH],
  ['an empty password', account('admin', ''), PASSWORD_LENGTH],
  ['a password with a space', account('admin', 'Aa1! Bb2@Cc'), PASSWORD_CHARACTERS],
  ['a password with a double quote', account('admin', 'Aa1!"Bb2@Cc'), PASSWORD_CHARACTERS],
  ['a password with a question mark', account('admin', 'Aa1!?Bb2@Cc'), PASSWORD_CHARACTERS],
  ['a password beyond ASCII', account('admin', 'Aa1!éBb2@Cc'), PASSWORD_CHARACTERS],
  ['a password without an uppercase letter', account('admin', 'ax1!bx2@cx'), PASSWORD_MIX],
  ['a password without a lowercase letter', account('admin', 'AX1!BX2@CX'), PASSWORD_MIX],
  ['a password without a digit', account('admin', 'Aa!Bb@Cc#Dd'), PASSWORD_MIX],
  ['a password without a symbol', account('admin', 'Aa1Bb2Cc3Dd'), PASSWORD_MIX],
  ['a password with two identical characters in a row', account('admin', 'Aa1!!Bb2@Cc'), PASSWORD_REPEAT],
  ['a password equal to the username', account('Aa1!Bb2@Cc', 'Aa1!Bb2@Cc'), invalid(`${PASSWORD_FIELD} must differ from the username.`)],
];

const CREATE_MISSING = ['name', 'region', 'timeZone', 'scenario', 'deviceAccountSetting'];
const UPDATE_MISSING = ['region', 'timeZone', 'scenario'];

/** What getSiteEntity shows after `fields` were accepted, unless the case says otherwise. */
const expectShown = async (h: Harness, siteId: string, admin: string, shown: Fields) => {
  const response = await h.call({ method: 'GET', url: siteUrl(siteId), token: admin });
  expect(response.json().result).toMatchObject(shown);
};

describe('createNewSite field rules', () => {
  let h: Harness;
  let admin: string;
  let names = 0;
  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
  });
  afterAll(() => h.close());

  const create = (fields: Fields) =>
    h.call({ method: 'POST', url: SITES_URL, token: admin, payload: { ...VALID_SITE, name: `Create ${++names}`, ...fields } });

  it.each([...SHARED_ACCEPTED, ...ACCOUNT_ACCEPTED])('takes %s', async (_label, fields, shown) => {
    const response = await create(fields);
    const siteId = response.json().result?.siteId;
    expect(answer(response)).toEqual(success({ siteId }));
    expect(siteId).toMatch(SITE_ID);
    await expectShown(h, siteId, admin, shown ?? fields);
  });

  it.each([...SHARED_REFUSED, ...ACCOUNT_REFUSED])('refuses %s', (_label, fields, expected) =>
    expectRefused(h, () => create(fields), expected),
  );

  it.each(CREATE_MISSING)('refuses a body without %s', (field) => {
    const { [field as keyof typeof VALID_SITE]: _left, ...rest } = { ...VALID_SITE, name: `Create ${++names}` };
    return expectRefused(
      h,
      () => h.call({ method: 'POST', url: SITES_URL, token: admin, payload: rest }),
      invalid(`${field} is required.`),
    );
  });

  it.each(['username', 'password'])('refuses a device account without its %s', (field) => {
    const { [field as 'username']: _left, ...rest } = VALID_SITE.deviceAccountSetting;
    return expectRefused(h, () => create({ deviceAccountSetting: rest }), invalid(`deviceAccountSetting.${field} is required.`));
  });
});

/** Fields updateSiteEntity takes and createNewSite does not: NTP and daylight saving time. */
const DST_TIME = { month: 3, serial: 5, day: 7, hour: 2, minute: 0 };
const MANUAL_DST = { enable: true, mode: 2, start: DST_TIME, end: { ...DST_TIME, month: 10 }, offset: 3_600_000 };
const servers = (...addresses: string[]) => addresses.map((address) => ({ address }));
const DST_REQUIRED = invalid('dst.start and dst.end are required when dst.mode is 2.');
const DST_OFFSET = invalid('dst.offset must be one of 1800000, 3600000, 5400000, 7200000 when dst.mode is 2.');
const NTP_ADDRESS = (index: number) =>
  invalid(`ntpServers[${index}].address must be a host name or IPv4 address of 3 to 64 characters.`);

const UPDATE_ACCEPTED: Accepted[] = [
  ['ntpEnable true', { ntpEnable: true }],
  ['no NTP servers', { ntpServers: [] }, { ntpServers: [] }],
  ['5 NTP servers', { ntpServers: servers('a.io', 'b.io', 'c.io', 'd.io', 'e.io') }, { ntpServers: ['a.io', 'b.io', 'c.io', 'd.io', 'e.io'] }],
  ['an NTP server by IPv4 address', { ntpServers: servers('10.0.0.1') }, { ntpServers: ['10.0.0.1'] }],
  ['an NTP server name of 64 characters', { ntpServers: servers(`${'n'.repeat(60)}.org`) }, { ntpServers: [`${'n'.repeat(60)}.org`] }],
  ['dst disabled with nothing else', { dst: { enable: false } }],
  ['dst in automatic mode', { dst: { enable: true, mode: 1 } }],
  ['dst disabled in manual mode without times', { dst: { enable: false, mode: 2 } }],
  ...[1_800_000, 3_600_000, 5_400_000, 7_200_000].map((offset): Accepted => [`manual dst with offset ${offset}`, { dst: { ...MANUAL_DST, offset } }]),
  ['manual dst at the edges of every time field', {
    dst: { ...MANUAL_DST, start: { month: 1, serial: 1, day: 1, hour: 0, minute: 0 }, end: { month: 12, serial: 5, day: 7, hour: 23, minute: 59 } },
  }],
];

const UPDATE_REFUSED: Refused[] = [
  ['6 NTP servers', { ntpServers: servers('a.io', 'b.io', 'c.io', 'd.io', 'e.io', 'f.io') }, invalid('ntpServers must be at most 5 items.')],
  ['an NTP server without a dot', { ntpServers: servers('localhost') }, NTP_ADDRESS(0)],
  ['an NTP server name of 65 characters', { ntpServers: servers('a.io', `${'n'.repeat(61)}.org`) }, NTP_ADDRESS(1)],
  ['an NTP server name with a space', { ntpServers: servers('pool ntp.org') }, NTP_ADDRESS(0)],
  ['an NTP server entry without an address', { ntpServers: [{}] }, invalid('ntpServers[0].address is required.')],
  ['NTP servers given as plain strings', { ntpServers: ['pool.ntp.org'] }, invalid('ntpServers[0] must be an object.')],
  ['ntpEnable as a string', { ntpEnable: 'true' }, invalid('ntpEnable must be a boolean.')],
  ['dst without enable', { dst: { mode: 1 } }, invalid('dst.enable is required.')],
  ['dst mode 3', { dst: { enable: true, mode: 3 } }, invalid('dst.mode must be within 0-2.')],
  ['manual dst without start', { dst: { ...MANUAL_DST, start: undefined } }, DST_REQUIRED],
  ['manual dst without end', { dst: { ...MANUAL_DST, end: undefined } }, DST_REQUIRED],
  ['manual dst without offset', { dst: { ...MANUAL_DST, offset: undefined } }, DST_OFFSET],
  ['manual dst with an offset not in the list', { dst: { ...MANUAL_DST, offset: 3_600_001 } }, DST_OFFSET],
  ['dst start month 13', { dst: { ...MANUAL_DST, start: { ...DST_TIME, month: 13 } } }, invalid('dst.start.month must be within 1-12.')],
  ['dst start month 0', { dst: { ...MANUAL_DST, start: { ...DST_TIME, month: 0 } } }, invalid('dst.start.month must be within 1-12.')],
  ['dst start serial 6', { dst: { ...MANUAL_DST, start: { ...DST_TIME, serial: 6 } } }, invalid('dst.start.serial must be within 1-5.')],
  ['dst start day 8', { dst: { ...MANUAL_DST, start: { ...DST_TIME, day: 8 } } }, invalid('dst.start.day must be within 1-7.')],
  ['dst end hour 24', { dst: { ...MANUAL_DST, end: { ...DST_TIME, hour: 24 } } }, invalid('dst.end.hour must be within 0-23.')],
  ['dst end minute 60', { dst: { ...MANUAL_DST, end: { ...DST_TIME, minute: 60 } } }, invalid('dst.end.minute must be within 0-59.')],
  ['dst end without its minute', { dst: { ...MANUAL_DST, end: { ...DST_TIME, minute: undefined } } }, invalid('dst.end.minute is required.')],
];

describe('updateSiteEntity field rules', () => {
  let h: Harness;
  let admin: string;
  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
  });
  afterAll(() => h.close());

  const update = (siteId: string, fields: Fields) =>
    h.call({ method: 'PUT', url: siteUrl(siteId), token: admin, payload: { ...PLACE, ...fields } });

  it.each([...SHARED_ACCEPTED, ...UPDATE_ACCEPTED])('takes %s', async (_label, fields, shown) => {
    const siteId = await h.createSite();
    expect(answer(await update(siteId, fields))).toEqual(success());
    await expectShown(h, siteId, admin, shown ?? fields);
  });

  it.each([...SHARED_REFUSED, ...UPDATE_REFUSED])('refuses %s and changes nothing', async (_label, fields, expected) => {
    const siteId = await h.createSite();
    await expectRefused(h, () => update(siteId, fields), expected);
  });

  it.each(UPDATE_MISSING)('refuses a body without %s', async (field) => {
    const siteId = await h.createSite();
    const { [field as keyof typeof PLACE]: _left, ...rest } = PLACE;
    await expectRefused(
      h,
      () => h.call({ method: 'PUT', url: siteUrl(siteId), token: admin, payload: { ...rest, address: 'not written' } }),
      invalid(`${field} is required.`),
    );
  });

  it('refuses a bad field without applying the good ones sent with it', async () => {
    const siteId = await h.createSite();
    await expectRefused(h, () => update(siteId, { name: 'Fine Name', address: 'Fine', scenario: 'Spaceport' }), SCENARIO_NOT_EXIST);
  });
});

/** The reference tables as the Access Guide prints them: `| **Afghanistan/AF/+93** |`, `| **UTC** |`. */
function guideTable(guide: string, heading: string): string[] {
  const start = guide.indexOf(heading);
  const section = guide.slice(start, guide.indexOf('\n#', start + heading.length));
  const body = section.slice(section.indexOf('| ------- |'));
  return [...body.matchAll(/^\| \*\*(.+?)\*\* \|$/gm)].map((match) => match[1]!);
}

describe.skipIf(!existsSync(ACCESS_GUIDE))('region and timeZone against the Access Guide tables', () => {
  let h: Harness;
  let admin: string;
  let siteId: string;
  let guide: string;
  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
    siteId = await h.createSite();
    guide = readFileSync(ACCESS_GUIDE, 'utf8');
  });
  afterAll(() => h.close());

  const place = (fields: Fields) => h.call({ method: 'PUT', url: siteUrl(siteId), token: admin, payload: { ...PLACE, ...fields } });

  it('takes every country or region name of table 5.4.1', async () => {
    // Rows read "Name/ISO code/calling code"; the name is everything before the last two parts.
    const regions = guideTable(guide, '### 5.4.1').map((row) => row.split('/').slice(0, -2).join('/'));
    expect(regions.length).toBeGreaterThan(200);
    const refused = [];
    for (const region of regions) {
      if ((await place({ region })).json().errorCode !== 0) refused.push(region);
    }
    expect(refused).toEqual([]);
  });

  it('takes every time zone of table 5.1', async () => {
    const zones = guideTable(guide, '## 5.1 Time Zone');
    expect(zones).toContain('UTC');
    const refused = [];
    for (const timeZone of zones) {
      if ((await place({ timeZone })).json().errorCode !== 0) refused.push(timeZone);
    }
    expect(refused).toEqual([]);
  });
});

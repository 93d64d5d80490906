import { readFileSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OmadaError } from '../src/domain/errors.js';
import type { PortalRecord } from '../src/store/port.js';
import { answer, createHarness, OMADAC_ID, tableCounts, type Harness } from './helpers.js';
import { invalid, malformed, success, type Expected } from './sites-support.js';
import { HAVE_SPEC, responseValidators, SKIP_NOTE, SPEC_FILE, type Spec } from './spec-support.js';

/**
 * The portal operations: addPortal, getPortalList, getPortalDetail, modifyPortal, deletePortal.
 * Expected codes and messages are written out here rather than imported from the catalogue, so a
 * typo there fails a test instead of hiding in both places.
 */

const portalsUrl = (siteId: string) => `/openapi/v1/${OMADAC_ID}/sites/${siteId}/portals`;
const addUrl = (siteId: string) => `/openapi/v1/${OMADAC_ID}/sites/${siteId}/portal`;
const portalUrl = (siteId: string, portalId: string) => `${addUrl(siteId)}/${portalId}`;

const PORTAL_ID = /^[0-9a-f]{24}$/;
const NOT_A_PORTAL = invalid('portalId does not name a portal of this site.');
const NAME_USED = invalid('name is already used by another portal of this site.');
const NAME_RULE = invalid('name must contain 1 to 128 characters and not start or end with a space.');
const SITE_BUSY: Expected = {
  status: 200,
  body: {
    errorCode: -33004,
    msg: 'Operation failed because other operations (site copying, restoring, template synchronizing, etc.) are being performed on this site. Please wait and try again later.',
  },
};

/** The smallest portal that takes vouchers: hotspot (11) with type 3 enabled. */
const VOUCHER_PORTAL = {
  name: 'Lobby',
  enable: true,
  authType: 11,
  hotspot: { enabledTypes: [3] },
  authTimeout: { customTimeout: 2, customTimeoutUnit: 2 },
  httpsRedirectEnable: false,
  landingPage: 1,
} as const;

/** What getPortalDetail shows for VOUCHER_PORTAL, named `name`. */
const voucherPortalDetail = (id: string, name: string) => ({
  id,
  name,
  enable: true,
  ssidList: [],
  networkList: [],
  authType: 11,
  authTimeout: { authTimeout: 0, customTimeout: 2, customTimeoutUnit: 2 },
  httpsRedirectEnable: false,
  landingPage: 1,
  hotspot: { enabledTypes: [3] },
});

/** A portal with every field voucherd keeps set, and some it ignores. */
const FULL_PORTAL = {
  name: 'Garden Terrace',
  enable: false,
  ssidList: ['65a1f0c2e4b0a1b2c3d4e5f6', '65a1f0c2e4b0a1b2c3d4e5f7'],
  networkList: ['65a1f0c2e4b0a1b2c3d4e5f8'],
  authType: 11,
  hotspot: { enabledTypes: [3, 5] },
  authTimeout: { authTimeout: 6 },
  httpsRedirectEnable: true,
  landingPage: 2,
  landingUrlScheme: 'https',
  landingUrl: 'www.example.com/welcome?from=portal',
  pageType: 1,
  portalCustomize: { defaultLanguage: 1, logoDisplay: true, welcomeEnable: false, termsOfServiceEnable: false, copyrightEnable: false },
  sms: { sid: 'AC123', authToken: 'secret', phoneNum: '+123456', userLimitEnable: false, authTimeout: {} },
};

const fullPortalDetail = (id: string) => ({
  id,
  name: 'Garden Terrace',
  enable: false,
  ssidList: ['65a1f0c2e4b0a1b2c3d4e5f6', '65a1f0c2e4b0a1b2c3d4e5f7'],
  networkList: ['65a1f0c2e4b0a1b2c3d4e5f8'],
  authType: 11,
  authTimeout: { authTimeout: 6 },
  httpsRedirectEnable: true,
  landingPage: 2,
  landingUrlScheme: 'https',
  landingUrl: 'www.example.com/welcome?from=portal',
  hotspot: { enabledTypes: [3, 5] },
});

/** Calls of the portal operations as one app, and the checks the suites share. */
function portalClient(h: () => Harness, token: () => string) {
  const client = {
    add: (siteId: string, payload: unknown) => h().call({ method: 'POST', url: addUrl(siteId), token: token(), payload: payload as object }),
    list: (siteId: string) => h().call({ method: 'GET', url: portalsUrl(siteId), token: token() }),
    detail: (siteId: string, portalId: string) => h().call({ method: 'GET', url: portalUrl(siteId, portalId), token: token() }),
    modify: (siteId: string, portalId: string, payload: unknown) =>
      h().call({ method: 'PATCH', url: portalUrl(siteId, portalId), token: token(), payload: payload as object }),
    remove: (siteId: string, portalId: string) => h().call({ method: 'DELETE', url: portalUrl(siteId, portalId), token: token() }),
    /** The id of the portal named `name`, found the way clients find it: through the list. */
    async idOf(siteId: string, name: string): Promise<string> {
      const response = await client.list(siteId);
      const found = (response.json().result as { id: string; name: string }[]).find((portal) => portal.name === name);
      if (!found) throw new Error(`no portal named ${name}: ${response.body}`);
      return found.id;
    },
    /** Adds a portal and answers its id. */
    async create(siteId: string, payload: Record<string, unknown>): Promise<string> {
      const response = await client.add(siteId, payload);
      expect(answer(response)).toEqual(success());
      return client.idOf(siteId, String(payload.name));
    },
    async shown(siteId: string, portalId: string): Promise<unknown> {
      return answer(await client.detail(siteId, portalId));
    },
  };
  return client;
}

const portalRows = (h: Harness) => h.store.db.selectFrom('portals').selectAll().orderBy('id').execute();

/** A refused request answers `expected` in full and writes nothing: no row added, removed or changed. */
async function expectRefused(h: Harness, run: () => Promise<LightMyRequestResponse>, expected: Expected) {
  const counts = await tableCounts(h.store);
  const rows = await portalRows(h);
  expect(answer(await run())).toEqual(expected);
  expect(await tableCounts(h.store)).toEqual(counts);
  expect(await portalRows(h)).toEqual(rows);
}

describe('portal lifecycle: addPortal, getPortalList, getPortalDetail, modifyPortal, deletePortal', () => {
  let h: Harness;
  let operator: string;
  let siteId: string;
  const api = portalClient(() => h, () => operator);

  beforeAll(async () => {
    h = await createHarness();
    operator = await h.token('hotspot-operator');
    siteId = await h.createSite();
  });
  afterAll(() => h.close());

  it('answers an empty list for a site without portals', async () => {
    expect(answer(await api.list(await h.createSite()))).toEqual(success([]));
  });

  it('adds a voucher portal, lists it and shows it in full', async () => {
    const site = await h.createSite();
    expect(answer(await api.add(site, VOUCHER_PORTAL))).toEqual(success());
    const list = await api.list(site);
    const id = list.json().result?.[0]?.id;
    expect(id).toMatch(PORTAL_ID);
    expect(answer(list)).toEqual(
      success([{ id, name: 'Lobby', enable: true, ssidList: [], networkList: [], authType: 11, hotspotTypes: [3] }]),
    );
    expect(await api.shown(site, id)).toEqual(success(voucherPortalDetail(id, 'Lobby')));
  });

  it('keeps every field a voucher portal uses and answers none of those it ignores', async () => {
    const site = await h.createSite();
    const id = await api.create(site, FULL_PORTAL);
    expect(await api.shown(site, id)).toEqual(success(fullPortalDetail(id)));
    expect(answer(await api.list(site))).toEqual(
      success([
        {
          id,
          name: 'Garden Terrace',
          enable: false,
          ssidList: FULL_PORTAL.ssidList,
          networkList: FULL_PORTAL.networkList,
          authType: 11,
          hotspotTypes: [3, 5],
        },
      ]),
    );
  });

  it('lists the portals of a site in creation order, and only those of that site', async () => {
    const site = await h.createSite();
    const other = await h.createSite();
    const first = await api.create(site, { ...VOUCHER_PORTAL, name: 'First' });
    const second = await api.create(site, { ...VOUCHER_PORTAL, name: 'Second', authType: 0 });
    await api.create(other, { ...VOUCHER_PORTAL, name: 'Elsewhere' });
    expect(answer(await api.list(site))).toEqual(
      success([
        { id: first, name: 'First', enable: true, ssidList: [], networkList: [], authType: 11, hotspotTypes: [3] },
        { id: second, name: 'Second', enable: true, ssidList: [], networkList: [], authType: 0, hotspotTypes: [] },
      ]),
    );
  });

  it('changes only the fields a PATCH names', async () => {
    const id = await api.create(siteId, FULL_PORTAL);
    expect(answer(await api.modify(siteId, id, { enable: true }))).toEqual(success());
    expect(await api.shown(siteId, id)).toEqual(success({ ...fullPortalDetail(id), enable: true }));

    expect(answer(await api.modify(siteId, id, { name: 'Garden', ssidList: [], hotspot: { enabledTypes: [12, 3] } }))).toEqual(
      success(),
    );
    expect(await api.shown(siteId, id)).toEqual(
      success({ ...fullPortalDetail(id), enable: true, name: 'Garden', ssidList: [], hotspot: { enabledTypes: [12, 3] } }),
    );
  });

  it('takes an empty PATCH, or one of ignored fields only, and changes nothing', async () => {
    const id = await api.create(siteId, { ...VOUCHER_PORTAL, name: 'Unchanged' });
    const before = await portalRows(h);
    expect(answer(await api.modify(siteId, id, {}))).toEqual(success());
    expect(answer(await api.modify(siteId, id, { pageType: 2, ldap: { ldapProfileId: 'x', portalCustom: 1 } }))).toEqual(success());
    expect(await portalRows(h)).toEqual(before);
    expect(await api.shown(siteId, id)).toEqual(success(voucherPortalDetail(id, 'Unchanged')));
  });

  it('replaces the auth timeout whole: a preset drops the custom span, and a custom span the preset', async () => {
    const id = await api.create(siteId, { ...VOUCHER_PORTAL, name: 'Timeouts' });
    await api.modify(siteId, id, { authTimeout: { authTimeout: 2, customTimeout: 9, customTimeoutUnit: 1 } });
    expect((await api.detail(siteId, id)).json().result.authTimeout).toEqual({ authTimeout: 2 });
    await api.modify(siteId, id, { authTimeout: { customTimeout: 45, customTimeoutUnit: 1 } });
    expect((await api.detail(siteId, id)).json().result.authTimeout).toEqual({ authTimeout: 0, customTimeout: 45, customTimeoutUnit: 1 });
  });

  it('keeps hotspot types only while authType is 11, and needs them again to return to it', async () => {
    const id = await api.create(siteId, { ...VOUCHER_PORTAL, name: 'Switching' });
    expect(answer(await api.modify(siteId, id, { authType: 1 }))).toEqual(success());
    const { hotspot: _hotspot, ...withoutHotspot } = voucherPortalDetail(id, 'Switching');
    expect(await api.shown(siteId, id)).toEqual(success({ ...withoutHotspot, authType: 1 }));
    expect((await api.list(siteId)).json().result.find((portal: { id: string }) => portal.id === id).hotspotTypes).toEqual([]);

    await expectRefused(h, () => api.modify(siteId, id, { authType: 11 }), invalid('hotspot is required when authType is 11.'));
    expect(answer(await api.modify(siteId, id, { authType: 11, hotspot: { enabledTypes: [3] } }))).toEqual(success());
    expect(await api.shown(siteId, id)).toEqual(success(voucherPortalDetail(id, 'Switching')));
  });

  it('keeps the promotional URL only while landingPage is 2', async () => {
    const id = await api.create(siteId, { ...FULL_PORTAL, name: 'Landing' });
    expect(answer(await api.modify(siteId, id, { landingUrl: '10.0.0.1:8080/promo' }))).toEqual(success());
    expect((await api.detail(siteId, id)).json().result).toMatchObject({ landingPage: 2, landingUrlScheme: 'https', landingUrl: '10.0.0.1:8080/promo' });

    expect(answer(await api.modify(siteId, id, { landingPage: 3 }))).toEqual(success());
    const { landingUrlScheme: _scheme, landingUrl: _url, ...rest } = fullPortalDetail(id);
    expect(await api.shown(siteId, id)).toEqual(success({ ...rest, name: 'Landing', landingPage: 3 }));

    await expectRefused(h, () => api.modify(siteId, id, { landingPage: 2 }), invalid('landingUrlScheme is required when landingPage is 2.'));
    await expectRefused(
      h,
      () => api.modify(siteId, id, { landingPage: 2, landingUrlScheme: 'http' }),
      invalid('landingUrl is required when landingPage is 2.'),
    );
  });

  it('deletes a portal: it leaves the list and its id names nothing any more', async () => {
    const site = await h.createSite();
    const keep = await api.create(site, { ...VOUCHER_PORTAL, name: 'Keep' });
    const gone = await api.create(site, { ...VOUCHER_PORTAL, name: 'Gone' });
    expect(answer(await api.remove(site, gone))).toEqual(success());
    expect((await api.list(site)).json().result.map((portal: { id: string }) => portal.id)).toEqual([keep]);
    await expectRefused(h, () => api.detail(site, gone), NOT_A_PORTAL);
    await expectRefused(h, () => api.modify(site, gone, { enable: false }), NOT_A_PORTAL);
    await expectRefused(h, () => api.remove(site, gone), NOT_A_PORTAL);
  });

  it('frees a deleted portal name for a new portal', async () => {
    const site = await h.createSite();
    const first = await api.create(site, { ...VOUCHER_PORTAL, name: 'Reused' });
    await api.remove(site, first);
    const second = await api.create(site, { ...VOUCHER_PORTAL, name: 'Reused' });
    expect(second).not.toBe(first);
  });

  it('goes with its site when the site is deleted', async () => {
    const site = await h.createSite();
    await api.create(site, { ...VOUCHER_PORTAL, name: 'With the site' });
    const admin = await h.token('admin');
    const deleted = await h.call({ method: 'DELETE', url: `/openapi/v1/${OMADAC_ID}/sites/${site}`, token: admin });
    expect(answer(deleted)).toEqual(success());
    expect(await h.store.db.selectFrom('portals').selectAll().where('site_id', '=', site).execute()).toEqual([]);
  });
});

describe('portal names', () => {
  let h: Harness;
  let admin: string;
  const api = portalClient(() => h, () => admin);

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
  });
  afterAll(() => h.close());

  it('refuses a second portal of the same name in a site', async () => {
    const site = await h.createSite();
    await api.create(site, { ...VOUCHER_PORTAL, name: 'Taken' });
    await expectRefused(h, () => api.add(site, { ...FULL_PORTAL, name: 'Taken' }), NAME_USED);
  });

  it('refuses renaming a portal to the name of another portal of its site', async () => {
    const site = await h.createSite();
    await api.create(site, { ...VOUCHER_PORTAL, name: 'Taken' });
    const other = await api.create(site, { ...VOUCHER_PORTAL, name: 'Other' });
    await expectRefused(h, () => api.modify(site, other, { name: 'Taken', enable: false }), NAME_USED);
  });

  it('lets a portal keep its own name in a PATCH', async () => {
    const site = await h.createSite();
    const id = await api.create(site, { ...VOUCHER_PORTAL, name: 'Mine' });
    expect(answer(await api.modify(site, id, { name: 'Mine', enable: false }))).toEqual(success());
    expect((await api.detail(site, id)).json().result).toMatchObject({ name: 'Mine', enable: false });
  });

  it('takes one name in two sites', async () => {
    const first = await h.createSite();
    const second = await h.createSite();
    await api.create(first, { ...VOUCHER_PORTAL, name: 'Shared' });
    await api.create(second, { ...VOUCHER_PORTAL, name: 'Shared' });
  });

  it('compares names as written: a name differing only in case is another name', async () => {
    const site = await h.createSite();
    await api.create(site, { ...VOUCHER_PORTAL, name: 'Lobby' });
    await api.create(site, { ...VOUCHER_PORTAL, name: 'LOBBY' });
  });

  it('lets exactly one of two concurrent adds of one name through', async () => {
    const site = await h.createSite();
    const answers = await Promise.all([1, 2, 3].map(() => api.add(site, { ...VOUCHER_PORTAL, name: 'Race' }).then(answer)));
    expect(answers.filter((one) => JSON.stringify(one) === JSON.stringify(success()))).toHaveLength(1);
    expect(answers.filter((one) => JSON.stringify(one) === JSON.stringify(NAME_USED))).toHaveLength(2);
    expect((await api.list(site)).json().result).toHaveLength(1);
  });
});

describe('portal ids that name no portal of the site', () => {
  let h: Harness;
  let admin: string;
  let siteId: string;
  let foreignId: string;
  const api = portalClient(() => h, () => admin);

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
    siteId = await h.createSite();
    await api.create(siteId, { ...VOUCHER_PORTAL, name: 'Home portal' });
    const other = await h.createSite();
    foreignId = await api.create(other, { ...VOUCHER_PORTAL, name: 'Foreign portal' });
  });
  afterAll(() => h.close());

  const ids: [string, () => string][] = [
    ['an id of the right shape that names nothing', () => 'f'.repeat(24)],
    ['an id that is not 24 hex characters', () => 'not-a-portal'],
    ['the id of a portal of another site', () => foreignId],
  ];

  it.each(ids)('getPortalDetail refuses %s with −1001', (_label, id) => expectRefused(h, () => api.detail(siteId, id()), NOT_A_PORTAL));
  it.each(ids)('modifyPortal refuses %s with −1001', (_label, id) =>
    expectRefused(h, () => api.modify(siteId, id(), { enable: false }), NOT_A_PORTAL),
  );
  it.each(ids)('deletePortal refuses %s with −1001', (_label, id) => expectRefused(h, () => api.remove(siteId, id()), NOT_A_PORTAL));
});

type Fields = Record<string, unknown>;
/**
 * A field value both writes take, given on top of VOUCHER_PORTAL; `shown` is how getPortalDetail
 * then differs from VOUCHER_PORTAL's detail (a field shown as undefined must be absent).
 */
type Accepted = [label: string, fields: Fields, shown: Fields];
type Refused = [label: string, fields: Fields, expected: Expected];

const timeout = (fields: Fields) => ({ authTimeout: fields });
const TIMEOUT_PRESETS = [1, 2, 3, 4, 5, 6, 7];
const AUTH_TYPES_WITHOUT_HOTSPOT = [0, 1, 2, 4, 15];
const HOTSPOT_TYPES = [3, 5, 6, 8, 12];
const ids = (count: number) => Array.from({ length: count }, (_, i) => `id-${i}`);
const URL_RULE = invalid(
  'landingUrl must be a host name or IPv4 address with an optional port and path, without the scheme, of at most 2048 characters.',
);
const promotional = (landingUrl: unknown) => ({ landingPage: 2, landingUrlScheme: 'http', landingUrl });

/** Rules addPortal and modifyPortal share: each bound just inside and just outside. */
const SHARED_ACCEPTED: Accepted[] = [
  ['a name of 1 character', { name: 'P' }, { name: 'P' }],
  ['a name of 128 characters', { name: 'P'.repeat(128) }, { name: 'P'.repeat(128) }],
  ['a name with inner spaces and symbols', { name: 'Pier 7 + Cafe = @Home' }, { name: 'Pier 7 + Cafe = @Home' }],
  ['a name in letters beyond ASCII', { name: 'Café Zürich 東京' }, { name: 'Café Zürich 東京' }],
  ['enable false', { enable: false }, { enable: false }],
  ...AUTH_TYPES_WITHOUT_HOTSPOT.map((authType): Accepted => [`authType ${authType}`, { authType }, { authType, hotspot: undefined }]),
  ...HOTSPOT_TYPES.map((type): Accepted => [`hotspot type ${type} alone`, { hotspot: { enabledTypes: [type] } }, { hotspot: { enabledTypes: [type] } }]),
  ['all five hotspot types', { hotspot: { enabledTypes: [12, 8, 6, 5, 3] } }, { hotspot: { enabledTypes: [12, 8, 6, 5, 3] } }],
  ...TIMEOUT_PRESETS.map((preset): Accepted => [`auth timeout preset ${preset}`, timeout({ authTimeout: preset }), timeout({ authTimeout: preset })]),
  ['a preset with custom fields, which are dropped', timeout({ authTimeout: 7, customTimeout: 5, customTimeoutUnit: 3 }), timeout({ authTimeout: 7 })],
  ['preset 0 with a custom span', timeout({ authTimeout: 0, customTimeout: 30, customTimeoutUnit: 1 }), timeout({ authTimeout: 0, customTimeout: 30, customTimeoutUnit: 1 })],
  ['a custom timeout of 1 minute', timeout({ customTimeout: 1, customTimeoutUnit: 1 }), timeout({ authTimeout: 0, customTimeout: 1, customTimeoutUnit: 1 })],
  ['a custom timeout of 1000000 minutes', timeout({ customTimeout: 1_000_000, customTimeoutUnit: 1 }), timeout({ authTimeout: 0, customTimeout: 1_000_000, customTimeoutUnit: 1 })],
  ['a custom timeout of 10000 hours', timeout({ customTimeout: 10_000, customTimeoutUnit: 2 }), timeout({ authTimeout: 0, customTimeout: 10_000, customTimeoutUnit: 2 })],
  ['a custom timeout of 1000 days', timeout({ customTimeout: 1_000, customTimeoutUnit: 3 }), timeout({ authTimeout: 0, customTimeout: 1_000, customTimeoutUnit: 3 })],
  ['httpsRedirectEnable true', { httpsRedirectEnable: true }, { httpsRedirectEnable: true }],
  ['landingPage 1 (the original URL)', { landingPage: 1 }, { landingPage: 1 }],
  ['landingPage 3 (the logout page)', { landingPage: 3 }, { landingPage: 3 }],
  ['landingPage 2 with an http host name', promotional('example.com'), promotional('example.com')],
  ['landingPage 2 with https, an IPv4 address, a port and a path', { ...promotional('192.168.0.1:65535/a/b?c=d'), landingUrlScheme: 'https' }, { ...promotional('192.168.0.1:65535/a/b?c=d'), landingUrlScheme: 'https' }],
  ['a landing URL of 2048 characters', promotional(`example.com/${'p'.repeat(2036)}`), promotional(`example.com/${'p'.repeat(2036)}`)],
  ['a landing URL with a landing page that ignores it', { landingPage: 1, landingUrlScheme: 'http', landingUrl: 'example.com' }, { landingPage: 1 }],
  ['no SSIDs and no networks', { ssidList: [], networkList: [] }, { ssidList: [], networkList: [] }],
  ['1000 SSIDs', { ssidList: ids(1000) }, { ssidList: ids(1000) }],
  ['1000 networks', { networkList: ids(1000) }, { networkList: ids(1000) }],
  ['an SSID id of 64 characters', { ssidList: ['s'.repeat(64)] }, { ssidList: ['s'.repeat(64)] }],
  ['a network id of 1 character', { networkList: ['n'] }, { networkList: ['n'] }],
  ['fields of PortalSetting voucherd ignores, as a controller client sends them', {
    noAuth: { dailyLimitEnable: true },
    simplePassword: { password: 'x' },
    portalFormId: 'form',
    hotspotRadius: {},
    externalPortal: { hostType: 1 },
    externalRadius: {},
    ldap: {},
    pageType: 2,
    importedPortalPage: { id: 'page' },
    portalCustomize: {},
  }, {}],
];

const SHARED_REFUSED: Refused[] = [
  ['an empty name', { name: '' }, NAME_RULE],
  ['a name of 129 characters', { name: 'P'.repeat(129) }, NAME_RULE],
  ['a name starting with a space', { name: ' Lobby' }, NAME_RULE],
  ['a name ending with a space', { name: 'Lobby ' }, NAME_RULE],
  ['a name that is one space', { name: ' ' }, NAME_RULE],
  ['a name that is a number', { name: 7 }, invalid('name must be a string.')],
  ['enable as a string', { enable: 'true' }, invalid('enable must be a boolean.')],
  ...[-1, 3, 5, 7, 10, 12, 14, 16].map((authType): Refused => [`authType ${authType}`, { authType }, invalid('authType must be one of 0, 1, 2, 4, 11, 15.')]),
  ['authType as a string', { authType: '11' }, invalid('authType must be an integer.')],
  ['hotspot without enabledTypes', { hotspot: {} }, invalid('hotspot.enabledTypes is required.')],
  ['no hotspot types', { hotspot: { enabledTypes: [] } }, invalid('hotspot.enabledTypes must contain 1 to 5 items.')],
  ...[0, 1, 2, 4, 7, 9, 13].map((type): Refused => [`hotspot type ${type}`, { hotspot: { enabledTypes: [3, type] } }, invalid('hotspot.enabledTypes[1] must be one of 3, 5, 6, 8, 12.')]),
  ['a repeated hotspot type', { hotspot: { enabledTypes: [3, 3] } }, invalid('hotspot.enabledTypes must not repeat an item.')],
  ['hotspot given as a list', { hotspot: [3] }, invalid('hotspot must be an object.')],
  ['auth timeout preset -1', timeout({ authTimeout: -1 }), invalid('authTimeout.authTimeout must be within 0-7.')],
  ['auth timeout preset 8', timeout({ authTimeout: 8 }), invalid('authTimeout.authTimeout must be within 0-7.')],
  ['no auth timeout fields at all', timeout({}), invalid('authTimeout.customTimeout is required unless authTimeout.authTimeout names a preset (1-7).')],
  ['preset 0 without a custom span', timeout({ authTimeout: 0 }), invalid('authTimeout.customTimeout is required unless authTimeout.authTimeout names a preset (1-7).')],
  ['a custom timeout without its unit', timeout({ customTimeout: 5 }), invalid('authTimeout.customTimeoutUnit is required unless authTimeout.authTimeout names a preset (1-7).')],
  ['a custom timeout of 0', timeout({ customTimeout: 0, customTimeoutUnit: 1 }), invalid('authTimeout.customTimeout must be within 1-1000000.')],
  ['a custom timeout of 1000001 minutes', timeout({ customTimeout: 1_000_001, customTimeoutUnit: 1 }), invalid('authTimeout.customTimeout must be within 1-1000000.')],
  ['a custom timeout of 10001 hours', timeout({ customTimeout: 10_001, customTimeoutUnit: 2 }), invalid('authTimeout.customTimeout must be within 1-10000 when authTimeout.customTimeoutUnit is 2 (hours).')],
  ['a custom timeout of 1001 days', timeout({ customTimeout: 1_001, customTimeoutUnit: 3 }), invalid('authTimeout.customTimeout must be within 1-1000 when authTimeout.customTimeoutUnit is 3 (days).')],
  ['a custom timeout of 1.5', timeout({ customTimeout: 1.5, customTimeoutUnit: 1 }), invalid('authTimeout.customTimeout must be an integer.')],
  ['custom timeout unit 0', timeout({ customTimeout: 5, customTimeoutUnit: 0 }), invalid('authTimeout.customTimeoutUnit must be within 1-3.')],
  ['custom timeout unit 4', timeout({ customTimeout: 5, customTimeoutUnit: 4 }), invalid('authTimeout.customTimeoutUnit must be within 1-3.')],
  ['an auth timeout that is a number', { authTimeout: 60 }, invalid('authTimeout must be an object.')],
  ['httpsRedirectEnable as a number', { httpsRedirectEnable: 1 }, invalid('httpsRedirectEnable must be a boolean.')],
  ['landingPage 0', { landingPage: 0 }, invalid('landingPage must be within 1-3.')],
  ['landingPage 4', { landingPage: 4 }, invalid('landingPage must be within 1-3.')],
  ['landingPage 2 without a scheme', { landingPage: 2, landingUrl: 'example.com' }, invalid('landingUrlScheme is required when landingPage is 2.')],
  ['landingPage 2 without a URL', { landingPage: 2, landingUrlScheme: 'https' }, invalid('landingUrl is required when landingPage is 2.')],
  ['landing URL scheme ftp', { ...promotional('example.com'), landingUrlScheme: 'ftp' }, invalid('landingUrlScheme must be one of http, https.')],
  ['landing URL scheme in upper case', { ...promotional('example.com'), landingUrlScheme: 'HTTPS' }, invalid('landingUrlScheme must be one of http, https.')],
  ['a landing URL with its scheme', promotional('http://example.com'), URL_RULE],
  ['a landing URL without a top-level domain', promotional('localhost'), URL_RULE],
  ['a landing URL with port 65536', promotional('example.com:65536'), URL_RULE],
  ['a landing URL with a space', promotional('example.com/a b'), URL_RULE],
  ['a landing URL of 2049 characters', promotional(`example.com/${'p'.repeat(2037)}`), URL_RULE],
  ['1001 SSIDs', { ssidList: ids(1001) }, invalid('ssidList must be at most 1000 items.')],
  ['a repeated SSID', { ssidList: ['a', 'a'] }, invalid('ssidList must not repeat an item.')],
  ['an empty SSID id', { ssidList: [''] }, invalid('ssidList[0] must contain 1 to 64 characters.')],
  ['an SSID id of 65 characters', { ssidList: ['s'.repeat(65)] }, invalid('ssidList[0] must contain 1 to 64 characters.')],
  ['SSIDs given as a string', { ssidList: 'ssid' }, invalid('ssidList must be an array.')],
  ['1001 networks', { networkList: ids(1001) }, invalid('networkList must be at most 1000 items.')],
  ['a network id of 65 characters', { networkList: ['ok', 'n'.repeat(65)] }, invalid('networkList[1] must contain 1 to 64 characters.')],
  ['a network id that is a number', { networkList: [7] }, invalid('networkList[0] must be a string.')],
];

const REQUIRED = ['name', 'enable', 'authType', 'authTimeout', 'httpsRedirectEnable', 'landingPage'] as const;
const NOT_AN_OBJECT = malformed('The request body must be an object.');

describe('portal field rules', () => {
  let h: Harness;
  let admin: string;
  let siteId: string;
  let names = 0;
  const api = portalClient(() => h, () => admin);

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
    siteId = await h.createSite();
  });
  afterAll(() => h.close());

  const nextName = () => `Portal ${++names}`;
  /** Sends `body` as JSON text exactly, whatever JSON value it is. */
  const sendJson = (method: 'POST' | 'PATCH', url: string, body: unknown) =>
    h.call({ method, url, token: admin, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  describe('addPortal', () => {
    it.each(SHARED_ACCEPTED)('takes %s', async (_label, fields, shown) => {
      const payload = { ...VOUCHER_PORTAL, name: nextName(), ...fields };
      expect(answer(await api.add(siteId, payload))).toEqual(success());
      const id = await api.idOf(siteId, payload.name as string);
      expect(id).toMatch(PORTAL_ID);
      expect(await api.shown(siteId, id)).toEqual(success({ ...voucherPortalDetail(id, payload.name as string), ...shown }));
    });

    it.each(SHARED_REFUSED)('refuses %s', (_label, fields, expected) =>
      expectRefused(h, () => api.add(siteId, { ...VOUCHER_PORTAL, name: nextName(), ...fields }), expected),
    );

    it.each(REQUIRED)('refuses a body without %s', (field) => {
      const { [field]: _left, ...rest } = { ...VOUCHER_PORTAL, name: nextName() };
      return expectRefused(h, () => api.add(siteId, rest), invalid(`${field} is required.`));
    });

    it('refuses authType 11 without hotspot types', () => {
      const { hotspot: _hotspot, ...rest } = { ...VOUCHER_PORTAL, name: nextName() };
      return expectRefused(h, () => api.add(siteId, rest), invalid('hotspot is required when authType is 11.'));
    });

    it('takes a portal of another authType without hotspot types', async () => {
      const { hotspot: _hotspot, ...rest } = { ...VOUCHER_PORTAL, name: nextName(), authType: 0 };
      expect(answer(await api.add(siteId, rest))).toEqual(success());
    });

    it('drops hotspot types given with another authType', async () => {
      const id = await api.create(siteId, { ...VOUCHER_PORTAL, name: nextName(), authType: 4 });
      const shown = (await api.detail(siteId, id)).json().result;
      expect(shown.authType).toBe(4);
      expect(shown).not.toHaveProperty('hotspot');
    });

    it.each([
      ['a JSON list', [VOUCHER_PORTAL]],
      ['a JSON string', 'Lobby'],
      ['JSON null', null],
    ])('refuses %s as the body with HTTP 400 −1001', (_label, payload) =>
      expectRefused(h, () => sendJson('POST', addUrl(siteId), payload), NOT_AN_OBJECT),
    );
  });

  describe('modifyPortal', () => {
    /** A site of its own, so that the names addPortal took stay free here. */
    let modifySiteId: string;
    /** The voucher portal every refused change is tried on; refusals leave it as it is. */
    let portalId: string;
    beforeAll(async () => {
      modifySiteId = await h.createSite();
      portalId = await api.create(modifySiteId, { ...VOUCHER_PORTAL, name: nextName() });
    });

    it.each(SHARED_ACCEPTED)('takes %s', async (_label, fields, shown) => {
      const name = nextName();
      const id = await api.create(modifySiteId, { ...VOUCHER_PORTAL, name });
      expect(answer(await api.modify(modifySiteId, id, fields))).toEqual(success());
      expect(await api.shown(modifySiteId, id)).toEqual(success({ ...voucherPortalDetail(id, name), ...shown }));
    });

    it.each(SHARED_REFUSED)('refuses %s', (_label, fields, expected) =>
      expectRefused(h, () => api.modify(modifySiteId, portalId, fields), expected),
    );

    it.each([
      ['a JSON list', [{ enable: false }]],
      ['a JSON number', 1],
    ])('refuses %s as the body with HTTP 400 −1001', (_label, payload) =>
      expectRefused(h, () => sendJson('PATCH', portalUrl(modifySiteId, portalId), payload), NOT_AN_OBJECT),
    );
  });
});

describe('portal writes on a locked site', () => {
  let h: Harness;
  let admin: string;
  let siteId: string;
  let portalId: string;
  const api = portalClient(() => h, () => admin);

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
    siteId = await h.createSite();
    portalId = await api.create(siteId, { ...VOUCHER_PORTAL, name: 'Locked' });
    const now = h.clock.now();
    expect(await h.store.sites.lock(siteId, 'test', now, now + 60_000)).toBe(true);
  });
  afterAll(() => h.close());

  it.each([
    ['addPortal', () => api.add(siteId, { ...VOUCHER_PORTAL, name: 'New' })],
    ['modifyPortal', () => api.modify(siteId, portalId, { enable: false })],
    ['deletePortal', () => api.remove(siteId, portalId)],
  ])('%s answers −33004 and writes nothing', (_label, run) => expectRefused(h, run, SITE_BUSY));

  /** The guard turns these away first; the store checks again inside its transaction, for a lock taken in between. */
  it.each([
    ['insert', (record: PortalRecord) => h.store.portals.insert({ ...record, id: 'a'.repeat(24), name: 'New' }, h.clock.now())],
    ['update', () => h.store.portals.update(siteId, portalId, (current) => ({ ...current, enable: false }), h.clock.now())],
    ['delete', () => h.store.portals.delete(siteId, portalId, h.clock.now())],
  ])('the store refuses to %s a portal of a locked site', async (_label, run) => {
    const record = (await h.store.portals.get(siteId, portalId))!;
    const before = await portalRows(h);
    const error = await run(record).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OmadaError);
    expect((error as OmadaError).code).toBe(-33004);
    expect(await portalRows(h)).toEqual(before);
  });
});

describe('PortalRepository.namesByIds, for voucher groups', () => {
  let h: Harness;
  let admin: string;
  let siteId: string;
  let lobby: string;
  let garden: string;
  let foreign: string;
  const api = portalClient(() => h, () => admin);

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
    siteId = await h.createSite();
    lobby = await api.create(siteId, { ...VOUCHER_PORTAL, name: 'Lobby' });
    garden = await api.create(siteId, { ...VOUCHER_PORTAL, name: 'Garden' });
    foreign = await api.create(await h.createSite(), { ...VOUCHER_PORTAL, name: 'Foreign' });
  });
  afterAll(() => h.close());

  it('names the portals of the site among the ids, once each', async () => {
    const names = await h.store.portals.namesByIds(siteId, [garden, lobby, garden]);
    expect(Object.fromEntries(names)).toEqual({ [garden]: 'Garden', [lobby]: 'Lobby' });
  });

  it('leaves out ids of other sites and ids of no portal', async () => {
    const names = await h.store.portals.namesByIds(siteId, [lobby, foreign, 'f'.repeat(24)]);
    expect(Object.fromEntries(names)).toEqual({ [lobby]: 'Lobby' });
  });

  it('answers an empty map for no ids', async () => {
    expect((await h.store.portals.namesByIds(siteId, [])).size).toBe(0);
  });
});

const PORTAL_OPERATIONS = ['addPortal', 'getPortalList', 'getPortalDetail', 'modifyPortal', 'deletePortal'] as const;
type PortalOperation = (typeof PORTAL_OPERATIONS)[number];

describe('portal answers against the controller spec', () => {
  let h: Harness;
  let admin: string;
  let siteId: string;
  let fullId: string;
  let voucherId: string;
  let plainId: string;
  let validators: ReturnType<typeof responseValidators>;
  const api = portalClient(() => h, () => admin);

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
    if (HAVE_SPEC) validators = responseValidators(JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as Spec);
    siteId = await h.createSite();
    fullId = await api.create(siteId, FULL_PORTAL);
    voucherId = await api.create(siteId, VOUCHER_PORTAL);
    plainId = await api.create(siteId, { ...VOUCHER_PORTAL, name: 'Plain', authType: 0, landingPage: 3 });
  });
  afterAll(() => h.close());

  const calls: [string, PortalOperation, () => Promise<LightMyRequestResponse>][] = [
    ['an add', 'addPortal', () => api.add(siteId, { ...VOUCHER_PORTAL, name: 'Spec add' })],
    ['a list of portals', 'getPortalList', () => api.list(siteId)],
    ['an empty list', 'getPortalList', async () => api.list(await h.createSite())],
    ['a portal with every kept field', 'getPortalDetail', () => api.detail(siteId, fullId)],
    ['a voucher portal with a custom timeout', 'getPortalDetail', () => api.detail(siteId, voucherId)],
    ['a portal without hotspot types', 'getPortalDetail', () => api.detail(siteId, plainId)],
    ['a modify', 'modifyPortal', () => api.modify(siteId, voucherId, { enable: false })],
    ['a delete', 'deletePortal', async () => api.remove(siteId, await api.create(siteId, { ...VOUCHER_PORTAL, name: 'Spec delete' }))],
  ];

  it.skipIf(!HAVE_SPEC).each(calls)(`answers %s in the response schema of %s${SKIP_NOTE}`, async (_label, operationId, call) => {
    const response = await call();
    expect(answer(response)).toMatchObject({ status: 200, body: { errorCode: 0, msg: 'Success.' } });
    const { validate } = validators.get(operationId)!;
    expect(validate(response.json()) ? [] : validate.errors, response.body).toEqual([]);
  });

  it.skipIf(!HAVE_SPEC)(`serves each portal operation at the method and path the spec gives it${SKIP_NOTE}`, () => {
    const served = h.app.operations.map((route) => `${route.operation} ${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
    for (const operationId of PORTAL_OPERATIONS) {
      const inSpec = validators.get(operationId)!;
      expect(served).toContain(`${operationId} ${inSpec.method.toUpperCase()} ${inSpec.path}`);
    }
  });

  it.skipIf(!HAVE_SPEC).each([
    ['a field the spec does not name', { errorCode: 0, msg: 'Success.', result: { id: 'x', siteId: 'y' } }],
    ['an auth timeout without its preset', { errorCode: 0, msg: 'Success.', result: { authTimeout: { customTimeout: 1 } } }],
    ['hotspot types as a string', { errorCode: 0, msg: 'Success.', result: { hotspot: { enabledTypes: '3' } } }],
  ])(`would catch a getPortalDetail answer with %s${SKIP_NOTE}`, (_label, body) => {
    expect(validators.get('getPortalDetail')!.validate(body)).toBe(false);
  });
});

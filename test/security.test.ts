import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Errors } from '../src/domain/errors.js';
import { mayCall, ROLES, type OperationId, type Role } from '../src/domain/permissions.js';
import { answer, createHarness, type Harness, MINIMAL_GROUP, OMADAC_ID, tableCounts, VALID_SITE } from './helpers.js';
import { filePart, multipart, png } from './voucher-print-support.js';

/**
 * The security suite every Open API route passes. Each operation voucherd serves needs a sample
 * request here: a test fails when a route is registered without one.
 */
interface Sample {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `{omadacId}` and `{siteId}` are filled in per case. */
  readonly url: string;
  /** Gets what `prepare` made (nothing for refused calls). */
  readonly payload?: (ids: Record<string, string>) => object;
  /**
   * Makes what an allowed call acts on (a profile to modify or delete) in `siteId` and answers the
   * values of the url's other placeholders; refused calls fill them with an id nothing has.
   */
  readonly prepare?: (h: Harness, siteId: string) => Promise<Record<string, string>>;
  /** Headers the payload needs (a multipart upload's Content-Type). */
  readonly headers?: Record<string, string>;
  /** The Content-Type of a success that answers a file rather than the envelope (an export). */
  readonly file?: string;
}

/** Creates a rate limit profile in `siteId` as an admin and answers its id, for the profile samples. */
async function newProfile(h: Harness, siteId: string): Promise<Record<string, string>> {
  const url = `/openapi/v1/${OMADAC_ID}/sites/${siteId}/rate-limit-profiles`;
  const name = `Security profile ${++names}`;
  const token = await h.token('admin');
  await h.call({ method: 'POST', url, token, payload: { name, downLimitEnable: false, upLimitEnable: false } });
  const list = (await h.call({ method: 'GET', url, token })).json().result as { profileId: string; name: string }[];
  return { profileId: list.find((profile) => profile.name === name)!.profileId };
}

/** A portal that takes vouchers, named `name`, for the portal samples. */
const securityPortal = (name: string) => ({
  name,
  enable: true,
  authType: 11,
  hotspot: { enabledTypes: [3] },
  authTimeout: { authTimeout: 6 },
  httpsRedirectEnable: false,
  landingPage: 1,
});

/** Adds a portal to `siteId` as an admin and answers its id, found by name as clients find it. */
async function newPortal(h: Harness, siteId: string): Promise<Record<string, string>> {
  const name = `Security portal ${++names}`;
  const token = await h.token('admin');
  await h.call({ method: 'POST', url: `/openapi/v1/${OMADAC_ID}/sites/${siteId}/portal`, token, payload: securityPortal(name) });
  const list = (await h.call({ method: 'GET', url: `/openapi/v1/${OMADAC_ID}/sites/${siteId}/portals`, token })).json()
    .result as { id: string; name: string }[];
  return { portalId: list.find((portal) => portal.name === name)!.id };
}

/** A voucher group of one voucher, only the required fields, named `name`. */
const securityGroup = (name: string) => ({ ...MINIMAL_GROUP, name });

/** Creates a voucher group in `siteId` as an admin and answers its id and its voucher's, for the voucher samples. */
async function newGroup(h: Harness, siteId: string): Promise<Record<string, string>> {
  const token = await h.token('admin');
  const url = `/openapi/v1/${OMADAC_ID}/sites/${siteId}/hotspot/voucher-groups`;
  const groupId = (await h.call({ method: 'POST', url, token, payload: securityGroup(`Security group ${++names}`) })).json()
    .result.id as string;
  const detail = (await h.call({ method: 'GET', url: `${url}/${groupId}?page=1&pageSize=1`, token })).json();
  return { groupId, id: detail.result.data[0].id as string };
}

/** A MAC no other sample has used, for the authorized client samples. */
const securityMac = () => `AA-BB-CC-DD-${String(Math.floor(++names / 100) % 100).padStart(2, '0')}-${String(names % 100).padStart(2, '0')}`;

/** Authorizes a new client in `siteId` as an admin and answers its MAC and its record's id, found in the list. */
async function newRecord(h: Harness, siteId: string): Promise<Record<string, string>> {
  const token = await h.token('admin');
  const clientMac = securityMac();
  const hotspot = `/openapi/v1/${OMADAC_ID}/sites/${siteId}/hotspot`;
  await h.call({ method: 'POST', url: `${hotspot}/clients/${clientMac}/auth`, token });
  const list = (await h.call({ method: 'GET', url: `${hotspot}/authed-records?page=1&pageSize=1000`, token })).json()
    .result.data as { id: string; mac: string }[];
  return { clientMac, id: list.find((record) => record.mac === clientMac)!.id };
}

/** A one-pixel PNG as uploadVoucherLogo takes it (multipart/form-data, a file part). */
const logoUpload = multipart([filePart(png(1, 1), 'logo.png', 'image/png')]);

/** Uploads a logo to `siteId` as an admin and answers its id, for the getVoucherLogo sample. */
async function newLogo(h: Harness, siteId: string): Promise<Record<string, string>> {
  const token = await h.token('admin');
  const url = `/openapi/v1/${OMADAC_ID}/sites/${siteId}/hotspot/files/voucher/logos`;
  const response = await h.call({ method: 'POST', url, token, ...logoUpload });
  return { picId: response.json().result.id as string };
}

let names = 0;
const SAMPLES: Record<string, Sample> = {
  getSiteList: { method: 'GET', url: '/openapi/v1/{omadacId}/sites?page=1&pageSize=10' },
  createNewSite: {
    method: 'POST',
    url: '/openapi/v1/{omadacId}/sites',
    payload: () => ({ ...VALID_SITE, name: `Security ${++names}` }),
  },
  getSiteEntity: { method: 'GET', url: '/openapi/v1/{omadacId}/sites/{siteId}' },
  updateSiteEntity: {
    method: 'PUT',
    url: '/openapi/v1/{omadacId}/sites/{siteId}',
    payload: () => ({ region: 'Germany', timeZone: 'Europe/Amsterdam', scenario: 'Office' }),
  },
  deleteSite: { method: 'DELETE', url: '/openapi/v1/{omadacId}/sites/{siteId}' },
  getRateLimitProfileList: { method: 'GET', url: '/openapi/v1/{omadacId}/sites/{siteId}/rate-limit-profiles' },
  createRateLimitProfile: {
    method: 'POST',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/rate-limit-profiles',
    payload: () => ({ name: `Security ${++names}`, downLimitEnable: true, downLimit: 2048, upLimitEnable: false }),
  },
  modifyRateLimitProfile: {
    method: 'PUT',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/rate-limit-profile/{profileId}',
    payload: () => ({ name: `Security ${++names}`, downLimitEnable: false, upLimitEnable: true, upLimit: 512 }),
    prepare: newProfile,
  },
  deleteRateLimitProfile: {
    method: 'DELETE',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/rate-limit-profile/{profileId}',
    prepare: newProfile,
  },
  addPortal: {
    method: 'POST',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/portal',
    payload: () => securityPortal(`Security ${++names}`),
  },
  getPortalList: { method: 'GET', url: '/openapi/v1/{omadacId}/sites/{siteId}/portals' },
  getPortalDetail: { method: 'GET', url: '/openapi/v1/{omadacId}/sites/{siteId}/portal/{portalId}', prepare: newPortal },
  modifyPortal: {
    method: 'PATCH',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/portal/{portalId}',
    payload: () => ({ name: `Security ${++names}`, enable: false }),
    prepare: newPortal,
  },
  deletePortal: { method: 'DELETE', url: '/openapi/v1/{omadacId}/sites/{siteId}/portal/{portalId}', prepare: newPortal },
  createVoucherGroup: {
    method: 'POST',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups',
    payload: () => securityGroup(`Security ${++names}`),
  },
  getGridVoucherGroups: { method: 'GET', url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups?page=1&pageSize=10' },
  getVoucherGroupDetail: {
    method: 'GET',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/{groupId}?page=1&pageSize=10',
    prepare: newGroup,
  },
  getVoucher: { method: 'GET', url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/{id}', prepare: newGroup },
  modifyHotspotSetting: {
    method: 'PATCH',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/setting',
    payload: () => ({ currency: 'USD' }),
  },
  getVoucherCurrencyCandidates: { method: 'GET', url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/currency-list' },
  getGroupConfigLimit: { method: 'GET', url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/config-limit' },
  getAllTimeVoucherSummary: { method: 'GET', url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/statistics/summary' },
  getAllTimeVoucherSummaryForGroup: {
    method: 'GET',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/statistics/summary/voucher-groups/{groupId}',
    prepare: newGroup,
  },
  getVoucherHistoryStatistics: {
    method: 'GET',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/statistics/history?filters.timeStart=0&filters.timeEnd=86400',
  },
  getVoucherHistoryStatisticsForGroup: {
    method: 'GET',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/statistics/history/voucher-groups/{groupId}?filters.timeStart=0&filters.timeEnd=86400',
    prepare: newGroup,
  },
  getVoucherDistributionByDuration: {
    method: 'GET',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/statistics/history/distribution/duration?filters.timeStart=0&filters.timeEnd=86400',
  },
  getVoucherDistributionByDurationForGroup: {
    method: 'GET',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/statistics/history/distribution/duration/voucher-groups/{groupId}?page=1&pageSize=10&filters.timeStart=0&filters.timeEnd=86400',
    prepare: newGroup,
  },
  getVoucherDistributionByPrice: {
    method: 'GET',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/statistics/history/distribution/unit-price?filters.timeStart=0&filters.timeEnd=86400',
  },
  getVoucherDistributionByPriceForGroup: {
    method: 'GET',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/statistics/history/distribution/unit-price/voucher-groups/{groupId}?page=1&pageSize=10&filters.timeStart=0&filters.timeEnd=86400',
    prepare: newGroup,
  },
  getHotspotAuthedClients: { method: 'GET', url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/authed-records?page=1&pageSize=10' },
  deleteAllInvalidAuthedClients: {
    method: 'POST',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/authed-records/delete',
    payload: () => ({ start: 0, end: 4_000_000_000 }),
  },
  deleteHotspotAuthedClient: { method: 'DELETE', url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/authed-records/{id}', prepare: newRecord },
  disconnectHotspotAuthedClient: {
    method: 'POST',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/authed-records/{id}/disconnect',
    prepare: newRecord,
  },
  extendHotspotAuthedClient: {
    method: 'POST',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/authed-records/{id}/period',
    payload: () => ({ period: 60_000 }),
    prepare: newRecord,
  },
  authClient: {
    method: 'POST',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/clients/{clientMac}/auth',
    prepare: async () => ({ clientMac: securityMac() }),
  },
  cancelAuthClient: { method: 'POST', url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/clients/{clientMac}/unauth', prepare: newRecord },
  // The batch needs only a valid token; each action is then authorised alone (test/batch.test.ts).
  batchController: {
    method: 'POST',
    url: '/openapi/v1/{omadacId}/batch',
    payload: () => ({ actions: [{ method: 'GET', path: `/openapi/v1/${OMADAC_ID}/sites`, query: 'page=1&pageSize=1' }] }),
  },
  deleteVoucherGroup: { method: 'DELETE', url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/{groupId}', prepare: newGroup },
  deleteSelectedVoucherGroups: {
    method: 'POST',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/batch/delete',
    payload: (ids) => ({ type: 1, groupIds: [ids.groupId ?? 'c'.repeat(24)] }),
    prepare: newGroup,
  },
  clearInvalidVouchersInSelectedGroups: {
    method: 'POST',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/batch/clear-invalid',
    payload: () => ({ type: 0 }),
  },
  clearInvalidVouchersInaGroup: {
    method: 'DELETE',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/{groupId}/clear-invalid',
    prepare: newGroup,
  },
  deleteVoucher: { method: 'DELETE', url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/{id}', prepare: newGroup },
  deleteVouchers: {
    method: 'POST',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/batch/delete',
    payload: (ids) => ({ type: 0, groupId: ids.groupId ?? 'c'.repeat(24) }),
    prepare: newGroup,
  },
  printVoucherGroup: {
    method: 'GET',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/{groupId}/print-unused',
    prepare: newGroup,
  },
  printSelectedVoucherGroups: {
    method: 'POST',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/batch/print-unused',
    payload: () => ({ type: 0 }),
  },
  printVouchers: {
    method: 'POST',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/vouchers/batch/print',
    payload: (ids) => ({ type: 2, groupId: ids.groupId ?? 'c'.repeat(24) }),
    prepare: newGroup,
  },
  getVoucherGroupOptions: { method: 'GET', url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-group-options?page=1&pageSize=10' },
  editVoucherGroupPattern: {
    method: 'PATCH',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/voucher-groups/{groupId}/pattern',
    payload: () => ({ position: 1, titleSize: 14 }),
    prepare: newGroup,
  },
  uploadVoucherLogo: {
    method: 'POST',
    url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/files/voucher/logos',
    payload: () => logoUpload.payload,
    headers: logoUpload.headers,
  },
  getVoucherLogo: { method: 'GET', url: '/openapi/v1/{omadacId}/sites/{siteId}/hotspot/files/voucher/logos/{picId}', prepare: newLogo },
  exportVouchersWithSiteByCloudAccess: {
    method: 'POST',
    url: '/openapi/v1/{omadacId}/files/hotspot/sites/{siteId}/vouchers/export',
    payload: () => ({ format: 0, type: 0 }),
    prepare: newGroup,
    file: 'text/csv; charset=utf-8',
  },
};

/** Who may call what, as CONTRACT §3 and each operation's documented permission say. */
const ALLOWED: Record<string, readonly Role[]> = {
  getSiteList: ['admin', 'viewer', 'hotspot-operator'],
  createNewSite: ['admin'],
  getSiteEntity: ['admin', 'viewer'],
  updateSiteEntity: ['admin'],
  deleteSite: ['admin'],
  getRateLimitProfileList: ['admin', 'viewer'],
  createRateLimitProfile: ['admin'],
  modifyRateLimitProfile: ['admin'],
  deleteRateLimitProfile: ['admin'],
  addPortal: ['admin', 'hotspot-operator'],
  getPortalList: ['admin', 'viewer', 'hotspot-operator'],
  getPortalDetail: ['admin', 'viewer', 'hotspot-operator'],
  modifyPortal: ['admin', 'hotspot-operator'],
  deletePortal: ['admin', 'hotspot-operator'],
  createVoucherGroup: ['admin', 'hotspot-operator'],
  getGridVoucherGroups: ['admin', 'viewer', 'hotspot-operator'],
  getVoucherGroupDetail: ['admin', 'viewer', 'hotspot-operator'],
  getVoucher: ['admin', 'viewer', 'hotspot-operator'],
  modifyHotspotSetting: ['admin', 'hotspot-operator'],
  getVoucherCurrencyCandidates: ['admin', 'viewer', 'hotspot-operator'],
  getGroupConfigLimit: ['admin', 'viewer', 'hotspot-operator'],
  getAllTimeVoucherSummary: ['admin', 'viewer', 'hotspot-operator'],
  getVoucherHistoryStatistics: ['admin', 'viewer', 'hotspot-operator'],
  getVoucherDistributionByDuration: ['admin', 'viewer', 'hotspot-operator'],
  getVoucherDistributionByPrice: ['admin', 'viewer', 'hotspot-operator'],
  // Cloud-only: the docs name no permission; they take their site-wide siblings'.
  getAllTimeVoucherSummaryForGroup: ['admin', 'viewer', 'hotspot-operator'],
  getVoucherHistoryStatisticsForGroup: ['admin', 'viewer', 'hotspot-operator'],
  getVoucherDistributionByDurationForGroup: ['admin', 'viewer', 'hotspot-operator'],
  getVoucherDistributionByPriceForGroup: ['admin', 'viewer', 'hotspot-operator'],
  getHotspotAuthedClients: ['admin', 'viewer', 'hotspot-operator'],
  deleteAllInvalidAuthedClients: ['admin', 'hotspot-operator'],
  // The controller documents Site Settings Manager View Only for this one delete, so viewers may.
  deleteHotspotAuthedClient: ['admin', 'viewer'],
  disconnectHotspotAuthedClient: ['admin', 'hotspot-operator'],
  extendHotspotAuthedClient: ['admin', 'hotspot-operator'],
  authClient: ['admin', 'hotspot-operator'],
  cancelAuthClient: ['admin', 'hotspot-operator'],
  batchController: ['admin', 'viewer', 'hotspot-operator'],
  deleteVoucherGroup: ['admin', 'hotspot-operator'],
  deleteSelectedVoucherGroups: ['admin', 'hotspot-operator'],
  clearInvalidVouchersInSelectedGroups: ['admin', 'hotspot-operator'],
  clearInvalidVouchersInaGroup: ['admin', 'hotspot-operator'],
  deleteVoucher: ['admin', 'hotspot-operator'],
  deleteVouchers: ['admin', 'hotspot-operator'],
  printVoucherGroup: ['admin', 'viewer', 'hotspot-operator'],
  printSelectedVoucherGroups: ['admin', 'viewer', 'hotspot-operator'],
  printVouchers: ['admin', 'viewer', 'hotspot-operator'],
  // Cloud-only: the docs name no permission; reads take the print operations', writes modifyHotspotSetting's.
  getVoucherGroupOptions: ['admin', 'viewer', 'hotspot-operator'],
  editVoucherGroupPattern: ['admin', 'hotspot-operator'],
  uploadVoucherLogo: ['admin', 'hotspot-operator'],
  getVoucherLogo: ['admin', 'viewer', 'hotspot-operator'],
  // Site Export Data Access is neither a View Only nor a hotspot permission: admins only.
  exportVouchersWithSiteByCloudAccess: ['admin'],
};

const envelope = (def: { code: number; msg: string; status: number }) => ({
  status: def.status,
  body: { errorCode: def.code, msg: def.msg },
});

describe('security suite', () => {
  let h: Harness;
  let siteId: string;
  let otherSiteId: string;
  let expiredToken: string;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    h = await createHarness({ accessTokenTtlSeconds: 3600 });
    expiredToken = await h.token('admin');
    h.clock.advance(3600 * 1000);
    siteId = await h.createSite();
    otherSiteId = await h.createSite();
    for (const role of ROLES) tokens.set(role, await h.token(role));
    tokens.set('scoped-admin', await h.token('admin', [otherSiteId]));
  });
  afterAll(() => h.close());

  const operations = () => h.app.operations.map((route) => route.operation);

  function request(
    operation: string,
    token: string | undefined,
    overrides: { omadacId?: string; siteId?: string; ids?: Record<string, string> } = {},
  ) {
    const sample = SAMPLES[operation]!;
    const url = sample.url
      .replace('{omadacId}', overrides.omadacId ?? OMADAC_ID)
      .replace('{siteId}', overrides.siteId ?? siteId)
      .replace(/\{(\w+)\}/g, (_placeholder, name: string) => overrides.ids?.[name] ?? 'c'.repeat(24));
    return h.call({
      method: sample.method,
      url,
      ...(sample.payload && { payload: sample.payload(overrides.ids ?? {}) }),
      ...(sample.headers && { headers: sample.headers }),
      ...(token !== undefined && { token }),
    });
  }

  /** Runs a refused request and checks it answered `expected` and wrote nothing. */
  async function refused(run: () => ReturnType<typeof request>, expected: ReturnType<typeof envelope>) {
    const before = await tableCounts(h.store);
    expect(answer(await run())).toEqual(expected);
    expect(await tableCounts(h.store)).toEqual(before);
  }

  it('has a sample and a permission row for every registered operation', () => {
    expect(operations().length).toBeGreaterThan(0);
    for (const operation of operations()) {
      expect(SAMPLES, `no security sample for ${operation}`).toHaveProperty(operation);
      expect(ALLOWED, `no permission row for ${operation}`).toHaveProperty(operation);
    }
  });

  const every = Object.keys(SAMPLES);
  const withSite = every.filter((operation) => SAMPLES[operation]!.url.includes('{siteId}'));

  it.each(every)('%s: no token answers 401 −44113', (operation) =>
    refused(() => request(operation, undefined), envelope(Errors.ACCESS_TOKEN_INVALID)),
  );

  it.each(every)('%s: a forged token answers 401 −44113', (operation) =>
    refused(() => request(operation, 'AT-ForgedForgedForgedForgedForged1'), envelope(Errors.ACCESS_TOKEN_INVALID)),
  );

  it.each(every)('%s: an expired token answers 401 −44112', (operation) =>
    refused(() => request(operation, expiredToken), envelope(Errors.ACCESS_TOKEN_EXPIRED)),
  );

  it.each(every)('%s: an unknown controller id answers −7131', (operation) =>
    refused(() => request(operation, tokens.get('admin'), { omadacId: 'f'.repeat(32) }), envelope(Errors.CONTROLLER_NOT_EXIST)),
  );

  const roleCases = every.flatMap((operation) => ROLES.map((role) => [operation, role] as const));
  it.each(roleCases)('%s as %s: allowed exactly when the role holds the permission', async (operation, role) => {
    const allowed = ALLOWED[operation]!.includes(role);
    expect(mayCall(role, operation as OperationId)).toBe(allowed);
    if (!allowed) {
      await refused(() => request(operation, tokens.get(role)), envelope(Errors.OPERATION_FORBIDDEN));
      return;
    }
    // A delete is tried on a site of its own, so the other cases keep theirs.
    const target = operation === 'deleteSite' ? await h.createSite() : siteId;
    const ids = await SAMPLES[operation]!.prepare?.(h, target);
    const response = await request(operation, tokens.get(role), { siteId: target, ...(ids && { ids }) });
    const file = SAMPLES[operation]!.file;
    if (file !== undefined) {
      expect({ status: response.statusCode, type: response.headers['content-type'] }, response.body).toEqual({ status: 200, type: file });
      return;
    }
    expect(answer(response)).toMatchObject({ status: 200, body: { errorCode: 0, msg: 'Success.' } });
  });

  it.each(withSite)('%s: a site outside the app scope answers 403 −1505, existing or not', async (operation) => {
    await refused(() => request(operation, tokens.get('scoped-admin'), { siteId }), envelope(Errors.SITE_FORBIDDEN));
    await refused(
      () => request(operation, tokens.get('scoped-admin'), { siteId: 'a'.repeat(24) }),
      envelope(Errors.SITE_FORBIDDEN),
    );
  });

  it.each(withSite)('%s: a site that does not exist answers −33000 to an all-sites app', (operation) =>
    refused(() => request(operation, tokens.get('admin'), { siteId: 'b'.repeat(24) }), envelope(Errors.SITE_NOT_EXIST)),
  );

  it('refuses site creation to an app scoped to a list of sites with −1005', () =>
    refused(() => request('createNewSite', tokens.get('scoped-admin')), envelope(Errors.OPERATION_FORBIDDEN)),
  );

  it('shows an app scoped to a list of sites only those sites', async () => {
    const response = await request('getSiteList', tokens.get('scoped-admin'));
    expect(response.json().result.data.map((site: { siteId: string }) => site.siteId)).toEqual([otherSiteId]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Errors } from '../src/domain/errors.js';
import { mayCall, ROLES, type OperationId, type Role } from '../src/domain/permissions.js';
import { answer, createHarness, OMADAC_ID, tableCounts, VALID_SITE, type Harness } from './helpers.js';

/**
 * The security suite every Open API route passes. Each operation voucherd serves needs a sample
 * request here: a test fails when a route is registered without one.
 */
interface Sample {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `{omadacId}` and `{siteId}` are filled in per case. */
  readonly url: string;
  readonly payload?: () => object;
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
};

/** Who may call what, as CONTRACT §3 and each operation's documented permission say. */
const ALLOWED: Record<string, readonly Role[]> = {
  getSiteList: ['admin', 'viewer', 'hotspot-operator'],
  createNewSite: ['admin'],
  getSiteEntity: ['admin', 'viewer'],
  updateSiteEntity: ['admin'],
  deleteSite: ['admin'],
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

  function request(operation: string, token: string | undefined, overrides: { omadacId?: string; siteId?: string } = {}) {
    const sample = SAMPLES[operation]!;
    const url = sample.url
      .replace('{omadacId}', overrides.omadacId ?? OMADAC_ID)
      .replace('{siteId}', overrides.siteId ?? siteId);
    return h.call({
      method: sample.method,
      url,
      ...(sample.payload && { payload: sample.payload() }),
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
    const response = await request(operation, tokens.get(role), { siteId: target });
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

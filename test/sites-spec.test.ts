import { readFileSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, VALID_SITE, type Harness } from './helpers.js';
import { listUrl, SITES_URL, siteUrl } from './sites-support.js';
import { HAVE_SPEC, responseValidators, SKIP_NOTE, SPEC_FILE, type Spec } from './spec-support.js';

const SITE_OPERATIONS = ['getSiteList', 'createNewSite', 'getSiteEntity', 'updateSiteEntity', 'deleteSite'] as const;
type SiteOperation = (typeof SITE_OPERATIONS)[number];

describe('site answers against the controller spec', () => {
  let h: Harness;
  let admin: string;
  let validators: ReturnType<typeof responseValidators>;
  /** A site with every field set, NTP servers and a manual DST among them. */
  let fullSiteId: string;
  /** A site with only the required fields. */
  let bareSiteId: string;

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
    if (HAVE_SPEC) validators = responseValidators(JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as Spec);
    bareSiteId = await h.createSite();
    fullSiteId = await h.createSite({
      type: 1,
      tagIds: ['tag-a', 'tag-b'],
      longitude: 151.2093,
      latitude: -33.8688,
      address: '1 Macquarie St, Sydney',
      supportES: true,
      supportL2: true,
    });
    const change = await h.call({
      method: 'PUT',
      url: siteUrl(fullSiteId),
      token: admin,
      payload: {
        region: 'Australia',
        timeZone: 'Australia/Canberra',
        scenario: 'Office',
        ntpEnable: true,
        ntpServers: [{ address: 'pool.ntp.org' }, { address: '10.0.0.1' }],
        dst: {
          enable: true,
          mode: 2,
          start: { month: 10, serial: 1, day: 7, hour: 2, minute: 0 },
          end: { month: 4, serial: 1, day: 7, hour: 3, minute: 0 },
          offset: 3_600_000,
        },
      },
    });
    expect(change.json().errorCode, change.body).toBe(0);
  });
  afterAll(() => h.close());

  /** One successful call per case, with the operation whose response schema must hold it. */
  const calls: [string, SiteOperation, () => Promise<LightMyRequestResponse>][] = [
    ['a page of sites', 'getSiteList', () => h.call({ method: 'GET', url: listUrl('page=1&pageSize=10'), token: admin })],
    ['an empty page', 'getSiteList', () => h.call({ method: 'GET', url: listUrl('page=9&pageSize=10'), token: admin })],
    ['a created site id', 'createNewSite', () =>
      h.call({ method: 'POST', url: SITES_URL, token: admin, payload: { ...VALID_SITE, name: 'Spec Check' } })],
    ['a site with every field', 'getSiteEntity', () => h.call({ method: 'GET', url: siteUrl(fullSiteId), token: admin })],
    ['a site with only the required fields', 'getSiteEntity', () =>
      h.call({ method: 'GET', url: siteUrl(bareSiteId), token: admin })],
    ['an update', 'updateSiteEntity', () =>
      h.call({ method: 'PUT', url: siteUrl(bareSiteId), token: admin, payload: { region: 'Japan', timeZone: 'Asia/Tokyo', scenario: 'Home' } })],
    ['a delete', 'deleteSite', async () => h.call({ method: 'DELETE', url: siteUrl(await h.createSite()), token: admin })],
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

  it.skipIf(!HAVE_SPEC)(
    `serves each site operation at the method and path the spec gives it${SKIP_NOTE}`,
    () => {
      // Fastify adds a HEAD route beside each GET, with the same operation; only the spec's method matters.
      const served = h.app.operations.map((route) => `${route.operation} ${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
      for (const operationId of SITE_OPERATIONS) {
        const inSpec = validators.get(operationId)!;
        expect(served).toContain(`${operationId} ${inSpec.method.toUpperCase()} ${inSpec.path}`);
      }
    },
  );

  it.skipIf(!HAVE_SPEC).each([
    ['a field of the wrong type', { errorCode: 0, msg: 'Success.', result: { siteId: 'x', type: '1' } }],
    ['a field the spec does not name', { errorCode: 0, msg: 'Success.', result: { siteId: 'x', deviceAccountSetting: {} } }],
    ['an NTP server that is not a string', { errorCode: 0, msg: 'Success.', result: { ntpServers: [{ address: 'a.io' }] } }],
    ['six NTP servers', { errorCode: 0, msg: 'Success.', result: { ntpServers: ['a', 'b', 'c', 'd', 'e', 'f'] } }],
  ])(`would catch a getSiteEntity answer with %s${SKIP_NOTE}`, (_label, body) => {
    expect(validators.get('getSiteEntity')!.validate(body)).toBe(false);
  });
});

import { readFileSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, createHarness, MINIMAL_GROUP, OMADAC_ID, tableCounts, VALID_SITE, type Harness } from './helpers.js';
import { HAVE_SPEC, responseValidators, SKIP_NOTE, SPEC_FILE, type Spec } from './spec-support.js';

/**
 * `POST /openapi/v1/{omadacId}/batch` (batchController). Codes and messages are written out from
 * the spec rather than imported from the catalogue, so a typo there fails here.
 */

const BATCH_URL = `/openapi/v1/${OMADAC_ID}/batch`;
const SITES = `/openapi/v1/${OMADAC_ID}/sites`;
const siteUrl = (siteId: string) => `${SITES}/${siteId}`;
const profilesUrl = (siteId: string) => `${siteUrl(siteId)}/rate-limit-profiles`;
const groupsUrl = (siteId: string) => `${siteUrl(siteId)}/hotspot/voucher-groups`;

const SUCCESS = { errorCode: 0, msg: 'Success.' };
const INTERRUPTED = { errorCode: -1619, msg: 'Execution has been interrupted due to unsuccessful execution of the pre action request.' };
const UNSUPPORTED = { errorCode: -1600, msg: 'Unsupported request path.' };
const FORBIDDEN = { errorCode: -1005, msg: 'Operation forbidden.' };
const SITE_FORBIDDEN = { errorCode: -1505, msg: 'The current user does not have permissions to access this site.' };
const SITE_NOT_EXIST = { errorCode: -33000, msg: 'This site does not exist.' };
const SITE_NAME_EXISTS = { errorCode: -33101, msg: 'This name already exists. Please enter another name for this site.' };
const SITE_BUSY = {
  errorCode: -33004,
  msg: 'Operation failed because other operations (site copying, restoring, template synchronizing, etc.) are being performed on this site. Please wait and try again later.',
};
const invalid = (sentence: string) => ({ errorCode: -1001, msg: `Invalid request parameters. ${sentence}` });
/** The batch as a whole refused with −1001 (HTTP 200), as any field rule is. */
const refusedBatch = (sentence: string) => ({ status: 200, body: invalid(sentence) });

interface Action {
  method: string;
  path: string;
  query?: string;
  body?: object;
}

let names = 0;
const createSite = (name = `Batch site ${++names}`): Action => ({ method: 'POST', path: SITES, body: { ...VALID_SITE, name } });
const listSites: Action = { method: 'GET', path: SITES, query: 'page=1&pageSize=1000' };
const getSite = (siteId: string): Action => ({ method: 'GET', path: siteUrl(siteId) });

describe('batch', () => {
  let h: Harness;
  let admin: string;
  let validate: ((body: unknown) => boolean) & { errors?: unknown };

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
    if (HAVE_SPEC) validate = responseValidators(JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as Spec).get('batchController')!.validate;
  });
  afterAll(() => h.close());

  /** Sends a batch as `token`; null sends none. */
  const batch = (payload: unknown, token: string | null = admin): Promise<LightMyRequestResponse> =>
    h.call({ method: 'POST', url: BATCH_URL, payload: payload as object, ...(token !== null && { token }) });

  /** The answers of a batch that ran, after checking its envelope. */
  async function answers(payload: unknown, token: string = admin): Promise<{ errorCode: number; msg: string; result?: unknown }[]> {
    const response = await batch(payload, token);
    const body = response.json();
    expect(answer(response), response.body).toMatchObject({ status: 200, body: { ...SUCCESS, result: { response: expect.any(Array) } } });
    return body.result.response;
  }

  const siteNames = async () =>
    ((await h.call({ method: 'GET', url: `${SITES}?page=1&pageSize=1000`, token: admin })).json().result.data as { name: string }[]).map(
      (site) => site.name,
    );

  it.skipIf(!HAVE_SPEC)(`is served at the method and path the spec gives it${SKIP_NOTE}`, () => {
    const served = h.app.operations.map((route) => `${route.operation} ${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
    expect(served).toContain('batchController POST /openapi/v1/{omadacId}/batch');
  });

  it(`creates two sites and lists them, answering in the spec's shape${SKIP_NOTE}`, async () => {
    const response = await batch({ actions: [createSite('Batch North'), createSite('Batch South'), listSites] });
    const body = response.json();
    expect(answer(response)).toMatchObject({ status: 200, body: SUCCESS });
    const [north, south, list] = body.result.response;
    expect(north).toEqual({ ...SUCCESS, result: { siteId: expect.stringMatching(/^[0-9a-f]{24}$/) } });
    expect(south).toEqual({ ...SUCCESS, result: { siteId: expect.stringMatching(/^[0-9a-f]{24}$/) } });
    expect(list).toMatchObject({ ...SUCCESS, result: { currentPage: 1, currentSize: 1000 } });
    const listed = list.result.data as { siteId: string; name: string }[];
    expect(listed).toContainEqual(expect.objectContaining({ siteId: north.result.siteId, name: 'Batch North' }));
    expect(listed).toContainEqual(expect.objectContaining({ siteId: south.result.siteId, name: 'Batch South' }));
    if (HAVE_SPEC) expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  });

  it('answers in the order of the actions, each as its single call answers', async () => {
    const first = await h.createSite();
    const second = await h.createSite();
    const unknown = 'b'.repeat(24);
    const actions = [getSite(second), getSite(unknown), getSite(first), { method: 'PUT', path: siteUrl(first), body: { region: 'Mars' } }];
    const got = await answers({ interrupt: false, actions });
    const single = await Promise.all(
      actions.map(async (action) =>
        (
          await h.call({
            method: action.method as 'GET' | 'PUT',
            url: action.path,
            token: admin,
            ...(action.body && { payload: action.body }),
          })
        ).json(),
      ),
    );
    expect(got).toEqual(single);
    expect(got.map((one) => one.errorCode)).toEqual([0, SITE_NOT_EXIST.errorCode, 0, -1001]);
    expect((got[0]!.result as { siteId: string }).siteId).toBe(second);
    expect((got[2]!.result as { siteId: string }).siteId).toBe(first);
  });

  it(`answers success with every action's answer when some fail${SKIP_NOTE}`, async () => {
    const siteId = await h.createSite();
    const response = await batch({ interrupt: false, actions: [getSite(siteId), getSite('c'.repeat(24))] });
    expect(answer(response).body).toMatchObject({ ...SUCCESS, result: { response: [SUCCESS, SITE_NOT_EXIST] } });
    if (HAVE_SPEC) expect(validate(response.json()), JSON.stringify(validate.errors)).toBe(true);
  });

  describe('interrupt', () => {
    it('stops at the first failing action by default; the later ones answer −1619 and do not run', async () => {
      const taken = `Batch taken ${++names}`;
      const after = `Batch after ${++names}`;
      const got = await answers({ actions: [createSite(taken), createSite(taken), createSite(after), listSites] });
      expect(got).toEqual([{ ...SUCCESS, result: { siteId: expect.any(String) } }, SITE_NAME_EXISTS, INTERRUPTED, INTERRUPTED]);
      const listed = await siteNames();
      expect(listed).toContain(taken);
      expect(listed).not.toContain(after);
    });

    it('stops the same way when interrupt is true', async () => {
      const got = await answers({ interrupt: true, actions: [getSite('d'.repeat(24)), createSite()] });
      expect(got).toEqual([SITE_NOT_EXIST, INTERRUPTED]);
    });

    it('runs every action when interrupt is false', async () => {
      const taken = `Batch taken ${++names}`;
      const after = `Batch after ${++names}`;
      const got = await answers({ interrupt: false, actions: [createSite(taken), createSite(taken), createSite(after)] });
      expect(got).toEqual([
        { ...SUCCESS, result: { siteId: expect.any(String) } },
        SITE_NAME_EXISTS,
        { ...SUCCESS, result: { siteId: expect.any(String) } },
      ]);
      expect(await siteNames()).toEqual(expect.arrayContaining([taken, after]));
    });

    it('counts any answer other than success as a failure, a refused permission included', async () => {
      const viewer = await h.token('viewer');
      expect(await answers({ actions: [listSites, createSite(), listSites] }, viewer)).toEqual([
        expect.objectContaining(SUCCESS),
        FORBIDDEN,
        INTERRUPTED,
      ]);
    });
  });

  describe('each action authorised as if called alone', () => {
    it('lets a viewer read and answers −1005 in the slots of its writes', async () => {
      const siteId = await h.createSite();
      const viewer = await h.token('viewer');
      const before = await tableCounts(h.store);
      const got = await answers(
        {
          interrupt: false,
          actions: [
            listSites,
            createSite(),
            getSite(siteId),
            { method: 'PUT', path: siteUrl(siteId), body: { region: 'Germany', timeZone: 'UTC', scenario: 'Office' } },
            { method: 'GET', path: profilesUrl(siteId) },
            { method: 'POST', path: profilesUrl(siteId), body: { name: 'Viewer made', downLimitEnable: false, upLimitEnable: false } },
            { method: 'DELETE', path: siteUrl(siteId) },
          ],
        },
        viewer,
      );
      expect(got.map((one) => (one.errorCode === 0 ? 0 : one))).toEqual([0, FORBIDDEN, 0, FORBIDDEN, 0, FORBIDDEN, FORBIDDEN]);
      expect(await tableCounts(h.store)).toEqual(before);
    });

    it('answers −1505 for sites outside a scoped app, and −33000 to an all-sites app for a missing one', async () => {
      const mine = await h.createSite();
      const other = await h.createSite();
      const scoped = await h.token('admin', [mine]);
      const got = await answers(
        {
          interrupt: false,
          actions: [
            getSite(mine),
            getSite(other),
            { method: 'GET', path: profilesUrl(other) },
            { method: 'GET', path: profilesUrl('a'.repeat(24)) },
            { method: 'GET', path: profilesUrl(mine) },
          ],
        },
        scoped,
      );
      expect(got.map((one) => (one.errorCode === 0 ? 0 : one))).toEqual([0, SITE_FORBIDDEN, SITE_FORBIDDEN, SITE_FORBIDDEN, 0]);
      expect(await answers({ actions: [getSite('a'.repeat(24))] })).toEqual([SITE_NOT_EXIST]);
    });

    it('refuses actions on a locked site, except looking at the site', async () => {
      const siteId = await h.createSite();
      const now = h.clock.now();
      expect(await h.store.sites.lock(siteId, 'test', now, now + 60_000)).toBe(true);
      const before = await tableCounts(h.store);
      const got = await answers({
        interrupt: false,
        actions: [
          getSite(siteId),
          { method: 'GET', path: profilesUrl(siteId) },
          { method: 'POST', path: profilesUrl(siteId), body: { name: 'Locked', downLimitEnable: false, upLimitEnable: false } },
          { method: 'PUT', path: siteUrl(siteId), body: { region: 'Germany', timeZone: 'UTC', scenario: 'Office' } },
          { method: 'POST', path: groupsUrl(siteId), body: MINIMAL_GROUP },
        ],
      });
      expect(got.map((one) => (one.errorCode === 0 ? 0 : one))).toEqual([0, SITE_BUSY, SITE_BUSY, SITE_BUSY, SITE_BUSY]);
      expect(await tableCounts(h.store)).toEqual(before);
      await h.store.sites.unlock(siteId);
    });
  });

  describe('the number of actions', () => {
    it.each([
      [0, refusedBatch('actions must contain 1 to 20 items.')],
      [21, refusedBatch('actions must contain 1 to 20 items.')],
    ])('refuses %i actions with −1001 and writes nothing', async (count, expected) => {
      const before = await tableCounts(h.store);
      const actions = Array.from({ length: count }, () => createSite());
      expect(answer(await batch({ actions }))).toEqual(expected);
      expect(await tableCounts(h.store)).toEqual(before);
    });

    it.each([1, 20])('runs %i actions and answers each', async (count) => {
      const before = await tableCounts(h.store);
      const got = await answers({ actions: Array.from({ length: count }, () => createSite()) });
      expect(got).toHaveLength(count);
      for (const one of got) expect(one).toEqual({ ...SUCCESS, result: { siteId: expect.any(String) } });
      expect((await tableCounts(h.store)).sites).toBe(before.sites! + count);
    });
  });

  describe('malformed batches are refused whole, before any action runs', () => {
    it.each([
      ['no actions', {}, refusedBatch('actions is required.')],
      ['actions not a list', { actions: createSite() }, refusedBatch('actions must be an array.')],
      ['an action that is not an object', { actions: [createSite(), 'GET /sites'] }, refusedBatch('actions[1] must be an object.')],
      ['an action without a method', { actions: [createSite(), { path: SITES }] }, refusedBatch('actions[1].method is required.')],
      ['an action without a path', { actions: [createSite(), { method: 'GET' }] }, refusedBatch('actions[1].path is required.')],
      [
        'a path that is not a string',
        { actions: [createSite(), { method: 'GET', path: 7 }] },
        refusedBatch('actions[1].path must be a string.'),
      ],
      [
        'an empty path',
        { actions: [createSite(), { method: 'GET', path: '' }] },
        refusedBatch('actions[1].path must contain 1 to 2048 characters.'),
      ],
      [
        'a body that is a string',
        { actions: [createSite(), { method: 'POST', path: SITES, body: JSON.stringify(VALID_SITE) }] },
        refusedBatch('actions[1].body must be an object.'),
      ],
      [
        'a query that is not a string',
        { actions: [createSite(), { method: 'GET', path: SITES, query: { page: 1, pageSize: 10 } }] },
        refusedBatch('actions[1].query must be a string.'),
      ],
      ['interrupt not a boolean', { interrupt: 'no', actions: [createSite()] }, refusedBatch('interrupt must be a boolean.')],
      [
        'a body with a NUL character',
        { actions: [createSite(), { method: 'POST', path: SITES, body: { ...VALID_SITE, name: 'a\u0000b' } }] },
        refusedBatch('actions[1].body.name must not contain NUL characters or unpaired surrogates.'),
      ],
    ])('%s', async (_label, payload, expected) => {
      const before = await tableCounts(h.store);
      expect(answer(await batch(payload))).toEqual(expected);
      expect(await tableCounts(h.store)).toEqual(before);
    });

    it('answers HTTP 400 −1001 for a body that is not a JSON object', async () => {
      for (const payload of ['[]', '"actions"', '{"actions": [']) {
        const response = await h.call({
          method: 'POST',
          url: BATCH_URL,
          token: admin,
          headers: { 'content-type': 'application/json' },
          payload,
        });
        expect(answer(response)).toMatchObject({ status: 400, body: { errorCode: -1001 } });
      }
    });
  });

  describe('actions the batch does not run', () => {
    it.each([
      ['an unknown path', { method: 'GET', path: `/openapi/v1/${OMADAC_ID}/nowhere` }, UNSUPPORTED],
      ['an unknown method', { method: 'FETCH', path: SITES, query: 'page=1&pageSize=1' }, UNSUPPORTED],
      ['a method the path does not take', { method: 'PATCH', path: SITES }, UNSUPPORTED],
      ['HEAD, which answers no envelope', { method: 'HEAD', path: SITES, query: 'page=1&pageSize=1' }, UNSUPPORTED],
      ['the token endpoint', { method: 'POST', path: '/openapi/authorize/token', query: 'grant_type=client_credentials' }, UNSUPPORTED],
      ['a path outside the Open API', { method: 'GET', path: '/api/info' }, UNSUPPORTED],
      ['the metrics', { method: 'GET', path: '/metrics' }, UNSUPPORTED],
      ['dot segments leaving the Open API', { method: 'GET', path: `/openapi/v1/${OMADAC_ID}/../../../api/info` }, UNSUPPORTED],
      ['encoded dot segments', { method: 'GET', path: `/openapi/v1/${OMADAC_ID}/%2e%2e/%2E%2E/%2e%2e/api/info` }, UNSUPPORTED],
      ['backslashes', { method: 'GET', path: `/openapi\\v1\\..\\..\\api\\info` }, UNSUPPORTED],
      ['another host', { method: 'GET', path: `//voucherd.example/openapi/v1/${OMADAC_ID}/sites` }, UNSUPPORTED],
      ['an absolute URL', { method: 'GET', path: `http://voucherd.example/openapi/v1/${OMADAC_ID}/sites` }, UNSUPPORTED],
      ['a relative path', { method: 'GET', path: 'sites', query: 'page=1&pageSize=1' }, UNSUPPORTED],
      [
        'another controller id',
        { ...listSites, path: `/openapi/v1/${'f'.repeat(32)}/sites` },
        { errorCode: -7131, msg: 'Controller ID not exist.' },
      ],
      ['a field out of its rules', { method: 'POST', path: SITES, body: { ...VALID_SITE, name: ' space' } }, invalid(
        'name must contain 1 to 64 characters, not start with a space, +, -, @ or =, and not end with a space.',
      )],
      ['a missing required query parameter', { method: 'GET', path: SITES }, invalid('page is required.')],
    ])('%s: answers as the single call would, in its slot', async (_label, action, expected) => {
      const before = await tableCounts(h.store);
      expect(await answers({ interrupt: false, actions: [action, listSites] })).toEqual([expected, expect.objectContaining(SUCCESS)]);
      expect(await tableCounts(h.store)).toEqual(before);
    });

    it('takes the query from the path, from query, or both, and a lowercase method', async () => {
      const got = await answers({
        interrupt: false,
        actions: [
          { method: 'get', path: `${SITES}?page=1&pageSize=2` },
          { method: 'GET', path: `${SITES}?page=1`, query: 'pageSize=3' },
          { method: 'GET', path: SITES, query: '?page=1&pageSize=4' },
        ],
      });
      expect(got.map((one) => (one.result as { currentSize: number }).currentSize)).toEqual([2, 3, 4]);
    });

    it('takes a null query or body as one left out', async () => {
      const got = await answers({
        actions: [
          { method: 'GET', path: SITES, query: 'page=1&pageSize=1', body: null },
          { method: 'GET', path: `${SITES}?page=1&pageSize=1`, query: null, body: null },
        ],
      });
      expect(got).toEqual([expect.objectContaining(SUCCESS), expect.objectContaining(SUCCESS)]);
    });
  });

  describe('a batch inside a batch', () => {
    it.each([
      ['as written', BATCH_URL],
      ['percent-encoded', `/openapi/v1/${OMADAC_ID}/b%61tch`],
      ['through dot segments', `/openapi/v1/${OMADAC_ID}/sites/../batch`],
    ])('is refused %s with −1600 in its slot, running none of its actions', async (_label, path) => {
      const inner = `Batch nested ${++names}`;
      const got = await answers({
        actions: [listSites, { method: 'POST', path, body: { actions: [createSite(inner)] } }, createSite()],
      });
      expect(got).toEqual([expect.objectContaining(SUCCESS), UNSUPPORTED, INTERRUPTED]);
      expect(await siteNames()).not.toContain(inner);
    });

    it("ignores a client's own action header on a batch it sends", async () => {
      const response = await h.call({
        method: 'POST',
        url: BATCH_URL,
        token: admin,
        headers: { 'x-voucherd-batch-action': 'guess' },
        payload: { actions: [listSites] },
      });
      expect(response.json().result.response).toEqual([expect.objectContaining(SUCCESS)]);
    });
  });

  describe('what a batch writes', () => {
    it.each([
      ['no token', null, { errorCode: -44113, msg: 'The Access Token is Invalid.' }, 401],
      ['a forged token', 'AT-ForgedForgedForgedForgedForged1', { errorCode: -44113, msg: 'The Access Token is Invalid.' }, 401],
    ])('a batch refused for %s writes nothing', async (_label, token, body, status) => {
      const before = await tableCounts(h.store);
      expect(answer(await batch({ actions: [createSite(), createSite()] }, token))).toEqual({ status, body });
      expect(await tableCounts(h.store)).toEqual(before);
    });

    it('a batch for another controller id answers −7131 and writes nothing', async () => {
      const before = await tableCounts(h.store);
      const response = await h.call({
        method: 'POST',
        url: `/openapi/v1/${'e'.repeat(32)}/batch`,
        token: admin,
        payload: { actions: [createSite()] },
      });
      expect(answer(response)).toEqual({ status: 200, body: { errorCode: -7131, msg: 'Controller ID not exist.' } });
      expect(await tableCounts(h.store)).toEqual(before);
    });

    it('is not one transaction: a failing action keeps what earlier ones wrote, and writes nothing itself', async () => {
      const siteId = await h.createSite();
      const before = await tableCounts(h.store);
      const group = (name: string, extra: object = {}): Action => ({
        method: 'POST',
        path: groupsUrl(siteId),
        body: { ...MINIMAL_GROUP, name, amount: 3, ...extra },
      });
      const got = await answers({
        interrupt: false,
        actions: [
          group('First'),
          group('First'),
          // Refused inside its own transaction after the fields pass: no partial group.
          group('No portal', { applyToAllPortals: false }),
          group('Second'),
        ],
      });
      expect(got).toEqual([
        { ...SUCCESS, result: { id: expect.any(String) } },
        { errorCode: -42059, msg: 'Duplicated voucher group name.' },
        { errorCode: -42036, msg: 'Please select at least one portal before creating vouchers.' },
        { ...SUCCESS, result: { id: expect.any(String) } },
      ]);
      const after = await tableCounts(h.store);
      expect(after.voucher_groups).toBe(before.voucher_groups! + 2);
      expect(after.vouchers).toBe(before.vouchers! + 6);
    });

    it('an interrupted batch keeps what ran before the failure', async () => {
      const kept = `Batch kept ${++names}`;
      const got = await answers({ actions: [createSite(kept), getSite('e'.repeat(24)), createSite()] });
      expect(got.map((one) => one.errorCode)).toEqual([0, -33000, -1619]);
      expect(await siteNames()).toContain(kept);
    });
  });

  it('logs no bodies', async () => {
    const secret = 'Batch-Secret-Password-9';
    await answers({
      actions: [
        {
          method: 'POST',
          path: SITES,
          body: { ...VALID_SITE, name: `Batch logged ${++names}`, deviceAccountSetting: { username: 'admin', password: secret } },
        },
      ],
    });
    expect(h.logs()).not.toContain(secret);
    expect(h.logs()).not.toContain(admin);
  });
});

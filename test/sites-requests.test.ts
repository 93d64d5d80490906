import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, createHarness, OMADAC_ID, tableCounts, VALID_SITE, type Harness } from './helpers.js';
import {
  CONTROLLER_NOT_EXIST,
  expectRefused,
  INTERNAL_ERROR,
  malformed,
  siteUrl,
  SITES_URL,
  success,
  UNSUPPORTED_PATH,
} from './sites-support.js';

const BODY_LIMIT = 2048;
const PLACE = { region: VALID_SITE.region, timeZone: VALID_SITE.timeZone, scenario: VALID_SITE.scenario };
const NOT_AN_OBJECT = malformed('The request body must be an object.');
const NOT_JSON = malformed('The request body is not valid JSON.');
const NOT_JSON_TYPE = malformed('Content-Type must be application/json.');

describe('site requests the server cannot read', () => {
  let h: Harness;
  let admin: string;
  let siteId: string;
  beforeAll(async () => {
    h = await createHarness({ bodyLimitBytes: BODY_LIMIT });
    admin = await h.token('admin');
    siteId = await h.createSite();
  });
  afterAll(() => h.close());

  /** The two operations that take a body. */
  const WRITES = ['createNewSite', 'updateSiteEntity'] as const;
  const send = (operation: (typeof WRITES)[number], headers: Record<string, string>, payload: string) =>
    operation === 'createNewSite'
      ? h.call({ method: 'POST', url: SITES_URL, token: admin, headers, payload })
      : h.call({ method: 'PUT', url: siteUrl(siteId), token: admin, headers, payload });
  const json = { 'content-type': 'application/json' };
  const textPlain = { 'content-type': 'text/plain' };

  const bodies: [string, string, Record<string, string>, ReturnType<typeof malformed>][] = [
    ['a JSON array', JSON.stringify([VALID_SITE]), json, NOT_AN_OBJECT],
    ['a JSON string', JSON.stringify('Harbour Cafe'), json, NOT_AN_OBJECT],
    ['a JSON number', '42', json, NOT_AN_OBJECT],
    ['JSON null', 'null', json, NOT_AN_OBJECT],
    ['no body at all', '', json, NOT_AN_OBJECT],
    ['unparsable JSON', '{"name": "Harbour Cafe",', json, NOT_JSON],
    ['JSON with a trailing comma', '{"name": "x",}', json, NOT_JSON],
    ['a form body', 'name=Harbour+Cafe', { 'content-type': 'application/x-www-form-urlencoded' }, NOT_JSON_TYPE],
  ];
  const cases = WRITES.flatMap((operation) =>
    bodies.map(([label, payload, headers, expected]) => [operation, label, payload, headers, expected] as const),
  );

  it.each(cases)('%s refuses %s with HTTP 400 −1001', (operation, _label, payload, headers, expected) =>
    expectRefused(h, () => send(operation, headers, payload), expected),
  );

  it.each(WRITES)('%s refuses a text/plain body with HTTP 400 −1001 and writes nothing', async (operation) => {
    const counts = await tableCounts(h.store);
    const response = await send(operation, textPlain, JSON.stringify({ ...VALID_SITE, ...PLACE, name: 'Plain Text' }));
    expect(answer(response)).toMatchObject({ status: 400, body: { errorCode: -1001 } });
    expect(await tableCounts(h.store)).toEqual(counts);
  });

  it.each(WRITES)('%s names the Content-Type when it refuses a text/plain body', async (operation) => {
    const response = await send(operation, textPlain, JSON.stringify({ ...VALID_SITE, ...PLACE, name: 'Plain Text' }));
    expect(answer(response)).toEqual(NOT_JSON_TYPE);
  });

  /** A valid update body of exactly `bytes` bytes, padded in a field the operation ignores. */
  const updateOfSize = (bytes: number) => {
    const body = JSON.stringify({ ...PLACE, padding: '' });
    return JSON.stringify({ ...PLACE, padding: 'p'.repeat(bytes - Buffer.byteLength(body)) });
  };

  it('takes a body of exactly the size limit', async () => {
    const payload = updateOfSize(BODY_LIMIT);
    expect(Buffer.byteLength(payload)).toBe(BODY_LIMIT);
    expect(answer(await send('updateSiteEntity', json, payload))).toEqual(success());
  });

  it.each(WRITES)('%s refuses a body one byte over the size limit with HTTP 413 in the envelope', async (operation) => {
    const payload = updateOfSize(BODY_LIMIT + 1);
    expect(Buffer.byteLength(payload)).toBe(BODY_LIMIT + 1);
    await expectRefused(h, () => send(operation, json, payload), {
      status: 413,
      body: { errorCode: -1001, msg: `Invalid request parameters. The request body must not exceed ${BODY_LIMIT} bytes.` },
    });
  });

  it.each([
    ['an unknown resource', 'GET', `/openapi/v1/${OMADAC_ID}/nothing-here`],
    ['an unknown API version', 'GET', `/openapi/v9/${OMADAC_ID}/sites?page=1&pageSize=10`],
    ['a path below a site that voucherd does not serve', 'GET', `/openapi/v1/${OMADAC_ID}/sites/${'a'.repeat(24)}/devices`],
    ['a method the sites collection does not take', 'DELETE', `/openapi/v1/${OMADAC_ID}/sites`],
    ['a method a site does not take', 'PATCH', `/openapi/v1/${OMADAC_ID}/sites/${'a'.repeat(24)}`],
    ['the bare prefix', 'GET', '/openapi/'],
  ] as const)('answers %s under /openapi with HTTP 404 −1600', async (_label, method, url) => {
    await expectRefused(h, () => h.call({ method, url, token: admin }), UNSUPPORTED_PATH);
  });

  const otherController = 'f'.repeat(32);
  it.each([
    ['getSiteList', 'GET', `/openapi/v1/${otherController}/sites?page=1&pageSize=10`, undefined],
    ['createNewSite', 'POST', `/openapi/v1/${otherController}/sites`, { ...VALID_SITE, name: 'Elsewhere' }],
    ['getSiteEntity', 'GET', `/openapi/v1/${otherController}/sites/{siteId}`, undefined],
    ['updateSiteEntity', 'PUT', `/openapi/v1/${otherController}/sites/{siteId}`, PLACE],
    ['deleteSite', 'DELETE', `/openapi/v1/${otherController}/sites/{siteId}`, undefined],
  ] as const)('%s for an unknown omadacId answers HTTP 200 −7131', async (_operation, method, url, payload) => {
    await expectRefused(
      h,
      () => h.call({ method, url: url.replace('{siteId}', siteId), token: admin, ...(payload && { payload }) }),
      CONTROLLER_NOT_EXIST,
    );
  });
});

describe('an unexpected failure', () => {
  let h: Harness;
  let admin: string;
  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
    await h.createSite();
  });
  afterAll(() => h.close());

  it('answers HTTP 500 −1 with no internal detail, logs the error and keeps serving', async () => {
    // The store breaks under the service: the sites table is gone (with what hangs on it).
    await sql.raw(h.store.dialect === 'postgres' ? 'drop table sites cascade' : 'drop table sites').execute(h.store.db);

    const response = await h.call({ method: 'GET', url: `${SITES_URL}?page=1&pageSize=10`, token: admin });
    expect(answer(response)).toEqual(INTERNAL_ERROR);

    const logged = h.logs().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
    const failure = logged.find((line) => line.msg === 'request failed');
    expect(failure?.level).toBe(50);
    expect(failure?.err?.message).toMatch(/no such table: sites|relation "sites" does not exist/);

    const info = await h.call({ method: 'GET', url: '/api/info' });
    expect(info.statusCode).toBe(200);
    expect(info.json()).toMatchObject({ errorCode: 0, msg: 'Success.', result: { omadacId: OMADAC_ID } });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Errors } from '../src/domain/errors.js';
import { hashToken } from '../src/domain/secrets.js';
import { answer, createHarness, OMADAC_ID, tableCounts, type Harness } from './helpers.js';

const TOKEN_URL = '/openapi/authorize/token';
const SITES_URL = `/openapi/v1/${OMADAC_ID}/sites?page=1&pageSize=10`;
const envelope = (def: { code: number; msg: string; status: number }) => ({
  status: def.status,
  body: { errorCode: def.code, msg: def.msg },
});

describe('client-credentials grant', () => {
  let h: Harness;
  let client: { clientId: string; clientSecret: string };
  beforeAll(async () => {
    h = await createHarness({ accessTokenTtlSeconds: 600 });
    client = await h.newApp('admin');
  });
  afterAll(() => h.close());

  const grant = (payload: unknown, query = 'grant_type=client_credentials') =>
    h.call({ method: 'POST', url: `${TOKEN_URL}?${query}`, payload: payload as object });

  it('answers a token pair with the lifetime from the settings', async () => {
    const response = await grant({ omadacId: OMADAC_ID, client_id: client.clientId, client_secret: client.clientSecret });
    const body = response.json();
    expect(answer(response)).toEqual({
      status: 200,
      body: {
        errorCode: 0,
        msg: 'Open API Get Access Token successfully.',
        result: { accessToken: body.result.accessToken, tokenType: 'bearer', expiresIn: 600, refreshToken: body.result.refreshToken },
      },
    });
    expect(body.result.accessToken).toMatch(/^AT-[A-Za-z0-9]{32}$/);
    expect(body.result.refreshToken).toMatch(/^RT-[A-Za-z0-9]{32}$/);
  });

  it('keeps tokens and secrets hashed, never as issued', async () => {
    const response = await grant({ omadacId: OMADAC_ID, client_id: client.clientId, client_secret: client.clientSecret });
    const { accessToken, refreshToken } = response.json().result;
    const access = await h.store.db.selectFrom('access_tokens').selectAll().execute();
    const refresh = await h.store.db.selectFrom('refresh_tokens').selectAll().execute();
    const apps = await h.store.db.selectFrom('apps').selectAll().execute();
    const everything = JSON.stringify([access, refresh, apps]);
    expect(everything).not.toContain(accessToken);
    expect(everything).not.toContain(refreshToken);
    expect(everything).not.toContain(client.clientSecret);
    expect(access.map((row) => row.token_hash)).toContain(hashToken(accessToken));
  });

  it.each([
    ['a wrong grant type', 'grant_type=password', Errors.GRANT_TYPE_INVALID],
    ['the authorization-code grant', 'grant_type=authorization_code', Errors.GRANT_TYPE_INVALID],
    ['no grant type', '', Errors.GRANT_TYPE_INVALID],
  ])('refuses %s with −44111', async (_case, query, expected) => {
    const response = await grant({ omadacId: OMADAC_ID, client_id: client.clientId, client_secret: client.clientSecret }, query);
    expect(answer(response)).toEqual(envelope(expected));
  });

  it.each([
    ['a wrong secret', () => ({ omadacId: OMADAC_ID, client_id: client.clientId, client_secret: 'f'.repeat(32) }), Errors.CLIENT_INVALID],
    ['an unknown client id', () => ({ omadacId: OMADAC_ID, client_id: 'a'.repeat(32), client_secret: client.clientSecret }), Errors.CLIENT_INVALID],
    ['a missing omadacId', () => ({ client_id: client.clientId, client_secret: client.clientSecret }), Errors.TOKEN_PARAMS_INVALID],
    ['a missing client_id', () => ({ omadacId: OMADAC_ID, client_secret: client.clientSecret }), Errors.TOKEN_PARAMS_INVALID],
    ['a missing client_secret', () => ({ omadacId: OMADAC_ID, client_id: client.clientId }), Errors.TOKEN_PARAMS_INVALID],
    ['an empty client_secret', () => ({ omadacId: OMADAC_ID, client_id: client.clientId, client_secret: '' }), Errors.TOKEN_PARAMS_INVALID],
    ['a numeric client_id', () => ({ omadacId: OMADAC_ID, client_id: 12, client_secret: client.clientSecret }), Errors.TOKEN_PARAMS_INVALID],
    ['no body at all', () => undefined, Errors.TOKEN_PARAMS_INVALID],
    ['another controller id', () => ({ omadacId: 'f'.repeat(32), client_id: client.clientId, client_secret: client.clientSecret }), Errors.CONTROLLER_NOT_EXIST],
  ])('refuses %s', async (_case, payload, expected) => {
    const before = await tableCounts(h.store);
    expect(answer(await grant(payload()))).toEqual(envelope(expected));
    expect(await tableCounts(h.store)).toEqual(before);
  });

  it('refuses a body that is not a JSON object with HTTP 400', async () => {
    const response = await h.call({
      method: 'POST',
      url: `${TOKEN_URL}?grant_type=client_credentials`,
      headers: { 'content-type': 'application/json' },
      payload: '["x"]',
    });
    expect(answer(response)).toEqual({
      status: 400,
      body: { errorCode: -1001, msg: 'Invalid request parameters. The request body must be a JSON object.' },
    });
  });
});

describe('refresh-token grant', () => {
  let h: Harness;
  let client: { clientId: string; clientSecret: string };
  beforeAll(async () => {
    h = await createHarness({ accessTokenTtlSeconds: 60, refreshTokenTtlSeconds: 3600 });
    client = await h.newApp('admin');
  });
  afterAll(() => h.close());

  async function pair(credentials = client) {
    const response = await h.call({
      method: 'POST',
      url: `${TOKEN_URL}?grant_type=client_credentials`,
      payload: { omadacId: OMADAC_ID, client_id: credentials.clientId, client_secret: credentials.clientSecret },
    });
    return response.json().result as { accessToken: string; refreshToken: string };
  }

  const refreshByQuery = (refreshToken: string, credentials = client) =>
    h.call({
      method: 'POST',
      url: `${TOKEN_URL}?grant_type=refresh_token&refresh_token=${refreshToken}&client_id=${credentials.clientId}&client_secret=${credentials.clientSecret}`,
      headers: { 'content-type': 'application/json' },
    });

  it('rotates the pair when everything is in the query, with an empty JSON body', async () => {
    const { refreshToken } = await pair();
    const response = await refreshByQuery(refreshToken);
    const body = response.json();
    expect(answer(response)).toEqual({
      status: 200,
      body: {
        errorCode: 0,
        msg: 'Open API Get Access Token successfully.',
        result: { accessToken: body.result.accessToken, tokenType: 'bearer', expiresIn: 60, refreshToken: body.result.refreshToken },
      },
    });
    expect(body.result.refreshToken).not.toBe(refreshToken);
    const sites = await h.call({ method: 'GET', url: SITES_URL, token: body.result.accessToken });
    expect(sites.json().errorCode).toBe(0);
  });

  it('takes the client id, secret and refresh token from a JSON body too', async () => {
    const { refreshToken } = await pair();
    const response = await h.call({
      method: 'POST',
      url: `${TOKEN_URL}?grant_type=refresh_token`,
      payload: { client_id: client.clientId, client_secret: client.clientSecret, refresh_token: refreshToken },
    });
    expect(response.json().errorCode).toBe(0);
  });

  it('works once: a reused refresh token answers −44114', async () => {
    const { refreshToken } = await pair();
    expect((await refreshByQuery(refreshToken)).json().errorCode).toBe(0);
    expect(answer(await refreshByQuery(refreshToken))).toEqual(envelope(Errors.REFRESH_TOKEN_EXPIRED));
  });

  it('gives exactly one new pair when the same refresh token races itself', async () => {
    const { refreshToken } = await pair();
    const answers = await Promise.all(Array.from({ length: 8 }, () => refreshByQuery(refreshToken)));
    const codes = answers.map((response) => response.json().errorCode).sort();
    expect(codes).toEqual([-44114, -44114, -44114, -44114, -44114, -44114, -44114, 0]);
  });

  it('answers −44114 once the refresh token has expired', async () => {
    const { refreshToken } = await pair();
    h.clock.advance(3600 * 1000);
    expect(answer(await refreshByQuery(refreshToken))).toEqual(envelope(Errors.REFRESH_TOKEN_EXPIRED));
  });

  it.each([
    ['an unknown refresh token', () => 'RT-unknown', () => client, Errors.REFRESH_TOKEN_EXPIRED],
    ['a wrong client secret', undefined, () => ({ ...client, clientSecret: '0'.repeat(32) }), Errors.CLIENT_INVALID],
  ])('refuses %s', async (_case, token, credentials, expected) => {
    const { refreshToken } = await pair();
    const before = await tableCounts(h.store);
    expect(answer(await refreshByQuery(token?.() ?? refreshToken, credentials()))).toEqual(envelope(expected));
    expect(await tableCounts(h.store)).toEqual(before);
  });

  it("refuses another app's refresh token with −44114 and leaves it usable by its owner", async () => {
    const other = await h.newApp('viewer');
    const { refreshToken } = await pair(other);
    expect(answer(await refreshByQuery(refreshToken, client))).toEqual(envelope(Errors.REFRESH_TOKEN_EXPIRED));
    expect((await refreshByQuery(refreshToken, other)).json().errorCode).toBe(0);
  });

  it.each([
    ['refresh_token', `grant_type=refresh_token&client_id=ID&client_secret=SECRET`],
    ['client_id', `grant_type=refresh_token&refresh_token=RT-x&client_secret=SECRET`],
    ['client_secret', `grant_type=refresh_token&refresh_token=RT-x&client_id=ID`],
  ])('answers −44116 when %s is missing', async (_field, query) => {
    const url = `${TOKEN_URL}?${query.replace('ID', client.clientId).replace('SECRET', client.clientSecret)}`;
    expect(answer(await h.call({ method: 'POST', url }))).toEqual(envelope(Errors.TOKEN_PARAMS_INVALID));
  });
});

describe('access tokens on API calls', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ accessTokenTtlSeconds: 60 });
  });
  afterAll(() => h.close());

  it.each([
    ['no Authorization header', undefined],
    ['an empty header', ''],
    ['a Bearer header', 'Bearer AT-abc'],
    ['an empty token', 'AccessToken='],
    ['a forged token', 'AccessToken=AT-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ])('answers 401 −44113 for %s', async (_case, authorization) => {
    const response = await h.call({
      method: 'GET',
      url: SITES_URL,
      ...(authorization !== undefined && { headers: { authorization } }),
    });
    expect(answer(response)).toEqual(envelope(Errors.ACCESS_TOKEN_INVALID));
  });

  it('accepts a token up to its lifetime and answers 401 −44112 after it', async () => {
    const token = await h.token('admin');
    h.clock.advance(59_999);
    expect((await h.call({ method: 'GET', url: SITES_URL, token })).json().errorCode).toBe(0);
    h.clock.advance(1);
    expect(answer(await h.call({ method: 'GET', url: SITES_URL, token }))).toEqual(envelope(Errors.ACCESS_TOKEN_EXPIRED));
  });

  it('rejects a refresh token used as an access token', async () => {
    const client = await h.newApp('admin');
    const response = await h.call({
      method: 'POST',
      url: `${TOKEN_URL}?grant_type=client_credentials`,
      payload: { omadacId: OMADAC_ID, client_id: client.clientId, client_secret: client.clientSecret },
    });
    const { refreshToken } = response.json().result;
    expect(answer(await h.call({ method: 'GET', url: SITES_URL, token: refreshToken }))).toEqual(
      envelope(Errors.ACCESS_TOKEN_INVALID),
    );
  });

  it("ends an app's tokens when the app is deleted", async () => {
    const client = await h.newApp('admin');
    const response = await h.call({
      method: 'POST',
      url: `${TOKEN_URL}?grant_type=client_credentials`,
      payload: { omadacId: OMADAC_ID, client_id: client.clientId, client_secret: client.clientSecret },
    });
    const { accessToken } = response.json().result;
    expect(await h.apps.delete(client.clientId)).toBe(true);
    expect(answer(await h.call({ method: 'GET', url: SITES_URL, token: accessToken }))).toEqual(
      envelope(Errors.ACCESS_TOKEN_INVALID),
    );
  });

  it.each([
    ['its role', { role: 'viewer' }],
    ['its sites', { siteScope: [] as string[] }],
  ])("ends an app's tokens when %s change", async (_case, change) => {
    const client = await h.newApp('admin');
    const response = await h.call({
      method: 'POST',
      url: `${TOKEN_URL}?grant_type=client_credentials`,
      payload: { omadacId: OMADAC_ID, client_id: client.clientId, client_secret: client.clientSecret },
    });
    const { accessToken, refreshToken } = response.json().result;
    expect(await h.apps.update(client.clientId, change)).toBe(true);
    expect(answer(await h.call({ method: 'GET', url: SITES_URL, token: accessToken }))).toEqual(
      envelope(Errors.ACCESS_TOKEN_INVALID),
    );
    const refreshed = await h.call({
      method: 'POST',
      url: `${TOKEN_URL}?grant_type=refresh_token&refresh_token=${refreshToken}&client_id=${client.clientId}&client_secret=${client.clientSecret}`,
    });
    expect(answer(refreshed)).toEqual(envelope(Errors.REFRESH_TOKEN_EXPIRED));
  });
});

import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { cryptoRandom } from '../src/domain/clock.js';
import { bucketKey, RATE_WINDOW_MS } from '../src/domain/rate-limiter.js';
import { createLogger } from '../src/logger.js';
import type { KyselyStore } from '../src/store/kysely-store.js';
import { answer, createHarness, OMADAC_ID, tableCounts, type Harness } from './helpers.js';

/**
 * The token endpoint's abuse limits (CONTRACT §2: 429 with −7132): fixed one-minute windows
 * counted in the database, per client id and per remote address, shared by every instance.
 */

const TOO_MANY = {
  status: 429,
  body: { errorCode: -7132, msg: 'Our server is receiving too many requests now. Please try again later.' },
};
const TOKEN_URL = '/openapi/authorize/token';

type Credentials = { clientId: string; clientSecret: string };

/** A client-credentials grant for `client` from `address`, on `app`. */
function grant(app: FastifyInstance, client: Credentials, address = '203.0.113.7', secret = client.clientSecret) {
  return app.inject({
    method: 'POST',
    url: `${TOKEN_URL}?grant_type=client_credentials`,
    remoteAddress: address,
    payload: { omadacId: OMADAC_ID, client_id: client.clientId, client_secret: secret },
  });
}

const codeOf = (response: LightMyRequestResponse) => response.json().errorCode as number;

/** The rows of the counters table, oldest window first. */
async function counters(store: KyselyStore) {
  return store.db.selectFrom('rate_limits').selectAll().orderBy('window_start').orderBy('bucket_key').execute();
}

let harnesses: Harness[] = [];
let extraApps: { app: FastifyInstance; store: KyselyStore }[] = [];
afterEach(async () => {
  for (const { app, store } of extraApps) {
    await app.close();
    await store.close();
  }
  for (const h of harnesses) await h.close();
  harnesses = [];
  extraApps = [];
});

async function harness(perClient: number, perAddress: number): Promise<Harness> {
  const h = await createHarness({ tokenRateLimitPerClient: perClient, tokenRateLimitPerAddress: perAddress });
  harnesses.push(h);
  return h;
}

/** Another instance of the app on the harness's database: its own store, the same settings and clock. */
async function secondInstance(h: Harness): Promise<FastifyInstance> {
  const store = h.database.openAnother();
  const app = await buildApp({ store, clock: h.clock, random: cryptoRandom, logger: createLogger('silent'), settings: h.settings });
  extraApps.push({ app, store });
  return app;
}

describe('the token endpoint per client id', () => {
  it('lets requests through up to the limit, and answers the next with exactly the 429 envelope', async () => {
    const h = await harness(3, 0);
    const client = await h.newApp();
    for (let i = 1; i <= 3; i++) expect(codeOf(await grant(h.app, client)), `request ${i}`).toBe(0);
    const before = await tableCounts(h.store);
    expect(answer(await grant(h.app, client))).toEqual(TOO_MANY);
    expect(await tableCounts(h.store)).toEqual(before);
  });

  it('refuses before the client is looked up, so a flood costs no secret check', async () => {
    const h = await harness(1, 0);
    const client = await h.newApp();
    const lookups = vi.spyOn(h.store.apps, 'findByClientId');
    expect(codeOf(await grant(h.app, client))).toBe(0);
    expect(lookups).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 5; i++) expect(answer(await grant(h.app, client))).toEqual(TOO_MANY);
    expect(lookups).toHaveBeenCalledTimes(1);
  });

  it('counts failed attempts too: a wrong secret uses up the window like a right one', async () => {
    const h = await harness(2, 0);
    const client = await h.newApp();
    expect(codeOf(await grant(h.app, client, undefined, 'wrong'))).toBe(-44106);
    expect(codeOf(await grant(h.app, client, undefined, 'wrong'))).toBe(-44106);
    expect(answer(await grant(h.app, client))).toEqual(TOO_MANY);
  });

  it('leaves another client id alone', async () => {
    const h = await harness(2, 0);
    const [limited, other] = [await h.newApp(), await h.newApp()];
    await grant(h.app, limited);
    await grant(h.app, limited);
    expect(answer(await grant(h.app, limited))).toEqual(TOO_MANY);
    expect(codeOf(await grant(h.app, other))).toBe(0);
  });

  it('counts refresh grants against the client id they name', async () => {
    const h = await harness(2, 0);
    const client = await h.newApp();
    const { refreshToken } = (await grant(h.app, client)).json().result;
    const refresh = (token: string) =>
      h.app.inject({
        method: 'POST',
        url: `${TOKEN_URL}?grant_type=refresh_token&refresh_token=${token}&client_id=${client.clientId}&client_secret=${client.clientSecret}`,
      });
    expect(codeOf(await refresh(refreshToken))).toBe(0);
    expect(answer(await refresh('RT-whatever'))).toEqual(TOO_MANY);
  });

  it('lets requests through again once a new window begins', async () => {
    const h = await harness(2, 0);
    const client = await h.newApp();
    await grant(h.app, client);
    await grant(h.app, client);
    expect(answer(await grant(h.app, client))).toEqual(TOO_MANY);
    h.clock.advance(RATE_WINDOW_MS - 1);
    expect(answer(await grant(h.app, client))).toEqual(TOO_MANY);
    h.clock.advance(1);
    expect(codeOf(await grant(h.app, client))).toBe(0);
    expect(codeOf(await grant(h.app, client))).toBe(0);
    expect(answer(await grant(h.app, client))).toEqual(TOO_MANY);
  });

  it('counts exactly when 50 requests race', async () => {
    const h = await harness(20, 0);
    const client = await h.newApp();
    const answers = await Promise.all(Array.from({ length: 50 }, () => grant(h.app, client)));
    const codes = answers.map(codeOf);
    expect(codes.filter((code) => code === 0)).toHaveLength(20);
    expect(codes.filter((code) => code === -7132)).toHaveLength(30);
    const rows = await counters(h.store);
    expect(rows.map((row) => Number(row.hits))).toEqual([50]);
  });
});

describe('the token endpoint per remote address', () => {
  it('refuses an address past its limit whatever client id it names, and leaves other addresses alone', async () => {
    const h = await harness(0, 3);
    const clients = [await h.newApp(), await h.newApp(), await h.newApp(), await h.newApp()];
    for (const client of clients.slice(0, 3)) expect(codeOf(await grant(h.app, client, '198.51.100.1'))).toBe(0);
    expect(answer(await grant(h.app, clients[3]!, '198.51.100.1'))).toEqual(TOO_MANY);
    expect(codeOf(await grant(h.app, clients[3]!, '198.51.100.2'))).toBe(0);
    expect(codeOf(await grant(h.app, clients[3]!, '2001:db8::1'))).toBe(0);
  });

  it('counts requests that name no client, or the wrong grant, so they cannot probe for free', async () => {
    const h = await harness(5, 2);
    const empty = () =>
      h.app.inject({ method: 'POST', url: `${TOKEN_URL}?grant_type=password`, remoteAddress: '198.51.100.9' });
    expect(codeOf(await empty())).toBe(-44111);
    expect(codeOf(await empty())).toBe(-44111);
    expect(answer(await empty())).toEqual(TOO_MANY);
  });

  it('applies both limits: the tighter one refuses first', async () => {
    const h = await harness(2, 10);
    const client = await h.newApp();
    await grant(h.app, client, '198.51.100.3');
    await grant(h.app, client, '198.51.100.4');
    expect(answer(await grant(h.app, client, '198.51.100.5'))).toEqual(TOO_MANY);
  });
});

describe('the counters', () => {
  it('are shared by two app instances on one database', async () => {
    const h = await harness(5, 0);
    const other = await secondInstance(h);
    const client = await h.newApp();
    for (let i = 0; i < 3; i++) expect(codeOf(await grant(h.app, client))).toBe(0);
    for (let i = 0; i < 2; i++) expect(codeOf(await grant(other, client))).toBe(0);
    expect(answer(await grant(other, client))).toEqual(TOO_MANY);
    expect(answer(await grant(h.app, client))).toEqual(TOO_MANY);
  });

  it('count exactly when two instances race', async () => {
    const h = await harness(20, 0);
    const other = await secondInstance(h);
    const client = await h.newApp();
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => grant(i % 2 === 0 ? h.app : other, client)));
    expect(answers.map(codeOf).filter((code) => code === 0)).toHaveLength(20);
    expect((await counters(h.store)).map((row) => Number(row.hits))).toEqual([50]);
  });

  it('keep neither client ids nor addresses in clear', async () => {
    const h = await harness(5, 5);
    const client = await h.newApp();
    await grant(h.app, client, '198.51.100.77');
    const keys = (await counters(h.store)).map((row) => row.bucket_key).sort();
    expect(keys).toEqual(
      [
        bucketKey({ bucket: 'token-address', subject: '198.51.100.77' }),
        bucketKey({ bucket: 'token-client', subject: client.clientId }),
      ].sort(),
    );
    expect(JSON.stringify(keys)).not.toContain(client.clientId);
    expect(JSON.stringify(keys)).not.toContain('198.51.100.77');
  });

  it('forget windows older than the one before the current', async () => {
    const h = await harness(5, 0);
    const client = await h.newApp();
    await grant(h.app, client);
    h.clock.advance(RATE_WINDOW_MS);
    await grant(h.app, client);
    expect((await counters(h.store)).map((row) => Number(row.window_start))).toEqual([h.clock.now() - RATE_WINDOW_MS, h.clock.now()]);
    h.clock.advance(RATE_WINDOW_MS);
    await grant(h.app, client);
    expect((await counters(h.store)).map((row) => Number(row.window_start))).toEqual([h.clock.now() - RATE_WINDOW_MS, h.clock.now()]);
    h.clock.advance(10 * RATE_WINDOW_MS);
    await grant(h.app, client);
    expect((await counters(h.store)).map((row) => Number(row.window_start))).toEqual([h.clock.now()]);
  });

  it('are not touched at all while both limits are 0', async () => {
    const h = await harness(0, 0);
    const client = await h.newApp();
    for (let i = 0; i < 5; i++) expect(codeOf(await grant(h.app, client))).toBe(0);
    expect(await counters(h.store)).toEqual([]);
  });
});

describe('TOKEN_RATE_LIMIT_PER_CLIENT and TOKEN_RATE_LIMIT_PER_ADDRESS', () => {
  it('default to 60 and 120 token requests a minute', () => {
    expect(loadConfig({})).toMatchObject({ tokenRateLimitPerClient: 60, tokenRateLimitPerAddress: 120 });
  });

  it('take 0 to turn a limit off', () => {
    expect(loadConfig({ TOKEN_RATE_LIMIT_PER_CLIENT: '0', TOKEN_RATE_LIMIT_PER_ADDRESS: '0' })).toMatchObject({
      tokenRateLimitPerClient: 0,
      tokenRateLimitPerAddress: 0,
    });
  });

  it.each(['-1', 'ten', '1.5', '1000001'])('refuse %j, naming the variable', (value) => {
    expect(() => loadConfig({ TOKEN_RATE_LIMIT_PER_ADDRESS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ TOKEN_RATE_LIMIT_PER_ADDRESS: value })).toThrow(/TOKEN_RATE_LIMIT_PER_ADDRESS/);
  });
});

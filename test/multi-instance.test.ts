/**
 * Many instances on one database, as a production deployment behind a load balancer runs them:
 * two `node dist/server.js` processes on the same PostgreSQL database and schema, raced over
 * HTTP. Whatever one instance decides (a name taken, a cap reached, a refresh token spent, an app
 * deleted) holds on the other at once, because the database decides it, not the process.
 *
 * PostgreSQL only (SQLite is one file on one machine): it runs under `npm run test:pg`, in a fresh
 * database created for this file and dropped after it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, requireBuild, run, ServerProcess, tempDir } from './process-helpers.js';
import { TEST_DATABASE_URL } from './test-store.js';

const OMADAC_ID = 'abcdef0123456789abcdef0123456789';
const CLIENT_ID = 'multi-instance-client';
const CLIENT_SECRET = 'multi-instance-secret-not-for-production';
const VOUCHER_LIMIT = 1000;

const SITE = {
  region: 'United States',
  timeZone: 'UTC',
  scenario: 'Office',
  deviceAccountSetting: { username: 'admin', password: 'Tr0ub4dor&3x' },
};
const group = (name: string, amount: number) => ({
  name,
  amount,
  codeLength: 8,
  codeForm: [0],
  limitType: 2,
  durationType: 0,
  duration: 60,
  timingType: 0,
  rateLimit: { mode: 0, customRateLimit: { downLimitEnable: false, upLimitEnable: false } },
  trafficLimitEnable: false,
  applyToAllPortals: true,
});

const DUPLICATED_GROUP_NAME = { errorCode: -42059, msg: 'Duplicated voucher group name.' };
const VOUCHER_LIMIT_REACHED = {
  errorCode: -42010,
  msg: 'The number of vouchers has reached the limit. New vouchers cannot be created.',
};
const SITE_NAME_EXISTS = { errorCode: -33101, msg: 'This name already exists. Please enter another name for this site.' };
const REFRESH_TOKEN_SPENT = {
  errorCode: -44114,
  msg: 'The refresh token has expired. Please re-initiate the authentication process to obtain the refresh token.',
};
const TOKEN_INVALID = { status: 401, body: { errorCode: -44113, msg: 'The Access Token is Invalid.' } };

interface Answer {
  readonly status: number;
  readonly body: { errorCode?: number; msg?: string; result?: Record<string, unknown> } & Record<string, unknown>;
}

/** The answers grouped by envelope without result, with how many times each came. */
function tally(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status, body } of answers) {
    const key = JSON.stringify({ status, errorCode: body.errorCode, msg: body.errorCode === 0 ? 'Success.' : body.msg });
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
const key = (status: number, envelope: { errorCode: number; msg: string }) => JSON.stringify({ status, ...envelope });
const SUCCESS_KEY = key(200, { errorCode: 0, msg: 'Success.' });

const pgName = (name: string) => (TEST_DATABASE_URL ? name : `${name} (skipped: DATABASE_URL is unset; npm run test:pg runs it)`);

describe.skipIf(!TEST_DATABASE_URL)('two instances on one PostgreSQL database', () => {
  const database = `voucherd_multi_${randomBytes(6).toString('hex')}`;
  let admin: pg.Client;
  let inspector: pg.Client;
  let url: string;
  let servers: [ServerProcess, ServerProcess];
  let accessToken: string;

  const env = () => ({
    DATA_DIR: tempDir(),
    DATABASE_URL: url,
    OMADAC_ID,
    BOOTSTRAP_CLIENT_ID: CLIENT_ID,
    BOOTSTRAP_CLIENT_SECRET: CLIENT_SECRET,
    VOUCHER_LIMIT_PER_SITE: String(VOUCHER_LIMIT),
    // The races send many token requests from one address in a minute; rate limits are not the subject here.
    TOKEN_RATE_LIMIT_PER_CLIENT: '0',
    TOKEN_RATE_LIMIT_PER_ADDRESS: '0',
  });
  const auth = (token = accessToken) => ({ authorization: `AccessToken=${token}` });
  /** The instance that takes the i-th request of a race: they alternate. */
  const on = (i: number) => servers[i % 2]!;
  const call = (i: number, method: string, path: string, body?: unknown, token?: string) =>
    on(i).request(method, path, { headers: auth(token), ...(body !== undefined && { body }) }) as Promise<Answer>;

  async function createSite(name: string): Promise<string> {
    const answer = await call(0, 'POST', `/openapi/v1/${OMADAC_ID}/sites`, { ...SITE, name });
    expect(answer.body.errorCode, JSON.stringify(answer)).toBe(0);
    return answer.body.result!.siteId as string;
  }

  beforeAll(async () => {
    requireBuild();
    admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`create database ${database}`);
    const target = new URL(TEST_DATABASE_URL!);
    target.pathname = `/${database}`;
    url = target.toString();
    inspector = new pg.Client({ connectionString: url });
    await inspector.connect();
    // Both start at once on an empty database: both migrate it and both ensure the bootstrap app.
    servers = (await Promise.all([ServerProcess.start(env()), ServerProcess.start(env())])) as [ServerProcess, ServerProcess];
    accessToken = (await servers[0].accessToken(OMADAC_ID, CLIENT_ID, CLIENT_SECRET)).accessToken;
  }, 45_000);

  afterAll(async () => {
    await cleanup(); // no server may hold the database any more
    await inspector?.end();
    if (admin) {
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
    }
  });

  it(pgName('both start together on the empty database and agree on one bootstrap app'), async () => {
    const { rows } = await inspector.query<{ n: string }>('select count(*) as n from apps where client_id = $1', [CLIENT_ID]);
    expect(Number(rows[0]!.n)).toBe(1);
    for (const server of servers) expect(server.child.exitCode).toBeNull();
  });

  it(pgName('50 creates of one voucher group name across both: exactly one succeeds, the rest answer -42059'), async () => {
    const siteId = await createSite('Race names');
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call(i, 'POST', `/openapi/v1/${OMADAC_ID}/sites/${siteId}/hotspot/voucher-groups`, group('Same name', 5)),
      ),
    );
    expect(tally(answers)).toEqual({ [SUCCESS_KEY]: 1, [key(200, DUPLICATED_GROUP_NAME)]: 49 });
    const { rows } = await inspector.query<{ groups: string; vouchers: string; voucher_count: number }>(
      `select (select count(*) from voucher_groups where site_id = $1) as groups,
              (select count(*) from vouchers where site_number = (select number from sites where id = $1)) as vouchers,
              (select voucher_count from sites where id = $1) as voucher_count`,
      [siteId],
    );
    expect(rows[0]).toEqual({ groups: '1', vouchers: '5', voucher_count: 5 });
  });

  it(pgName(`30 creates of 100 racing a cap of ${VOUCHER_LIMIT} across both: never past it, and the count adds up`), async () => {
    const siteId = await createSite('Race cap');
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call(i, 'POST', `/openapi/v1/${OMADAC_ID}/sites/${siteId}/hotspot/voucher-groups`, group(`Capped ${i}`, 100)),
      ),
    );
    expect(tally(answers)).toEqual({ [SUCCESS_KEY]: 10, [key(200, VOUCHER_LIMIT_REACHED)]: 20 });
    const created = answers.filter((answer) => answer.body.errorCode === 0).map((answer) => answer.body.result!.id as string);

    const { rows } = await inspector.query<{ id: string; total_count: number; vouchers: string }>(
      `select g.id, g.total_count, (select count(*) from vouchers v where v.group_id = g.id) as vouchers
         from voucher_groups g where g.site_id = $1`,
      [siteId],
    );
    expect(rows.map((row) => row.id).sort()).toEqual([...created].sort());
    for (const row of rows) expect({ total: row.total_count, vouchers: Number(row.vouchers) }).toEqual({ total: 100, vouchers: 100 });
    const site = await inspector.query<{ voucher_count: number; vouchers: string }>(
      'select voucher_count, (select count(*) from vouchers v where v.site_number = sites.number) as vouchers from sites where id = $1',
      [siteId],
    );
    expect(site.rows[0]).toEqual({ voucher_count: VOUCHER_LIMIT, vouchers: String(VOUCHER_LIMIT) });

    // Either instance lists the same ten groups.
    for (const i of [0, 1]) {
      const list = await call(i, 'GET', `/openapi/v1/${OMADAC_ID}/sites/${siteId}/hotspot/voucher-groups?page=1&pageSize=100`);
      expect(list.body.result!.totalRows).toBe(10);
    }
  });

  it(pgName('one refresh token sent to both at once gives exactly one new pair'), async () => {
    for (let round = 0; round < 10; round++) {
      const { refreshToken } = await on(round).accessToken(OMADAC_ID, CLIENT_ID, CLIENT_SECRET);
      const path = `/openapi/authorize/token?grant_type=refresh_token&refresh_token=${refreshToken}&client_id=${CLIENT_ID}&client_secret=${CLIENT_SECRET}`;
      const answers = (await Promise.all([0, 1].map((i) => on(i).request('POST', path)))) as Answer[];
      const granted = answers.filter((answer) => answer.body.errorCode === 0);
      expect(granted, JSON.stringify(answers)).toHaveLength(1);
      expect(answers.filter((answer) => answer.body.errorCode !== 0)).toEqual([{ status: 200, body: REFRESH_TOKEN_SPENT }]);
      // The new pair works on both.
      const pair = granted[0]!.body.result as { accessToken: string };
      for (const i of [0, 1]) {
        expect((await on(i).listSites(OMADAC_ID, pair.accessToken)).status).toBe(200);
      }
    }
  });

  it(pgName('a token issued by one instance is accepted by the other'), async () => {
    for (const [issuer, checker] of [[0, 1], [1, 0]] as const) {
      const { accessToken: token } = await servers[issuer].accessToken(OMADAC_ID, CLIENT_ID, CLIENT_SECRET);
      const answer = await servers[checker].listSites(OMADAC_ID, token);
      expect({ status: answer.status, errorCode: (answer.body as Answer['body']).errorCode }).toEqual({ status: 200, errorCode: 0 });
    }
  });

  it(pgName('an app deleted through the CLI while both run stops working on both at once (401 -44113)'), async () => {
    // Deleted by the CLI while both servers run.
    const created = await run(['apps', 'create', '--name', 'doomed', '--role', 'admin', '--json'], { DATA_DIR: tempDir(), DATABASE_URL: url });
    expect(created.code, created.stderr).toBe(0);
    const doomed = JSON.parse(created.stdout) as { clientId: string; clientSecret: string };
    const tokenA = (await servers[0].accessToken(OMADAC_ID, doomed.clientId, doomed.clientSecret)).accessToken;
    const tokenB = (await servers[1].accessToken(OMADAC_ID, doomed.clientId, doomed.clientSecret)).accessToken;
    for (const server of servers) {
      for (const token of [tokenA, tokenB]) expect((await server.listSites(OMADAC_ID, token)).status).toBe(200);
    }
    const deleted = await run(['apps', 'delete', doomed.clientId], { DATA_DIR: tempDir(), DATABASE_URL: url });
    expect(deleted, deleted.stderr).toMatchObject({ code: 0 });
    for (const server of servers) {
      for (const token of [tokenA, tokenB]) expect(await server.listSites(OMADAC_ID, token)).toEqual(TOKEN_INVALID);
    }
    // Credentials no longer exchange for a token either.
    expect((await servers[1].token(OMADAC_ID, doomed.clientId, doomed.clientSecret)).body).toMatchObject({ errorCode: -44106 });
  });

  it(pgName('an app whose role the CLI changes loses its tokens on both instances at once'), async () => {
    const created = await run(['apps', 'create', '--name', 'demoted', '--role', 'admin', '--json'], { DATA_DIR: tempDir(), DATABASE_URL: url });
    expect(created.code, created.stderr).toBe(0);
    const app = JSON.parse(created.stdout) as { clientId: string; clientSecret: string };
    const token = (await servers[0].accessToken(OMADAC_ID, app.clientId, app.clientSecret)).accessToken;
    expect((await servers[1].listSites(OMADAC_ID, token)).status).toBe(200);
    const updated = await run(['apps', 'update', app.clientId, '--role', 'viewer'], { DATA_DIR: tempDir(), DATABASE_URL: url });
    expect(updated.code, updated.stderr).toBe(0);
    for (const server of servers) expect(await server.listSites(OMADAC_ID, token)).toEqual(TOKEN_INVALID);
  });

  it(pgName('20 site creates with one name across both: exactly one succeeds, the rest answer -33101'), async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(i, 'POST', `/openapi/v1/${OMADAC_ID}/sites`, { ...SITE, name: 'Same site' })),
    );
    expect(tally(answers)).toEqual({ [SUCCESS_KEY]: 1, [key(200, SITE_NAME_EXISTS)]: 19 });
    const { rows } = await inspector.query<{ n: string; profiles: string }>(
      `select count(*) as n, (select count(*) from rate_limit_profiles p join sites s on s.id = p.site_id where s.name = $1) as profiles
         from sites where name = $1`,
      ['Same site'],
    );
    expect(rows[0]).toEqual({ n: '1', profiles: '1' });
  });

  it(pgName('20 clients redeeming one single-use voucher on both instances at once: exactly one gets in'), async () => {
    const siteId = await createSite('Race redemption');
    const created = await call(0, 'POST', `/openapi/v1/${OMADAC_ID}/sites/${siteId}/hotspot/voucher-groups`, {
      ...group('Single use', 1),
      limitType: 0,
      limitNum: 1,
    });
    const groupId = created.body.result!.id as string;
    const detail = await call(1, 'GET', `/openapi/v1/${OMADAC_ID}/sites/${siteId}/hotspot/voucher-groups/${groupId}?page=1&pageSize=1`);
    const code = (detail.body.result!.data as { code: string }[])[0]!.code;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(i, 'POST', '/portal/auth', {
          authType: 3,
          site: siteId,
          voucherCode: code,
          clientMac: `AA-BB-CC-DD-EE-${String(i).padStart(2, '0')}`,
        }),
      ),
    );
    const USER_LIMIT = { errorCode: -41505, msg: 'The number of users of this voucher has reached the limit.' };
    expect(tally(answers)).toEqual({
      [SUCCESS_KEY]: 1,
      [key(200, USER_LIMIT)]: 19,
    });
    const { rows: redeemed } = await inspector.query<{ used: number; sessions: string; clients: string }>(
      `select v.used, (select count(*) from sessions s where s.voucher_id = v.id) as sessions,
              (select count(*) from voucher_clients c where c.voucher_id = v.id)
                + (select count(*) from voucher_first_clients f where f.voucher_id = v.id) as clients
         from vouchers v where v.group_id = $1`,
      [groupId],
    );
    expect(redeemed).toEqual([{ used: 1, sessions: '1', clients: '1' }]);
  });
});

/**
 * The database going away. A request that fails because the database cannot be reached (refused,
 * cut, restarting, a failing or full disk, a lock held too long) answers HTTP 503 with the envelope
 * {"errorCode": -1, "msg": "Service unavailable: database unavailable."} instead of a 500, the
 * process survives it, and once the database is back the server serves again by itself.
 *
 * In process on both backends: the mapping from each driver failure to 503 (and of the rest to
 * 500). As processes, PostgreSQL only: a voucherd on a PostgreSQL server of the test's own, which
 * the test stops (`pg_ctl stop -m fast`) and starts again under it.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { answer, createHarness, OMADAC_ID, type Harness } from './helpers.js';
import { PgCluster, postgresBin } from './pg-cluster.js';
import { cleanup, requireBuild, ServerProcess, tempDir } from './process-helpers.js';
import { TEST_DATABASE_URL } from './test-store.js';

const UNAVAILABLE = { status: 503, body: { errorCode: -1, msg: 'Service unavailable: database unavailable.' } };
const INTERNAL = { status: 500, body: { errorCode: -1, msg: 'Internal server error.' } };

const failure = (message: string, fields: Record<string, unknown> = {}) => Object.assign(new Error(message), fields);

/** What the drivers throw when the database cannot be had: the cause is theirs, the answer 503. */
const UNAVAILABLE_FAILURES: [string, () => unknown][] = [
  ['ECONNREFUSED (PostgreSQL not listening)', () => failure('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED', syscall: 'connect' })],
  ['ECONNRESET', () => failure('read ECONNRESET', { code: 'ECONNRESET' })],
  ['an AggregateError of refused addresses', () => Object.assign(new AggregateError([failure('connect ECONNREFUSED ::1:5432', { code: 'ECONNREFUSED' })], ''), { code: 'ECONNREFUSED' })],
  ['57P01 admin_shutdown', () => failure('terminating connection due to administrator command', { code: '57P01', severity: 'FATAL' })],
  ['57P02 crash_shutdown', () => failure('terminating connection because of crash of another server process', { code: '57P02' })],
  ['57P03 cannot_connect_now', () => failure('the database system is starting up', { code: '57P03' })],
  ['08006 connection_failure', () => failure('connection failure', { code: '08006' })],
  ['08P01 protocol_violation', () => failure('protocol violation', { code: '08P01' })],
  ['Connection terminated unexpectedly', () => failure('Connection terminated unexpectedly')],
  ['Connection terminated due to connection timeout', () => failure('Connection terminated due to connection timeout', { cause: failure('Connection terminated unexpectedly') })],
  ['a client not queryable after its connection broke', () => failure('Client has encountered a connection error and is not queryable')],
  ['the pool timing out', () => failure('timeout exceeded when trying to connect')],
  ['SQLITE_BUSY that outlasted the retries', () => failure('database is locked', { code: 'SQLITE_BUSY' })],
  ['SQLITE_IOERR_WRITE', () => failure('disk I/O error', { code: 'SQLITE_IOERR_WRITE' })],
  ['SQLITE_CANTOPEN', () => failure('unable to open database file', { code: 'SQLITE_CANTOPEN' })],
  ['SQLITE_FULL', () => failure('database or disk is full', { code: 'SQLITE_FULL' })],
];

/** Failures that are not the database being away: a bug or a refused statement stays a 500. */
const INTERNAL_FAILURES: [string, () => unknown][] = [
  ['a plain Error', () => new Error('something broke')],
  ['a TypeError', () => new TypeError("Cannot read properties of undefined (reading 'id')")],
  ['SQLITE_CONSTRAINT_FOREIGNKEY', () => failure('FOREIGN KEY constraint failed', { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' })],
  ['SQLITE_ERROR', () => failure('no such table: sites', { code: 'SQLITE_ERROR' })],
  ['42P01 undefined_table', () => failure('relation "sites" does not exist', { code: '42P01' })],
  ['57014 query_canceled (statement timeout)', () => failure('canceling statement due to statement timeout', { code: '57014' })],
];

describe('a request that fails for want of the database', () => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await createHarness();
    token = await h.token('admin');
  });
  afterAll(() => h.close());
  afterEach(() => vi.restoreAllMocks());

  const listSites = () => h.call({ method: 'GET', url: `/openapi/v1/${OMADAC_ID}/sites?page=1&pageSize=10`, token });

  it.each(UNAVAILABLE_FAILURES)('answers 503 with the envelope on %s', async (_name, make) => {
    vi.spyOn(h.store.sites, 'list').mockRejectedValue(make());
    expect(answer(await listSites())).toEqual(UNAVAILABLE);
  });

  it.each(INTERNAL_FAILURES)('still answers 500 on %s', async (_name, make) => {
    vi.spyOn(h.store.sites, 'list').mockRejectedValue(make());
    expect(answer(await listSites())).toEqual(INTERNAL);
  });

  it('answers 503 when the failure comes while checking the access token, before any route runs', async () => {
    vi.spyOn(h.store.tokens, 'findAccess').mockRejectedValue(failure('connect ECONNREFUSED', { code: 'ECONNREFUSED' }));
    expect(answer(await listSites())).toEqual(UNAVAILABLE);
  });

  it('answers 503 on the token endpoint too', async () => {
    vi.spyOn(h.store.apps, 'findByClientId').mockRejectedValue(failure('database is locked', { code: 'SQLITE_BUSY' }));
    const response = await h.call({
      method: 'POST',
      url: '/openapi/authorize/token?grant_type=client_credentials',
      payload: { omadacId: OMADAC_ID, client_id: 'someone', client_secret: 'something' },
    });
    expect(answer(response)).toEqual(UNAVAILABLE);
  });

  it('logs the cause, names no detail in the answer, and serves again once the database answers', async () => {
    vi.spyOn(h.store.sites, 'list').mockRejectedValueOnce(failure('connect ECONNREFUSED 10.9.8.7:5432', { code: 'ECONNREFUSED' }));
    const refused = await listSites();
    expect(refused.body).not.toContain('10.9.8.7');
    expect(h.logs()).toContain('database unavailable');
    expect(h.logs()).toContain('ECONNREFUSED');
    expect(answer(await listSites())).toMatchObject({ status: 200, body: { errorCode: 0 } });
  });
});

// ---- a real PostgreSQL server stopped and started under a running voucherd ---------------------

const CLIENT_ID = 'faults-client';
const CLIENT_SECRET = 'faults-secret-not-for-production';
const SITE = {
  name: 'Faults Site',
  region: 'United States',
  timeZone: 'UTC',
  scenario: 'Office',
  deviceAccountSetting: { username: 'admin', password: 'Tr0ub4dor&3x' },
};

const HAVE_BIN = postgresBin() !== undefined;
const pgName = (name: string) =>
  !TEST_DATABASE_URL
    ? `${name} (skipped: DATABASE_URL is unset; npm run test:pg runs it)`
    : !HAVE_BIN
      ? `${name} (skipped: PostgreSQL's server binaries are missing; set PG_BIN)`
      : name;

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe.skipIf(!TEST_DATABASE_URL || !HAVE_BIN)('PostgreSQL stopped and started under a running voucherd', () => {
  let cluster: PgCluster;
  let server: ServerProcess;
  let token: string;
  let siteId: string;

  beforeAll(async () => {
    requireBuild();
    cluster = await PgCluster.create();
    server = await ServerProcess.start({
      DATA_DIR: tempDir(),
      DATABASE_URL: cluster.url,
      OMADAC_ID,
      BOOTSTRAP_CLIENT_ID: CLIENT_ID,
      BOOTSTRAP_CLIENT_SECRET: CLIENT_SECRET,
    });
    token = (await server.accessToken(OMADAC_ID, CLIENT_ID, CLIENT_SECRET)).accessToken;
    const created = await server.request('POST', `/openapi/v1/${OMADAC_ID}/sites`, {
      headers: { authorization: `AccessToken=${token}` },
      body: SITE,
    });
    siteId = (created.body as { result: { siteId: string } }).result.siteId;
  }, 50_000);

  afterAll(async () => {
    await cleanup();
    await cluster?.destroy();
  });

  const listSites = () => server.listSites(OMADAC_ID, token);
  const alive = () => expect({ exitCode: server.child.exitCode, signal: server.child.signalCode }).toEqual({ exitCode: null, signal: null });

  /** Polls `call` until it answers 200; answers how long that took. */
  async function until200(call: () => Promise<{ status: number }>, ms: number): Promise<number> {
    const start = Date.now();
    for (;;) {
      const { status } = await call();
      if (status === 200) return Date.now() - start;
      if (Date.now() - start > ms) throw new Error(`still ${status} after ${ms} ms:\n${server.output.slice(-4000)}`);
      await sleep(100);
    }
  }

  it(pgName('answers 503 while PostgreSQL is down, without crashing, and recovers by itself once it is back'), async () => {
    expect(await listSites()).toMatchObject({ status: 200, body: { errorCode: 0, result: { totalRows: 1 } } });
    expect((await server.request('GET', '/readyz')).status).toBe(200);

    await cluster.stop('fast');

    const started = Date.now();
    expect(await listSites()).toEqual(UNAVAILABLE);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await server.token(OMADAC_ID, CLIENT_ID, CLIENT_SECRET)).toEqual(UNAVAILABLE);
    expect(
      await server.request('POST', `/openapi/v1/${OMADAC_ID}/sites`, {
        headers: { authorization: `AccessToken=${token}` },
        body: { ...SITE, name: 'While down' },
      }),
    ).toEqual(UNAVAILABLE);
    expect(await server.request('GET', '/readyz')).toEqual(UNAVAILABLE);
    // Alive all along: liveness does not need the database.
    expect(await server.request('GET', '/healthz')).toEqual({ status: 200, body: { errorCode: 0, msg: 'Success.' } });
    await sleep(200);
    alive();

    await cluster.start();

    const recoveredMs = await until200(listSites, 10_000);
    expect(await listSites()).toMatchObject({ status: 200, body: { errorCode: 0, result: { totalRows: 1, data: [{ siteId }] } } });
    expect(await server.request('GET', '/readyz')).toEqual({ status: 200, body: { errorCode: 0, msg: 'Success.' } });
    // The token issued before the outage still works, and a new one can be had.
    expect((await server.accessToken(OMADAC_ID, CLIENT_ID, CLIENT_SECRET)).accessToken).toMatch(/^AT-/);
    alive();
    console.log(`database-faults: served again ${recoveredMs} ms after PostgreSQL was back`);
  }, 50_000);

  /**
   * Starts a site list that waits on a lock another session holds, so the request sits on a
   * checked-out connection; answers the pending request, the PostgreSQL pid serving it, and the
   * session holding the lock.
   */
  async function requestWaitingInTheDatabase() {
    const blocker = new pg.Client({ connectionString: cluster.url });
    blocker.on('error', () => {});
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query('lock table sites in access exclusive mode');
    const pending = listSites();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { rows } = await blocker.query<{ pid: number }>(
        "select pid from pg_stat_activity where wait_event_type = 'Lock' and pid <> pg_backend_pid()",
      );
      if (rows.length > 0) return { pending, pid: rows[0]!.pid, blocker };
      if (Date.now() > deadline) throw new Error('the request never waited on the lock');
      await sleep(50);
    }
  }

  it(pgName('answers 503 to a request whose connection is ended while it waits inside the database'), async () => {
    const { pending, blocker } = await requestWaitingInTheDatabase();
    await cluster.stop('fast');
    expect(await pending).toEqual(UNAVAILABLE);
    await blocker.end().catch(() => undefined);
    await sleep(200);
    alive();

    await cluster.start();
    await until200(listSites, 10_000);
    alive();
  }, 50_000);

  it(pgName('answers 503 to a request whose PostgreSQL backend is killed under it, and recovers'), async () => {
    // SIGKILL: the connection closes without a word, and PostgreSQL restarts every session.
    const { pending, pid, blocker } = await requestWaitingInTheDatabase();
    process.kill(pid, 'SIGKILL');
    expect(await pending).toEqual(UNAVAILABLE);
    await blocker.end().catch(() => undefined);
    await sleep(200);
    alive();
    await until200(listSites, 15_000);
    expect(await server.request('GET', '/readyz')).toEqual({ status: 200, body: { errorCode: 0, msg: 'Success.' } });
    alive();
  }, 50_000);
});

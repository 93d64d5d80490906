/**
 * Several processes writing one SQLite file: the server and the CLI (and a backup) run side by
 * side on DATA_DIR. SQLITE_BUSY ("database is locked") must never reach a client: transactions
 * begin with BEGIN IMMEDIATE, so a writer waits for the lock (busy_timeout, 5 s) instead of
 * failing at once, and a statement that still meets SQLITE_BUSY is retried a bounded number of
 * times (src/store/sqlite-driver.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KyselyStore } from '../src/store/kysely-store.js';
import { openSqlite, SQLITE_FILE } from '../src/store/open-store.js';
import { cleanup, requireBuild, ROOT, run, ServerProcess, tempDir } from './process-helpers.js';
import { TEST_DATABASE_URL } from './test-store.js';

describe('SQLite transactions', () => {
  let dir: string;
  let file: string;
  let store: KyselyStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'voucherd-writers-'));
    file = join(dir, SQLITE_FILE);
    store = openSqlite(file);
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Whether another connection could take the write lock right now, without waiting. */
  function writeLockFree(): boolean {
    const other = new BetterSqlite3(file, { timeout: 0 });
    try {
      other.exec('begin immediate');
      other.exec('rollback');
      return true;
    } catch (error) {
      expect((error as { code?: string }).code).toBe('SQLITE_BUSY');
      return false;
    } finally {
      other.close();
    }
  }

  it('take the write lock when they begin (BEGIN IMMEDIATE), before their first statement', async () => {
    expect(writeLockFree()).toBe(true);
    const trx = await store.db.startTransaction().execute();
    expect(writeLockFree()).toBe(false);
    await trx.commit().execute();
    expect(writeLockFree()).toBe(true);
  });

  it('release the lock when they roll back', async () => {
    await expect(
      store.db.transaction().execute(async (trx) => {
        await trx.insertInto('settings').values({ key: 'k', value: 'v' }).execute();
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(writeLockFree()).toBe(true);
    expect(await store.db.selectFrom('settings').selectAll().where('key', '=', 'k').execute()).toEqual([]);
  });

  it('wait out a lock another process holds past busy_timeout, retrying rather than failing', async () => {
    // A process holds the write lock for 6.5 s: longer than one busy_timeout (5 s), less than two.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(process.argv[1]);
         db.exec('begin immediate');
         process.stdout.write('locked\\n');
         setTimeout(() => { db.exec('commit'); db.close(); }, 6500);`,
        file,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((done) => holder.once('close', done));
    await new Promise<void>((done, fail) => {
      holder.stdout.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('locked') && done());
      holder.once('error', fail);
    });
    const started = Date.now();
    await store.db.transaction().execute(async (trx) => {
      await trx.insertInto('settings').values({ key: 'after-the-lock', value: 'written' }).execute();
    });
    const waited = Date.now() - started;
    await exited;
    expect(waited).toBeGreaterThanOrEqual(5000);
    expect(await store.db.selectFrom('settings').select('value').where('key', '=', 'after-the-lock').execute()).toEqual([
      { value: 'written' },
    ]);
  }, 30_000);
});

// ---- the server and the CLI writing one file at once ------------------------------------------

const OMADAC_ID = 'fedcba9876543210fedcba9876543210';
const CLIENT_ID = 'writers-client';
const CLIENT_SECRET = 'writers-secret-not-for-production';
const CLI_PROCESSES = 4;
const CLI_CREATES = 10;
/** On a slow machine the CLI loops stop starting creates after this long (each having done a few)... */
const CLI_BUDGET_MS = 20_000;
/** ...but each does at least this many. */
const CLI_CREATES_MIN = 3;
/** Site creates go on while the CLI runs, at least this many... */
const SITE_CREATES = 100;
/** ...and at most this many. */
const SITE_CREATES_MAX = 1000;
const HTTP_CONCURRENCY = 4;
/** Each HTTP writer pauses this long between creates, leaving the CPU to the CLI processes. */
const HTTP_PAUSE_MS = 50;

const processName = TEST_DATABASE_URL
  ? 'the server and CLI processes writing one SQLite file (skipped under DATABASE_URL: SQLite only, npm test runs it)'
  : `${CLI_PROCESSES} CLI processes x up to ${CLI_CREATES} apps create and a third writer while the server takes ${SITE_CREATES}+ site creates: all succeed`;

/**
 * A process writing one row of `settings` about every millisecond until its stdin ends, then
 * printing {"writes","errors"}: a stand-in for a busy second writer. With deferred transactions,
 * its commits land between the read and the first write of the server's transactions often enough
 * to fail them (SQLITE_BUSY_SNAPSHOT, which busy_timeout does not wait out).
 */
function startHammer(file: string) {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const db = new (require('better-sqlite3'))(process.argv[1], { timeout: 5000 });
       const put = db.prepare("insert into settings (key, value) values ('writers-test', ?) on conflict (key) do update set value = excluded.value");
       let writes = 0, stopped = false;
       const errors = [];
       process.stdin.on('end', () => (stopped = true)).resume();
       const tick = () => {
         if (stopped) { db.close(); process.stdout.write(JSON.stringify({ writes, errors })); return; }
         try { put.run(String(writes)); writes++; } catch (error) { errors.push(error.code + ': ' + error.message); }
         setTimeout(tick, 1);
       };
       tick();`,
      file,
    ],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const closed = new Promise<void>((done) => child.once('close', () => done()));
  return {
    async stop(): Promise<{ writes: number; errors: string[] }> {
      child.stdin.end();
      await closed;
      return JSON.parse(stdout) as { writes: number; errors: string[] };
    },
  };
}

describe.skipIf(TEST_DATABASE_URL)('the server and CLI processes writing one SQLite file at once', () => {
  beforeAll(() => requireBuild());
  afterAll(cleanup);

  it(processName, async () => {
    const dataDir = tempDir();
    const env = { DATA_DIR: dataDir, OMADAC_ID, BOOTSTRAP_CLIENT_ID: CLIENT_ID, BOOTSTRAP_CLIENT_SECRET: CLIENT_SECRET };
    const server = await ServerProcess.start(env);
    const { accessToken } = await server.accessToken(OMADAC_ID, CLIENT_ID, CLIENT_SECRET);

    const cliOutput: string[] = [];
    const cliFailures: string[] = [];
    const clientIds: string[] = [];
    let cliRuns = 0;
    const cliDeadline = Date.now() + CLI_BUDGET_MS;
    const cliLoop = async (loop: number) => {
      for (let i = 0; i < CLI_CREATES && (i < CLI_CREATES_MIN || Date.now() < cliDeadline); i++) {
        cliRuns++;
        const result = await run(['apps', 'create', '--name', `writer ${loop}-${i}`, '--role', 'viewer', '--json'], { DATA_DIR: dataDir });
        cliOutput.push(result.stdout, result.stderr);
        if (result.code !== 0) cliFailures.push(`exit ${result.code}: ${result.stderr}`);
        else clientIds.push((JSON.parse(result.stdout) as { clientId: string }).clientId);
      }
    };

    const answers: { status: number; body: unknown }[] = [];
    let next = 0;
    let cliDone = false;
    // Writes over HTTP go on for as long as the CLI processes write, so the two always contend.
    const httpWorker = async () => {
      while (next < SITE_CREATES_MAX && (next < SITE_CREATES || !cliDone)) {
        const n = next++;
        answers.push(
          await server.request('POST', `/openapi/v1/${OMADAC_ID}/sites`, {
            headers: { authorization: `AccessToken=${accessToken}` },
            body: {
              name: `Writer site ${n}`,
              region: 'United States',
              timeZone: 'UTC',
              scenario: 'Office',
              deviceAccountSetting: { username: 'admin', password: 'Tr0ub4dor&3x' },
            },
          }),
        );
        await new Promise((done) => setTimeout(done, HTTP_PAUSE_MS));
      }
    };

    const hammer = startHammer(join(dataDir, SQLITE_FILE));
    const started = Date.now();
    await Promise.all([
      Promise.all(Array.from({ length: CLI_PROCESSES }, (_, loop) => cliLoop(loop))).finally(() => (cliDone = true)),
      ...Array.from({ length: HTTP_CONCURRENCY }, () => httpWorker()),
    ]);
    const elapsed = Date.now() - started;
    const hammered = await hammer.stop();

    expect(hammered.errors).toEqual([]);
    expect(hammered.writes).toBeGreaterThan(0);
    expect(cliFailures).toEqual([]);
    expect(clientIds).toHaveLength(cliRuns);
    expect(cliRuns).toBeGreaterThanOrEqual(CLI_PROCESSES * CLI_CREATES_MIN);
    const refused = answers.filter((a) => a.status !== 200 || (a.body as { errorCode?: number }).errorCode !== 0);
    expect(refused).toEqual([]);
    expect(answers.length).toBeGreaterThanOrEqual(SITE_CREATES);
    for (const text of [...cliOutput, server.output]) {
      expect(text).not.toMatch(/database is locked|SQLITE_BUSY/i);
    }
    expect(server.logLines().filter((line) => typeof line.status === 'number' && line.status >= 500)).toEqual([]);

    // Everything written is there, read by yet another process.
    const listed = await run(['apps', 'list', '--json'], { DATA_DIR: dataDir });
    const apps = JSON.parse(listed.stdout) as { clientId: string }[];
    expect(apps.map((app) => app.clientId)).toEqual(expect.arrayContaining([CLIENT_ID, ...clientIds]));
    expect(apps).toHaveLength(1 + cliRuns);
    const sites = await server.request('GET', `/openapi/v1/${OMADAC_ID}/sites?page=1&pageSize=1`, {
      headers: { authorization: `AccessToken=${accessToken}` },
    });
    expect((sites.body as { result: { totalRows: number } }).result.totalRows).toBe(answers.length);
    console.log(
      `sqlite-writers: ${cliRuns} CLI creates, ${answers.length} site creates and ` +
        `${hammered.writes} writes of a third process in ${elapsed} ms`,
    );
  }, 55_000);
});

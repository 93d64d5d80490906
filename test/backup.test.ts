/**
 * `voucherd backup --out FILE` as a process, alongside a running server on the same DATA_DIR,
 * and the restore path README.md gives: stop, replace voucherd.db, remove -wal/-shm, start.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MINIMAL_GROUP } from './helpers.js';
import { cleanup, requireBuild, run, ServerProcess, tempDir } from './process-helpers.js';

const admin = { id: 'backup-admin', secret: `backup-admin-${randomBytes(12).toString('hex')}` };
const SITE = {
  region: 'United States',
  timeZone: 'UTC',
  scenario: 'Restaurant',
  deviceAccountSetting: { username: 'admin', password: 'Tr0ub4dor&3x' },
};
const GROUP = { ...MINIMAL_GROUP, amount: 40, codeLength: 8 };

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** What a backup file holds, read the way an operator would: straight from the file. */
function contents(file: string) {
  const database = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    return {
      integrity: database.pragma('integrity_check', { simple: true }),
      journalMode: database.pragma('journal_mode', { simple: true }),
      sites: (database.prepare('select name from sites order by name').all() as { name: string }[]).map((row) => row.name),
      apps: database.prepare('select client_id, name, role from apps').all() as object[],
      vouchers: (database.prepare('select count(*) as n from vouchers').get() as { n: number }).n,
    };
  } finally {
    database.close();
  }
}

beforeAll(() => requireBuild());

describe('voucherd backup while the server runs on the same DATA_DIR', () => {
  let env: Record<string, string>;
  let server: ServerProcess;
  let omadacId: string;
  let auth: Record<string, string>;

  const createSite = async (name: string) => {
    const created = await server.request('POST', `/openapi/v1/${omadacId}/sites`, { headers: auth, body: { ...SITE, name } });
    expect(created).toMatchObject({ status: 200, body: { errorCode: 0 } });
    return (created.body as { result: { siteId: string } }).result.siteId;
  };

  beforeAll(async () => {
    env = { DATA_DIR: tempDir(), BOOTSTRAP_CLIENT_ID: admin.id, BOOTSTRAP_CLIENT_SECRET: admin.secret };
    server = await ServerProcess.start(env, 'serve');
    omadacId = ((await server.request('GET', '/api/info')).body as { result: { omadacId: string } }).result.omadacId;
    const { accessToken } = await server.accessToken(omadacId, admin.id, admin.secret);
    auth = { authorization: `AccessToken=${accessToken}` };
  });
  afterAll(cleanup);

  it('copies the live database, sites, apps and vouchers, refuses to overwrite the copy without --force, and restores', async () => {
    const siteId = await createSite('Backup Cafe');
    const group = await server.request('POST', `/openapi/v1/${omadacId}/sites/${siteId}/hotspot/voucher-groups`, {
      headers: auth,
      body: { ...GROUP, name: 'Day pass' },
    });
    expect(group).toMatchObject({ status: 200, body: { errorCode: 0 } });
    const kiosk = await run(['apps', 'create', '--name', 'backup kiosk', '--role', 'viewer', '--json'], env);
    expect({ code: kiosk.code, stderr: kiosk.stderr }).toEqual({ code: 0, stderr: '' });
    const kioskId = (JSON.parse(kiosk.stdout) as { clientId: string }).clientId;

    const outDir = tempDir();
    const out = join(outDir, 'voucherd-backup.db');
    // The server keeps writing while the backup runs; the copy is one consistent snapshot.
    const [backup] = await Promise.all([
      run(['backup', '--out', out], env),
      (async () => {
        for (let i = 1; i <= 5; i++) await createSite(`Busy ${i}`);
      })(),
    ]);
    expect({ code: backup.code, stderr: backup.stderr }).toEqual({ code: 0, stderr: '' });
    expect(backup.stdout).toMatch(new RegExp(`^voucherd: backup written to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+ bytes\\)\\n$`));
    expect(readdirSync(outDir)).toEqual(['voucherd-backup.db']);
    if (process.platform !== 'win32') expect((statSync(out).mode & 0o777).toString(8)).toBe('600');

    const copy = contents(out);
    expect(copy).toMatchObject({ integrity: 'ok', journalMode: 'delete', vouchers: 40 });
    expect(copy.sites).toContain('Backup Cafe');
    expect(copy.apps).toHaveLength(2);
    expect(copy.apps).toEqual(
      expect.arrayContaining([
        { client_id: admin.id, name: expect.any(String), role: 'admin' },
        { client_id: kioskId, name: 'backup kiosk', role: 'viewer' },
      ]),
    );
    // Whatever the copy holds, it is a consistent prefix of what the server wrote.
    const busy = copy.sites.filter((name) => name.startsWith('Busy '));
    expect(busy).toEqual(['Busy 1', 'Busy 2', 'Busy 3', 'Busy 4', 'Busy 5'].slice(0, busy.length));

    // A second backup to the same file is refused and leaves the first alone.
    const before = sha256(out);
    expect(await run(['backup', '--out', out], env)).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: `voucherd: ${out} already exists; give --force to overwrite it.\n`,
    });
    expect(sha256(out)).toBe(before);
    expect(readdirSync(outDir)).toEqual(['voucherd-backup.db']);

    // The server did not notice.
    expect(await server.request('GET', '/readyz')).toEqual({ status: 200, body: { errorCode: 0, msg: 'Success.' } });

    // --force replaces it with a newer snapshot.
    await createSite('After First Backup');
    const forced = await run(['backup', '--out', out, '--force'], env);
    expect({ code: forced.code, stderr: forced.stderr }).toEqual({ code: 0, stderr: '' });
    expect(contents(out).sites).toContain('After First Backup');

    // Restore, as README.md says: stop, replace voucherd.db, remove -wal and -shm, start.
    await createSite('After Second Backup');
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    const live = join(env.DATA_DIR!, 'voucherd.db');
    copyFileSync(out, live);
    for (const suffix of ['-wal', '-shm']) rmSync(`${live}${suffix}`, { force: true });
    server = await ServerProcess.start(env, 'serve');
    const { accessToken } = await server.accessToken(omadacId, admin.id, admin.secret);
    auth = { authorization: `AccessToken=${accessToken}` };
    const page = await server.request('GET', `/openapi/v1/${omadacId}/sites?page=1&pageSize=100`, { headers: auth });
    const names = (page.body as { result: { data: { name: string }[] } }).result.data.map((entry) => entry.name);
    expect(names).toContain('Backup Cafe');
    expect(names).toContain('After First Backup');
    expect(names).not.toContain('After Second Backup');
  });
});

describe('voucherd backup refusals', () => {
  afterEach(cleanup);

  it('refuses when DATABASE_URL is set, pointing to pg_dump, and writes nothing', async () => {
    const outDir = tempDir();
    const out = join(outDir, 'copy.db');
    expect(await run(['backup', '--out', out], { DATA_DIR: tempDir(), DATABASE_URL: 'postgres://voucherd@localhost/voucherd' })).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: 'voucherd: DATABASE_URL is set: voucherd backup copies the SQLite database only; back up PostgreSQL with pg_dump.\n',
    });
    expect(existsSync(out)).toBe(false);
  });

  it('refuses when DATA_DIR holds no database, or --out is the live database, or --out is missing', async () => {
    const dataDir = tempDir();
    const out = join(tempDir(), 'copy.db');
    expect(await run(['backup', '--out', out], { DATA_DIR: dataDir })).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: `voucherd: there is no database to back up: ${join(dataDir, 'voucherd.db')} does not exist.\n`,
    });
    expect(existsSync(out)).toBe(false);

    expect((await run(['apps', 'list'], { DATA_DIR: dataDir })).code).toBe(0);
    const live = join(dataDir, 'voucherd.db');
    expect(await run(['backup', '--out', live, '--force'], { DATA_DIR: dataDir })).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: `voucherd: ${live} is the live database or one of its files; choose another --out.\n`,
    });

    const missing = await run(['backup'], { DATA_DIR: dataDir });
    expect({ code: missing.code, stdout: missing.stdout }).toEqual({ code: 1, stdout: '' });
    expect(missing.stderr).toMatch(/^error: required option '--out <file>' not specified\n/);
  });

  it('is listed in voucherd --help, and backup --help shows an example', async () => {
    const [top, own] = await Promise.all([run(['--help'], {}), run(['backup', '--help'], {})]);
    expect(top.stdout).toMatch(/^ {2}backup \[options\] +copy the SQLite database to a file/m);
    expect(own.stdout).toMatch(/^ {2}example: voucherd backup --out /m);
  });
});

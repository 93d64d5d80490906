/**
 * The CLI as a process: `node bin/voucherd.js apps …` against a temporary DATA_DIR, alone and
 * alongside a running server (`voucherd serve`) on the same database.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, HEX32, requireBuild, run, ServerProcess, tempDir, tokenAnswer, type TokenPair } from './process-helpers.js';

const ROLES_MESSAGE = 'voucherd: role must be one of admin, viewer, hotspot-operator.\n';
const INVALID_ACCESS_TOKEN = { status: 401, body: { errorCode: -44113, msg: 'The Access Token is Invalid.' } };
const CLIENT_INVALID = { status: 200, body: { errorCode: -44106, msg: 'The client id or client secret is invalid.' } };
const REFRESH_EXPIRED = {
  status: 200,
  body: {
    errorCode: -44114,
    msg: 'The refresh token has expired. Please re-initiate the authentication process to obtain the refresh token.',
  },
};

interface Credentials {
  clientId: string;
  clientSecret: string;
  omadacId: string;
}

interface ListedApp {
  clientId: string;
  name: string;
  role: string;
  sites: 'all' | string[];
  createdAt: number;
}

beforeAll(() => requireBuild());

/** `apps create … --json`, checked to print exactly one JSON object with exactly the three keys. */
async function create(env: Record<string, string>, ...args: string[]): Promise<Credentials> {
  const result = await run(['apps', 'create', ...args, '--json'], env);
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  const lines = result.stdout.split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toBe('');
  const credentials = JSON.parse(lines[0]!) as Credentials;
  expect(Object.keys(credentials).sort()).toEqual(['clientId', 'clientSecret', 'omadacId']);
  expect(credentials.clientId).toMatch(HEX32);
  expect(credentials.clientSecret).toMatch(HEX32);
  expect(credentials.omadacId).toMatch(HEX32);
  return credentials;
}

async function list(env: Record<string, string>): Promise<{ apps: ListedApp[]; stdout: string }> {
  const result = await run(['apps', 'list', '--json'], env);
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  return { apps: JSON.parse(result.stdout) as ListedApp[], stdout: result.stdout };
}

describe('voucherd apps, no server running', () => {
  afterEach(cleanup);

  it('create --json prints one JSON object {clientId, clientSecret, omadacId}; list shows the app and never a secret; delete removes it', async () => {
    const env = { DATA_DIR: tempDir() };
    const before = Date.now();
    const kiosk = await create(env, '--name', 'kiosk', '--role', 'hotspot-operator');
    const desk = await create(env, '--name', 'front desk', '--role', 'viewer', '--sites', 'all');
    expect(desk.omadacId).toBe(kiosk.omadacId);
    expect(desk.clientId).not.toBe(kiosk.clientId);

    const [listed, text] = await Promise.all([list(env), run(['apps', 'list'], env)]);
    expect(listed.apps).toEqual([
      { clientId: kiosk.clientId, name: 'kiosk', role: 'hotspot-operator', sites: 'all', createdAt: expect.any(Number) },
      { clientId: desk.clientId, name: 'front desk', role: 'viewer', sites: 'all', createdAt: expect.any(Number) },
    ]);
    for (const app of listed.apps) {
      expect(Object.keys(app).sort()).toEqual(['clientId', 'createdAt', 'name', 'role', 'sites']);
      expect(app.createdAt).toBeGreaterThanOrEqual(before - 1000);
      expect(app.createdAt).toBeLessThanOrEqual(Date.now());
    }
    expect({ code: text.code, stderr: text.stderr }).toEqual({ code: 0, stderr: '' });
    expect(text.stdout.trim().split('\n')).toHaveLength(2);
    expect(text.stdout).toContain(kiosk.clientId);
    expect(text.stdout).toContain(desk.clientId);
    for (const output of [listed.stdout, text.stdout, text.stderr]) {
      expect(output).not.toContain(kiosk.clientSecret);
      expect(output).not.toContain(desk.clientSecret);
    }

    expect(await run(['apps', 'delete', kiosk.clientId], env)).toEqual({ code: 0, signal: null, stdout: '', stderr: '' });
    expect((await list(env)).apps.map((app) => app.clientId)).toEqual([desk.clientId]);
  });

  it('create without --json prints the three values, one a line', async () => {
    const env = { DATA_DIR: tempDir() };
    const result = await run(['apps', 'create', '--name', 'plain', '--role', 'admin'], env);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^omadacId: +[0-9a-f]{32}\nclient_id: +[0-9a-f]{32}\nclient_secret: +[0-9a-f]{32}\n$/);
  });

  it('OMADAC_ID from the environment is the omadacId it prints', async () => {
    const omadacId = randomBytes(16).toString('hex');
    const credentials = await create({ DATA_DIR: tempDir(), OMADAC_ID: omadacId }, '--name', 'kiosk', '--role', 'viewer');
    expect(credentials.omadacId).toBe(omadacId);
  });

  it('refuses bad input with exit 1 and one line on stderr, and writes nothing', async () => {
    const env = { DATA_DIR: tempDir() };
    const app = await create(env, '--name', 'kiosk', '--role', 'hotspot-operator');
    const nobody = '0'.repeat(32);
    const cases: [string, string[], string][] = [
      ['an unknown role', ['apps', 'create', '--name', 'k', '--role', 'nope'], ROLES_MESSAGE],
      ['an unknown role on update', ['apps', 'update', app.clientId, '--role', 'root'], ROLES_MESSAGE],
      [
        'an ill-formed site id',
        ['apps', 'create', '--name', 'k', '--role', 'viewer', '--sites', 'abc'],
        'voucherd: sites must be "all" or site ids of 24 hexadecimal characters, got "abc".\n',
      ],
      [
        'an unknown site id',
        ['apps', 'create', '--name', 'k', '--role', 'viewer', '--sites', '0123456789abcdef01234567'],
        'voucherd: site 0123456789abcdef01234567 does not exist.\n',
      ],
      [
        'an unknown site id on update',
        ['apps', 'update', app.clientId, '--sites', '0123456789abcdef01234567'],
        'voucherd: site 0123456789abcdef01234567 does not exist.\n',
      ],
      [
        '"all" inside a list',
        ['apps', 'create', '--name', 'k', '--role', 'viewer', '--sites', 'all,0123456789abcdef01234567'],
        'voucherd: sites must be "all" or site ids of 24 hexadecimal characters, got "all".\n',
      ],
      ['an empty name', ['apps', 'create', '--name', '  ', '--role', 'viewer'], 'voucherd: name must contain 1 to 64 characters.\n'],
      ['deleting an unknown client id', ['apps', 'delete', nobody], `voucherd: no app with client id ${nobody}.\n`],
      ['updating an unknown client id', ['apps', 'update', nobody, '--role', 'viewer'], `voucherd: no app with client id ${nobody}.\n`],
      ['an update that changes nothing', ['apps', 'update', app.clientId], 'voucherd: nothing to change: give --role or --sites.\n'],
    ];
    // The database exists already (create made it), so these may run side by side.
    const results = await Promise.all(cases.map(([, args]) => run(args, env)));
    expect(results.map((result, index) => ({ case: cases[index]![0], ...result }))).toEqual(
      cases.map(([name, , stderr]) => ({ case: name, code: 1, signal: null, stdout: '', stderr })),
    );
    expect((await list(env)).apps).toEqual([
      { clientId: app.clientId, name: 'kiosk', role: 'hotspot-operator', sites: 'all', createdAt: expect.any(Number) },
    ]);
  });

  it('refuses an environment the server would refuse, --sites with nothing in it, and a missing --role', async () => {
    const env = { DATA_DIR: tempDir() };
    const [badPort, empty, noRole] = await Promise.all([
      run(['apps', 'list'], { ...env, PORT: 'abc' }),
      run(['apps', 'create', '--name', 'k', '--role', 'viewer', '--sites', ','], env),
      run(['apps', 'create', '--name', 'k'], env),
    ]);
    expect(badPort).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: 'voucherd: PORT must be an integer within 0-65535, got "abc".\n',
    });
    // commander's own refusals: its message, then the command's usage
    expect({ code: empty.code, stdout: empty.stdout }).toEqual({ code: 1, stdout: '' });
    expect(empty.stderr).toMatch(
      /^error: option '--sites <sites>' argument ',' is invalid\. expected "all" or site ids separated by commas\.\n/,
    );
    expect({ code: noRole.code, stdout: noRole.stdout }).toEqual({ code: 1, stdout: '' });
    expect(noRole.stderr).toMatch(/^error: required option '--role <role>' not specified\n/);
    expect((await list(env)).apps).toEqual([]);
  });
});

describe('voucherd --help', () => {
  it('npx voucherd --help, in the checkout, lists serve and apps', { timeout: 90_000 }, async () => {
    const result = await run(['--no', '--', 'voucherd', '--help'], {}, ['npx'], 80_000);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage: voucherd \[options\] \[command\]\n/);
    expect(result.stdout).toMatch(/^ {2}serve +run the server/m);
    expect(result.stdout).toMatch(/^ {2}apps +manage Open API apps/m);
  });

  it('apps --help lists create, list, update and delete', async () => {
    const result = await run(['apps', '--help'], {});
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    for (const command of ['create', 'list', 'update', 'delete']) expect(result.stdout).toMatch(new RegExp(`^ {2}${command}\\b`, 'm'));
  });
});

describe('voucherd apps while the server runs on the same DATA_DIR', () => {
  const admin = { id: 'cli-admin', secret: `cli-admin-${randomBytes(12).toString('hex')}` };
  let env: Record<string, string>;
  let server: ServerProcess;
  let omadacId: string;

  beforeAll(async () => {
    env = { DATA_DIR: tempDir(), BOOTSTRAP_CLIENT_ID: admin.id, BOOTSTRAP_CLIENT_SECRET: admin.secret };
    server = await ServerProcess.start(env, 'serve');
    const info = (await server.request('GET', '/api/info')).body as { result: { omadacId: string } };
    omadacId = info.result.omadacId;
  });
  afterAll(cleanup);

  it('an app created by the CLI gets a token from the running server', async () => {
    const app = await create(env, '--name', 'kiosk', '--role', 'hotspot-operator');
    expect(app.omadacId).toBe(omadacId);
    const answer = await server.token(app.omadacId, app.clientId, app.clientSecret);
    expect(answer).toEqual(tokenAnswer());
    const { accessToken } = (answer.body as { result: TokenPair }).result;
    expect(await server.listSites(omadacId, accessToken)).toEqual({
      status: 200,
      body: { errorCode: 0, msg: 'Success.', result: { totalRows: 0, currentPage: 1, currentSize: 10, data: [] } },
    });
  });

  it('apps update --role ends the app\'s tokens at once; a new token carries the new role', async () => {
    const app = await create(env, '--name', 'promoted', '--role', 'admin');
    const old = await server.accessToken(omadacId, app.clientId, app.clientSecret);
    expect((await server.listSites(omadacId, old.accessToken)).status).toBe(200);

    expect(await run(['apps', 'update', app.clientId, '--role', 'viewer'], env)).toEqual({
      code: 0,
      signal: null,
      stdout: '',
      stderr: '',
    });
    expect(await server.listSites(omadacId, old.accessToken)).toEqual(INVALID_ACCESS_TOKEN);
    expect(
      await server.request(
        'POST',
        `/openapi/authorize/token?grant_type=refresh_token&refresh_token=${old.refreshToken}&client_id=${app.clientId}&client_secret=${app.clientSecret}`,
      ),
    ).toEqual(REFRESH_EXPIRED);
    expect((await list(env)).apps.find((listed) => listed.clientId === app.clientId)).toEqual({
      clientId: app.clientId,
      name: 'promoted',
      role: 'viewer',
      sites: 'all',
      createdAt: expect.any(Number),
    });

    const fresh = await server.accessToken(omadacId, app.clientId, app.clientSecret);
    expect((await server.listSites(omadacId, fresh.accessToken)).status).toBe(200);
    expect(
      await server.request('POST', `/openapi/v1/${omadacId}/sites`, {
        headers: { authorization: `AccessToken=${fresh.accessToken}` },
        body: {
          name: 'Not for a viewer',
          region: 'United States',
          timeZone: 'UTC',
          scenario: 'Office',
          deviceAccountSetting: { username: 'admin', password: 'Tr0ub4dor&3x' },
        },
      }),
    ).toEqual({ status: 403, body: { errorCode: -1005, msg: 'Operation forbidden.' } });
  });

  it('apps delete ends the app\'s token at once, and its credentials stop working', async () => {
    const app = await create(env, '--name', 'short-lived', '--role', 'viewer');
    const { accessToken } = await server.accessToken(omadacId, app.clientId, app.clientSecret);
    expect((await server.listSites(omadacId, accessToken)).status).toBe(200);

    expect(await run(['apps', 'delete', app.clientId], env)).toEqual({ code: 0, signal: null, stdout: '', stderr: '' });
    expect(await server.listSites(omadacId, accessToken)).toEqual(INVALID_ACCESS_TOKEN);
    expect(await server.token(omadacId, app.clientId, app.clientSecret)).toEqual(CLIENT_INVALID);
    expect((await list(env)).apps.map((listed) => listed.clientId)).not.toContain(app.clientId);
  });

  it('--sites with an existing site scopes the app to it', async () => {
    const adminToken = await server.accessToken(omadacId, admin.id, admin.secret);
    const createSite = async (name: string) => {
      const created = await server.request('POST', `/openapi/v1/${omadacId}/sites`, {
        headers: { authorization: `AccessToken=${adminToken.accessToken}` },
        body: {
          name,
          region: 'United States',
          timeZone: 'UTC',
          scenario: 'Restaurant',
          deviceAccountSetting: { username: 'admin', password: 'Tr0ub4dor&3x' },
        },
      });
      expect(created).toEqual({
        status: 200,
        body: { errorCode: 0, msg: 'Success.', result: { siteId: expect.stringMatching(/^[0-9a-f]{24}$/) } },
      });
      return (created.body as { result: { siteId: string } }).result.siteId;
    };
    const siteId = await createSite('Harbour Cafe');
    await createSite('Other Cafe');

    const app = await create(env, '--name', 'cafe kiosk', '--role', 'hotspot-operator', '--sites', siteId);
    expect((await list(env)).apps.find((listed) => listed.clientId === app.clientId)).toEqual({
      clientId: app.clientId,
      name: 'cafe kiosk',
      role: 'hotspot-operator',
      sites: [siteId],
      createdAt: expect.any(Number),
    });
    const { accessToken } = await server.accessToken(omadacId, app.clientId, app.clientSecret);
    const page = await server.listSites(omadacId, accessToken);
    expect(page).toMatchObject({ status: 200, body: { errorCode: 0, msg: 'Success.', result: { totalRows: 1 } } });
    expect((page.body as { result: { data: { siteId: string }[] } }).result.data.map((site) => site.siteId)).toEqual([siteId]);
  });

  it('voucherd serve stops on SIGTERM with exit code 0', async () => {
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    expect(server.logLines().filter((line) => line.msg === 'voucherd stopping')).toEqual([
      expect.objectContaining({ signal: 'SIGTERM' }),
    ]);
  });
});

/**
 * The server as a process: `node dist/server.js` with a temporary DATA_DIR on 127.0.0.1 and an
 * OS-chosen port. Covers first-start credentials, bootstrap credentials, start-up refusals,
 * graceful stop, and that nothing secret reaches its output even at LOG_LEVEL=trace.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { request as httpRequest, Agent } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, HEX32, requireBuild, ServerProcess, tempDir, tokenAnswer, within, type TokenPair } from './process-helpers.js';

const TOKEN_PATH = '/openapi/authorize/token';
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

const INVALID_ACCESS_TOKEN = { status: 401, body: { errorCode: -44113, msg: 'The Access Token is Invalid.' } };
const EXPIRED_ACCESS_TOKEN = {
  status: 401,
  body: {
    errorCode: -44112,
    msg: 'The access token has expired. Please re-initiate the refreshToken process to obtain the access token.',
  },
};
const CLIENT_INVALID = { status: 200, body: { errorCode: -44106, msg: 'The client id or client secret is invalid.' } };
const REFRESH_EXPIRED = {
  status: 200,
  body: {
    errorCode: -44114,
    msg: 'The refresh token has expired. Please re-initiate the authentication process to obtain the refresh token.',
  },
};
const EMPTY_SITE_PAGE = {
  status: 200,
  body: { errorCode: 0, msg: 'Success.', result: { totalRows: 0, currentPage: 1, currentSize: 10, data: [] } },
};
const infoAnswer = (omadacId: string) => ({
  status: 200,
  body: {
    errorCode: 0,
    msg: 'Success.',
    result: { controllerVer: expect.any(String), apiVer: '3', configured: true, type: expect.any(Number), omadacId },
  },
});

beforeAll(() => requireBuild());
afterEach(cleanup);

describe('first start without apps or bootstrap credentials', () => {
  it('prints the credentials once, writes them to initial-credentials.json (0600), and they get a token', async () => {
    const dataDir = tempDir();
    const server = await ServerProcess.start({ DATA_DIR: dataDir });

    const printed = /^ {2}omadacId: +(\S+)\n {2}client_id: +(\S+)\n {2}client_secret: +(\S+)\n/m.exec(server.stdout);
    expect(printed, server.output).not.toBeNull();
    const [, omadacId, clientId, clientSecret] = printed as unknown as [string, string, string, string];
    expect(omadacId).toMatch(HEX32);
    expect(clientId).toMatch(HEX32);
    expect(clientSecret).toMatch(HEX32);
    // Shown exactly once, and never through the logger.
    expect(server.output.split(clientSecret)).toHaveLength(2);
    expect(server.stdout).toContain(`(a copy is in ${join(dataDir, 'initial-credentials.json')}, readable by this user only):`);
    expect(server.stderr).toBe('');

    const file = join(dataDir, 'initial-credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = readFileSync(file, 'utf8');
    expect(JSON.parse(saved)).toEqual({ clientId, clientSecret, omadacId });

    expect(await server.request('GET', '/api/info')).toEqual(infoAnswer(omadacId));
    const answer = await server.token(omadacId, clientId, clientSecret);
    expect(answer).toEqual(tokenAnswer());
    const { accessToken } = (answer.body as { result: TokenPair }).result;
    expect(await server.listSites(omadacId, accessToken)).toEqual(EMPTY_SITE_PAGE);
    expect(await server.stop()).toEqual({ code: 0, signal: null });

    // A second start on the same DATA_DIR: same controller, same app, nothing printed.
    const again = await ServerProcess.start({ DATA_DIR: dataDir });
    expect(again.stdout).not.toContain('client_secret');
    expect(again.output).not.toContain(clientSecret);
    expect(again.logLines().find((line) => line.msg === 'voucherd listening')?.omadacId).toBe(omadacId);
    expect(await again.request('GET', '/api/info')).toEqual(infoAnswer(omadacId));
    expect(readFileSync(file, 'utf8')).toBe(saved);
    expect(await again.token(omadacId, clientId, clientSecret)).toEqual(tokenAnswer());
    expect(await again.stop()).toEqual({ code: 0, signal: null });
  });
});

describe('BOOTSTRAP_CLIENT_ID and BOOTSTRAP_CLIENT_SECRET', () => {
  it('make an admin app with exactly those credentials, write no initial-credentials.json, and OMADAC_ID is the controller id', async () => {
    const dataDir = tempDir();
    const omadacId = hex(16);
    const clientId = `bootstrap-${hex(4)}`;
    const clientSecret = `s3cret-${hex(12)}`;
    const server = await ServerProcess.start({
      DATA_DIR: dataDir,
      OMADAC_ID: omadacId,
      BOOTSTRAP_CLIENT_ID: clientId,
      BOOTSTRAP_CLIENT_SECRET: clientSecret,
    });
    expect(existsSync(join(dataDir, 'initial-credentials.json'))).toBe(false);
    expect(server.stdout).not.toContain('client_secret');
    expect(await server.request('GET', '/api/info')).toEqual(infoAnswer(omadacId));
    const answer = await server.token(omadacId, clientId, clientSecret);
    expect(answer).toEqual(tokenAnswer());
    // admin: may create a site
    const created = await server.request('POST', `/openapi/v1/${omadacId}/sites`, {
      headers: { authorization: `AccessToken=${(answer.body as { result: TokenPair }).result.accessToken}` },
      body: {
        name: 'Bootstrap Cafe',
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
    expect(await server.stop()).toEqual({ code: 0, signal: null });

    // A restart with another secret for the same id replaces the secret.
    const rotated = `r0tated-${hex(12)}`;
    const again = await ServerProcess.start({
      DATA_DIR: dataDir,
      OMADAC_ID: omadacId,
      BOOTSTRAP_CLIENT_ID: clientId,
      BOOTSTRAP_CLIENT_SECRET: rotated,
    });
    expect(await again.token(omadacId, clientId, clientSecret)).toEqual(CLIENT_INVALID);
    expect(await again.token(omadacId, clientId, rotated)).toEqual(tokenAnswer());
    expect(existsSync(join(dataDir, 'initial-credentials.json'))).toBe(false);
    expect(await again.stop()).toEqual({ code: 0, signal: null });
  });
});

describe('a bad environment', () => {
  it('exits 2 with one line on stderr naming the variable, and touches nothing', async () => {
    const cases: [string, Record<string, string>, string][] = [
      ['PORT=abc', { PORT: 'abc' }, 'voucherd: PORT must be an integer within 0-65535, got "abc".'],
      ['PORT=70000', { PORT: '70000' }, 'voucherd: PORT must be an integer within 0-65535, got "70000".'],
      ['OMADAC_ID=xyz', { OMADAC_ID: 'xyz' }, 'voucherd: OMADAC_ID must be 32 lowercase hexadecimal characters.'],
      [
        'only BOOTSTRAP_CLIENT_ID',
        { BOOTSTRAP_CLIENT_ID: 'only-the-id' },
        'voucherd: BOOTSTRAP_CLIENT_ID and BOOTSTRAP_CLIENT_SECRET must be set together.',
      ],
      [
        'only BOOTSTRAP_CLIENT_SECRET',
        { BOOTSTRAP_CLIENT_SECRET: 'only-the-secret' },
        'voucherd: BOOTSTRAP_CLIENT_ID and BOOTSTRAP_CLIENT_SECRET must be set together.',
      ],
      ['LOG_LEVEL=loud', { LOG_LEVEL: 'loud' }, 'voucherd: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent.'],
      [
        'ACCESS_TOKEN_TTL_SECONDS=0',
        { ACCESS_TOKEN_TTL_SECONDS: '0' },
        'voucherd: ACCESS_TOKEN_TTL_SECONDS must be an integer within 1-31536000, got "0".',
      ],
    ];
    // Side by side: each process loads the whole server before it reads its environment.
    const outcomes = await Promise.all(
      cases.map(async ([name, env]) => {
        const dataDir = join(tempDir(), 'not-yet');
        const server = ServerProcess.spawn({ DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0', ...env });
        const exit = await within(server.exited, 15_000, () => `${name}: voucherd did not exit:\n${server.output}`);
        return { case: name, exit, stdout: server.stdout, stderr: server.stderr, dataDirMade: existsSync(dataDir) };
      }),
    );
    expect(outcomes).toEqual(
      cases.map(([name, , message]) => ({
        case: name,
        exit: { code: 2, signal: null },
        stdout: '',
        stderr: `${message}\n`,
        dataDirMade: false,
      })),
    );
  });

  it('a port already in use: exits 1 with one line on stderr', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const { port } = blocker.address() as { port: number };
    try {
      const server = ServerProcess.spawn({
        DATA_DIR: tempDir(),
        HOST: '127.0.0.1',
        PORT: String(port),
        BOOTSTRAP_CLIENT_ID: 'in-use',
        BOOTSTRAP_CLIENT_SECRET: 'in-use-secret',
      });
      const exit = await within(server.exited, 10_000, () => `voucherd did not exit:\n${server.output}`);
      expect({ exit, stdout: server.stdout, stderr: server.stderr }).toEqual({
        exit: { code: 1, signal: null },
        stdout: '',
        stderr: `voucherd: could not start: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`,
      });
    } finally {
      await new Promise((done) => blocker.close(done));
    }
  });
});

describe('stopping', () => {
  const bootstrap = () => ({ DATA_DIR: tempDir(), BOOTSTRAP_CLIENT_ID: 'stopper', BOOTSTRAP_CLIENT_SECRET: 'stopper-secret' });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s on an idle server: exit code 0 and "voucherd stopping"', async (signal) => {
    const server = await ServerProcess.start(bootstrap());
    expect(await server.stop(signal)).toEqual({ code: 0, signal: null });
    expect(server.logLines().filter((line) => line.msg === 'voucherd stopping')).toEqual([
      expect.objectContaining({ level: 30, signal }),
    ]);
    expect(server.stderr).toBe('');
  });

  it('SIGTERM lets a request in flight finish, then exits 0 promptly even though the client keeps its connection alive', async () => {
    const server = await ServerProcess.start(bootstrap());
    const omadacId = server.logLines().find((line) => line.msg === 'voucherd listening')!.omadacId as string;
    const body = JSON.stringify({ omadacId, client_id: 'stopper', client_secret: 'stopper-secret' });
    const half = Math.floor(body.length / 2);
    const agent = new Agent({ keepAlive: true });
    try {
      // Headers and half the body go out before SIGTERM, the rest after: the request is
      // in flight when the signal arrives, whatever the timing of this machine.
      const url = new URL(`${server.address}${TOKEN_PATH}?grant_type=client_credentials`);
      const answer = new Promise<{ status: number; body: unknown }>((resolveAnswer, reject) => {
        const request = httpRequest(
          url,
          { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (response) => {
            let text = '';
            response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
            response.on('end', () => resolveAnswer({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
            response.on('error', reject);
          },
        );
        request.on('error', reject);
        request.write(body.slice(0, half));
        setTimeout(() => {
          server.child.kill('SIGTERM');
          setTimeout(() => request.end(body.slice(half)), 100);
        }, 300);
      });
      expect(await answer).toEqual(tokenAnswer());
      const stoppedAt = Date.now();
      const exit = await within(server.exited, 5000, () => `voucherd did not exit within 5 s:\n${server.output}`);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - stoppedAt).toBeLessThan(5000);

      const lines = server.logLines();
      const stopping = lines.findIndex((line) => line.msg === 'voucherd stopping');
      const served = lines.findIndex((line) => line.msg === 'request' && line.path === TOKEN_PATH);
      expect(lines[stopping]).toMatchObject({ level: 30, signal: 'SIGTERM' });
      expect(lines[served]).toMatchObject({ method: 'POST', path: TOKEN_PATH, status: 200 });
      expect(served).toBeGreaterThan(stopping);
    } finally {
      agent.destroy();
    }
  });
});

describe('secrets never reach the output', () => {
  it('at LOG_LEVEL=trace, across grants, refreshes, failures, guarded calls and unknown paths', async () => {
    const omadacId = hex(16);
    const clientId = `leak-test-${hex(4)}`;
    const clientSecret = `Bootstrap-Secret-${hex(16)}`;
    const wrongSecret = `Wrong-Secret-${hex(16)}`;
    const forged = `AT-${randomBytes(24).toString('base64url').replace(/[-_]/g, 'x').slice(0, 32)}`;
    const forgedRefresh = `RT-${hex(16)}`;
    const ttl = 3;
    const server = await ServerProcess.start({
      DATA_DIR: tempDir(),
      LOG_LEVEL: 'trace',
      OMADAC_ID: omadacId,
      BOOTSTRAP_CLIENT_ID: clientId,
      BOOTSTRAP_CLIENT_SECRET: clientSecret,
      ACCESS_TOKEN_TTL_SECONDS: String(ttl),
    });
    const issued: string[] = [];
    const pairOf = (response: { status: number; body: unknown }) => {
      expect(response).toEqual(tokenAnswer(ttl));
      const pair = (response.body as { result: TokenPair }).result;
      issued.push(pair.accessToken, pair.refreshToken);
      return pair;
    };
    const auth = (value: string) => ({ authorization: value });
    const sitesPath = `/openapi/v1/${omadacId}/sites?page=1&pageSize=10`;
    let requests = 0;
    const call: ServerProcess['request'] = (...args) => {
      requests += 1;
      return server.request(...args);
    };

    // client credentials, then an immediate call with the fresh token
    const first = pairOf(
      await call('POST', `${TOKEN_PATH}?grant_type=client_credentials`, {
        body: { omadacId, client_id: clientId, client_secret: clientSecret },
      }),
    );
    expect(await call('GET', sitesPath, { headers: auth(`AccessToken=${first.accessToken}`) })).toEqual(EMPTY_SITE_PAGE);

    // refresh with everything in the query string, as the Omada guide does
    const query = (refreshToken: string, secret = clientSecret) =>
      `${TOKEN_PATH}?grant_type=refresh_token&refresh_token=${refreshToken}&client_id=${clientId}&client_secret=${secret}`;
    const second = pairOf(await call('POST', query(first.refreshToken)));
    expect(await call('GET', sitesPath, { headers: auth(`AccessToken=${second.accessToken}`) })).toEqual(EMPTY_SITE_PAGE);

    // refresh with the client and token in a JSON body
    const third = pairOf(
      await call('POST', `${TOKEN_PATH}?grant_type=refresh_token`, {
        body: { refresh_token: second.refreshToken, client_id: clientId, client_secret: clientSecret },
      }),
    );
    const thirdIssuedBy = Date.now();
    expect(await call('GET', sitesPath, { headers: auth(`AccessToken=${third.accessToken}`) })).toEqual(EMPTY_SITE_PAGE);

    // a spent refresh token, an unknown one, and a wrong secret on both grants
    expect(await call('POST', query(first.refreshToken))).toEqual(REFRESH_EXPIRED);
    expect(await call('POST', query(forgedRefresh))).toEqual(REFRESH_EXPIRED);
    expect(await call('POST', query(third.refreshToken, wrongSecret))).toEqual(CLIENT_INVALID);
    expect(
      await call('POST', `${TOKEN_PATH}?grant_type=client_credentials`, {
        body: { omadacId, client_id: clientId, client_secret: wrongSecret },
      }),
    ).toEqual(CLIENT_INVALID);

    // bodies that never parse, carrying the secret
    expect(
      await call('POST', `${TOKEN_PATH}?grant_type=client_credentials`, {
        rawBody: `{"omadacId":"${omadacId}","client_id":"${clientId}","client_secret":"${clientSecret}"`,
        headers: { 'content-type': 'application/json' },
      }),
    ).toEqual({ status: 400, body: { errorCode: -1001, msg: 'Invalid request parameters. The request body is not valid JSON.' } });
    expect(
      await call('POST', `${TOKEN_PATH}?grant_type=client_credentials`, {
        rawBody: `client_secret=${clientSecret}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    ).toEqual({ status: 400, body: { errorCode: -1001, msg: 'Invalid request parameters. Content-Type must be application/json.' } });

    // guarded calls: forged, malformed and on an unknown controller
    expect(await call('GET', sitesPath, { headers: auth(`AccessToken=${forged}`) })).toEqual(INVALID_ACCESS_TOKEN);
    expect(await call('GET', sitesPath, { headers: auth(`Bearer ${forged}`) })).toEqual(INVALID_ACCESS_TOKEN);
    expect(await call('GET', sitesPath, { headers: auth(forged) })).toEqual(INVALID_ACCESS_TOKEN);
    expect(await call('GET', `/openapi/v1/${hex(16)}/sites?page=1&pageSize=10`, { headers: auth(`AccessToken=${third.accessToken}`) })).toEqual({
      status: 200,
      body: { errorCode: -7131, msg: 'Controller ID not exist.' },
    });
    expect(await call('GET', '/api/info', { headers: auth(`AccessToken=${forged}`) })).toEqual(infoAnswer(omadacId));

    // unknown paths with credentials in the query string
    const notFound = { status: 404, body: { errorCode: -1600, msg: 'Unsupported request path.' } };
    expect(
      await call('GET', `/openapi/v1/${omadacId}/nothing-here?access_token=${third.accessToken}&client_secret=${clientSecret}`, {
        headers: auth(`AccessToken=${third.accessToken}`),
      }),
    ).toEqual(notFound);
    expect(await call('POST', `/openapi/authorize/nothing?refresh_token=${third.refreshToken}&token=${forged}`)).toEqual(notFound);

    // an access token past its lifetime (every call above that needed it valid came right after it was issued)
    await new Promise((done) => setTimeout(done, Math.max(0, thirdIssuedBy + ttl * 1000 + 250 - Date.now())));
    expect(await call('GET', sitesPath, { headers: auth(`AccessToken=${third.accessToken}`) })).toEqual(EXPIRED_ACCESS_TOKEN);

    expect(await server.stop()).toEqual({ code: 0, signal: null });

    // The log did record the traffic (so its silence about secrets means something) ...
    const requestLines = server.logLines().filter((line) => line.msg === 'request');
    expect(requestLines.length).toBeGreaterThanOrEqual(requests);
    expect(requestLines.filter((line) => String(line.path).includes('?'))).toEqual([]);
    // ... and holds none of the secrets.
    expect(issued).toHaveLength(6);
    const output = server.output;
    for (const secret of [clientSecret, wrongSecret, forged, forgedRefresh, ...issued]) {
      expect(output.includes(secret), `output contains ${secret}:\n${output}`).toBe(false);
    }
  });
});

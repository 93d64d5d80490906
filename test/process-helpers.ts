/**
 * Process-level test helpers: run the compiled server (`node dist/server.js`) and the CLI
 * (`node bin/voucherd.js`) as child processes against a temporary DATA_DIR on a free loopback port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SERVER_JS = join(ROOT, 'dist', 'server.js');
export const CLI_MAIN_JS = join(ROOT, 'dist', 'cli', 'main.js');
export const BIN = join(ROOT, 'bin', 'voucherd.js');

/** These tests run the compiled output; `npm test` builds it first (pretest). */
export function requireBuild(): void {
  for (const file of [SERVER_JS, CLI_MAIN_JS]) {
    if (!existsSync(file)) {
      throw new Error(`${file} is missing: run \`npm run build\` first (\`npm test\` builds through pretest).`);
    }
  }
}

/** The variables voucherd reads; the test process's own values must not leak into a child. */
const VOUCHERD_VARIABLES = [
  'PORT',
  'HOST',
  'DATA_DIR',
  'DATABASE_URL',
  'OMADAC_ID',
  'BOOTSTRAP_CLIENT_ID',
  'BOOTSTRAP_CLIENT_SECRET',
  'ACCESS_TOKEN_TTL_SECONDS',
  'REFRESH_TOKEN_TTL_SECONDS',
  'VOUCHER_LIMIT_PER_SITE',
  'SITE_LIMIT',
  'RADIUS_AUTH_PORT',
  'RADIUS_ACCT_PORT',
  'RADIUS_INTERIM_INTERVAL_SEC',
  'LOG_LEVEL',
  'BODY_LIMIT_BYTES',
];

/**
 * The test process's environment without voucherd's variables, plus `extra`. A variable given in
 * `extra` always reaches the child: pass `DATABASE_URL` there to run a child on PostgreSQL (the
 * test process's own DATABASE_URL, set by `npm run test:pg`, is not inherited).
 */
export function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of VOUCHERD_VARIABLES) delete env[name];
  for (const [name, value] of Object.entries(extra)) {
    if (value !== undefined) env[name] = value;
  }
  return env;
}

const tempDirs: string[] = [];

/** A fresh temporary folder; removed by `cleanup()`. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'voucherd-proc-'));
  tempDirs.push(dir);
  return dir;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const children = new Set<ChildProcess>();

function track(child: ChildProcess): Promise<Exit> {
  children.add(child);
  // 'close', not 'exit': it comes once stdout and stderr are read to their end.
  return new Promise((resolvePromise) => {
    child.once('close', (code, signal) => {
      children.delete(child);
      resolvePromise({ code, signal });
    });
  });
}

/** Kills every child still running and removes the temporary folders. For afterEach/afterAll. */
export async function cleanup(): Promise<void> {
  const running = [...children];
  await Promise.all(
    running.map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGKILL');
        }),
    ),
  );
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Resolves `promise`, or rejects after `ms` with `message()`. */
export async function within<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message())), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** A running voucherd server process. */
export class ServerProcess {
  stdout = '';
  stderr = '';
  /** stdout and stderr interleaved as they arrived. */
  output = '';
  address = '';
  readonly exited: Promise<Exit>;

  private constructor(readonly child: ChildProcess) {
    this.exited = track(child);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.output += chunk;
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.output += chunk;
    });
  }

  /** Spawns a process and does not wait for anything (for start-up failures). */
  static spawn(env: Record<string, string | undefined>, command: 'server' | 'serve' = 'server'): ServerProcess {
    requireBuild();
    const args = command === 'server' ? [SERVER_JS] : [BIN, 'serve'];
    // RADIUS stays off unless a test asks for it: servers running side by side cannot all have 1812.
    const withDefaults = { RADIUS_AUTH_PORT: '0', RADIUS_ACCT_PORT: '0', ...env };
    return new ServerProcess(
      spawn(process.execPath, args, { cwd: ROOT, env: childEnv(withDefaults), stdio: ['ignore', 'pipe', 'pipe'] }),
    );
  }

  /**
   * Starts voucherd on 127.0.0.1 and an OS-chosen port (PORT=0), reads the address from the
   * "voucherd listening" log line, then polls GET /api/info until it answers 200.
   */
  static async start(env: Record<string, string | undefined>, command: 'server' | 'serve' = 'server'): Promise<ServerProcess> {
    const server = ServerProcess.spawn({ HOST: '127.0.0.1', PORT: '0', ...env }, command);
    let exit: Exit | undefined;
    void server.exited.then((value) => (exit = value));
    const deadline = Date.now() + 15_000;
    while (!server.address) {
      if (exit) throw new Error(`voucherd exited (${JSON.stringify(exit)}) before listening:\n${server.output}`);
      if (Date.now() > deadline) throw new Error(`voucherd did not log "voucherd listening" in time:\n${server.output}`);
      const line = server.logLines().find((entry) => entry.msg === 'voucherd listening');
      if (line) server.address = String(line.address);
      else await sleep(20);
    }
    for (;;) {
      if (exit) throw new Error(`voucherd exited (${JSON.stringify(exit)}) before it was ready:\n${server.output}`);
      if (Date.now() > deadline) throw new Error(`GET /api/info did not answer 200 in time:\n${server.output}`);
      try {
        const response = await fetch(`${server.address}/api/info`);
        await response.arrayBuffer();
        if (response.status === 200) return server;
      } catch {
        // not listening yet
      }
      await sleep(20);
    }
  }

  /** Every JSON log line written to stdout so far. */
  logLines(): LogLine[] {
    const lines: LogLine[] = [];
    for (const text of this.stdout.split('\n')) {
      if (!text.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(text) as LogLine);
      } catch {
        // a line still being written
      }
    }
    return lines;
  }

  /** Sends `signal` and waits (at most 10 s) for the process to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    this.child.kill(signal);
    return within(this.exited, 10_000, () => `voucherd did not exit within 10 s of ${signal}:\n${this.output}`);
  }

  async request(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${this.address}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text, so the assertion shows it
    }
    return { status: response.status, body: parsed };
  }

  /** POST /openapi/authorize/token?grant_type=client_credentials with the JSON body. */
  token(omadacId: string, clientId: string, clientSecret: string) {
    return this.request('POST', '/openapi/authorize/token?grant_type=client_credentials', {
      body: { omadacId, client_id: clientId, client_secret: clientSecret },
    });
  }

  /** An access token for these credentials; throws with the answer when refused. */
  async accessToken(omadacId: string, clientId: string, clientSecret: string): Promise<TokenPair> {
    const response = await this.token(omadacId, clientId, clientSecret);
    const body = response.body as { errorCode?: number; result?: TokenPair };
    if (response.status !== 200 || body.errorCode !== 0 || !body.result) {
      throw new Error(`token request failed: ${JSON.stringify(response)}`);
    }
    return body.result;
  }

  /** GET /openapi/v1/{omadacId}/sites?page=1&pageSize=10 with `Authorization: AccessToken=…`. */
  listSites(omadacId: string, accessToken: string) {
    return this.request('GET', `/openapi/v1/${omadacId}/sites?page=1&pageSize=10`, {
      headers: { authorization: `AccessToken=${accessToken}` },
    });
  }
}

export interface TokenPair {
  readonly accessToken: string;
  readonly tokenType: string;
  readonly expiresIn: number;
  readonly refreshToken: string;
}

/** The exact success answer of the token endpoint, with the token values matched by shape. */
export function tokenAnswer(expiresIn = 7200) {
  return {
    status: 200,
    body: {
      errorCode: 0,
      msg: 'Open API Get Access Token successfully.',
      result: {
        accessToken: expectString(/^AT-[A-Za-z0-9]{32}$/),
        tokenType: 'bearer',
        expiresIn,
        refreshToken: expectString(/^RT-[A-Za-z0-9]{32}$/),
      },
    },
  };
}

const expectString = (pattern: RegExp) => expect.stringMatching(pattern) as unknown as string;

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node bin/voucherd.js …args` (or another command) to completion. */
export async function run(
  args: readonly string[],
  env: Record<string, string | undefined>,
  command: readonly string[] = [process.execPath, BIN],
  /** npx resolves the package before it runs it, which takes seconds on a busy machine. */
  timeoutMs = 20_000,
): Promise<CliResult> {
  requireBuild();
  const [file, ...prefix] = command;
  const child = spawn(file!, [...prefix, ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = await within(track(child), timeoutMs, () => `${command.join(' ')} ${args.join(' ')} did not finish:\n${stdout}${stderr}`);
  return { ...exit, stdout, stderr };
}

export const HEX32 = /^[0-9a-f]{32}$/;

// What the benchmarks share: child processes that are killed with the run, free ports, a real
// voucherd to start, and the Open API calls they prepare their data with.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SERVER_JS = join(ROOT, 'dist', 'server.js');
export const BIN_JS = join(ROOT, 'bin', 'voucherd.js');
export const OMADAC_ID = '0123456789abcdef0123456789abcdef';
export const CLIENT_ID = 'bench-client';
export const CLIENT_SECRET = 'bench-secret-not-for-production';

export const log = (line) => process.stderr.write(`bench: ${line}\n`);
export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
export const round = (x, places = 2) => (x === null || x === undefined ? null : Math.round(x * 10 ** places) / 10 ** places);

/** A positive integer from the environment variable `name`, or `fallback` when it is unset. */
export function positive(name, fallback) {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

const children = new Set();
const tempDirs = [];

/** Kills `child` with the run (cleanup) should it still be running then. */
export function track(child) {
  children.add(child);
  child.once('close', () => children.delete(child));
  return child;
}

/** Starts `node args…`, collecting its output; `exit` settles when it ends. */
export function start(args, env) {
  const child = track(spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  const proc = { child, output: '', exited: null };
  child.stdout.setEncoding('utf8').on('data', (chunk) => (proc.output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (proc.output += chunk));
  proc.exit = new Promise((done) =>
    child.once('close', (code, signal) => {
      proc.exited = { code, signal };
      done(proc.exited);
    }),
  );
  return proc;
}

/**
 * Starts `node dist/server.js` on 127.0.0.1:`port` with `env` (see serverEnv), with
 * BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=DIR") given to its node.
 */
export function startServer(env) {
  return start([...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), SERVER_JS], env);
}

/**
 * A voucherd's environment for a measurement: on 127.0.0.1:`port` with its data in `dataDir`,
 * the bench's app, request lines off (at warn the measurement is of the server, not of its
 * logging), and RADIUS off (1812/1813 may be taken, and two instances cannot share them) unless
 * `extra` gives its ports; `extra` adds or overrides the rest.
 */
export function serverEnv({ port, dataDir, ...extra }) {
  return cleanEnv({
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    OMADAC_ID,
    BOOTSTRAP_CLIENT_ID: CLIENT_ID,
    BOOTSTRAP_CLIENT_SECRET: CLIENT_SECRET,
    LOG_LEVEL: 'warn',
    RADIUS_AUTH_PORT: '0',
    RADIUS_ACCT_PORT: '0',
    ...extra,
  });
}

export async function stop(proc) {
  if (proc.exited) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
  await proc.exit;
  clearTimeout(timer);
}

/** Kills every child still running and removes the temporary directories. */
export function cleanup() {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

/**
 * Runs the RADIUS load generator (bench/radius-load.mjs) with `env` to its end and answers the
 * figures it printed, with what the machine did meanwhile: the share of its CPU the host stole
 * (steal_pct) and, for the server process `serverPid` when given, its CPU, its main thread's CPU
 * and that thread's wait for a core, each per request answered over the generator's whole run,
 * warm-up too (server_cpu_us, main_cpu_us, main_wait_us; null without a pid). Throws when the
 * generator fails.
 */
export async function runRadiusLoad(env, serverPid) {
  const generator = start([join(ROOT, 'bench', 'radius-load.mjs')], { ...process.env, ...env });
  const machineBefore = machineTicks();
  const cpuBefore = serverPid ? cpuMs(serverPid) : null;
  const mainBefore = serverPid ? mainThreadMs(serverPid) : null;
  const exit = await generator.exit;
  const cpuAfter = serverPid ? cpuMs(serverPid) : null;
  const mainAfter = serverPid ? mainThreadMs(serverPid) : null;
  const machineAfter = machineTicks();
  if (exit.code !== 0) throw new Error(`the load generator failed (${JSON.stringify(exit)}):\n${generator.output}`);
  const result = JSON.parse(generator.output.trim().split('\n').pop());
  const perAnswered = (before, after) =>
    before == null || after == null || result.accepted === 0 ? null : Math.round(((after - before) * 1000) / result.accepted);
  // Steadier from one run to the next than a rate, on a machine whose speed moves.
  result.server_cpu_us = perAnswered(cpuBefore, cpuAfter);
  // Of which the main thread's (store and engine), and how long it waited for a core while ready
  // to run: the share of the latency that is the machine's cores being taken.
  result.main_cpu_us = perAnswered(mainBefore?.running, mainAfter?.running);
  result.main_wait_us = perAnswered(mainBefore?.waiting, mainAfter?.waiting);
  // A virtual machine's host taking its cores stops server and generator alike: the run's
  // latencies are read with it.
  result.steal_pct = stealPercent(machineBefore, machineAfter);
  return result;
}

/** Runs a benchmark's `main`: children and temporary directories go when it ends; a failure is logged and exits 1. */
export function runBenchmark(main) {
  main()
    .then(() => cleanup())
    .catch((error) => {
      log(error instanceof Error ? error.stack : String(error));
      cleanup();
      process.exit(1);
    });
}

export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** A TCP port the OS says is free on loopback; the child binds it a moment later. */
export function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

/** A UDP port nobody listens on right now. */
export function freeUdpPort() {
  return new Promise((done, fail) => {
    const socket = createSocket('udp4');
    socket.once('error', fail);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => done(port));
    });
  });
}

export async function waitFor(proc, ready, what) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exited) throw new Error(`${what} exited (${JSON.stringify(proc.exited)}):\n${proc.output}`);
    if (Date.now() > deadline) throw new Error(`${what} was not ready within 30 s:\n${proc.output}`);
    try {
      if (await ready()) return;
    } catch {
      // not listening yet
    }
    await sleep(25);
  }
}

/** The environment without voucherd's own variables, so the caller's settings cannot leak in. */
export function cleanEnv(extra) {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(PORT|HOST|DATA_DIR|DATABASE_URL|PG_|OMADAC_ID|BOOTSTRAP_|ACCESS_TOKEN_|REFRESH_TOKEN_|VOUCHER_LIMIT_|SITE_LIMIT|RADIUS_|REDEEM_|LOG_LEVEL|BODY_LIMIT_|TOKEN_RATE_)/.test(name)) {
      delete env[name];
    }
  }
  return { ...env, ...extra };
}

/** Calls the Open API; anything but a 200 with errorCode 0 throws. Answers `result`. */
export async function call(base, method, path, token, body) {
  const headers = {};
  if (token) headers.authorization = `AccessToken=${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (response.status !== 200 || parsed?.errorCode !== 0) {
    throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  }
  return parsed.result;
}

export async function accessToken(base) {
  const result = await call(base, 'POST', '/openapi/authorize/token?grant_type=client_credentials', undefined, {
    omadacId: OMADAC_ID,
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
  });
  return result.accessToken;
}

export async function createSite(base, token, name) {
  const result = await call(base, 'POST', `/openapi/v1/${OMADAC_ID}/sites`, token, {
    name,
    region: 'United States',
    timeZone: 'UTC',
    scenario: 'Office',
    deviceAccountSetting: { username: 'admin', password: 'Tr0ub4dor&3x' },
  });
  return result.siteId;
}

/**
 * CPU time a process has used so far (all its threads, user and system), in ms, from
 * /proc/<pid>/stat (Linux's clock ticks are hundredths of a second); null where it cannot be read.
 */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/**
 * A process's main thread (the one whose id is the process's): milliseconds it ran on a core and
 * milliseconds it waited for one while ready to run (/proc/<pid>/task/<pid>/schedstat), or null
 * where the kernel does not keep them.
 */
export function mainThreadMs(pid) {
  try {
    const [running, waiting] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    return Number.isFinite(running) && Number.isFinite(waiting) ? { running: running / 1e6, waiting: waiting / 1e6 } : null;
  } catch {
    return null;
  }
}

/**
 * The machine's CPU time so far, all cores, in clock ticks: `total` and `steal`, the time a virtual
 * machine's cores were ready to run but the host ran something else (/proc/stat); null where it
 * cannot be read. While the host steals, every thread here stops at once, whatever it was doing.
 */
export function machineTicks() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is counted in user already).
    const total = ticks.slice(0, 8).reduce((sum, value) => sum + value, 0);
    return Number.isFinite(total) && ticks.length >= 8 ? { total, steal: ticks[7] } : null;
  } catch {
    return null;
  }
}

/** The share of the machine's CPU time the host stole between two `machineTicks()` readings, in %. */
export function stealPercent(before, after) {
  if (!before || !after || after.total === before.total) return null;
  return round(((after.steal - before.steal) / (after.total - before.total)) * 100, 1);
}

/** The peak resident set of a running process, in MB. */
export function peakRssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1]);
  return Number.isFinite(kb) ? kb / 1024 : null;
}

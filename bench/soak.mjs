// The soak of `npm run bench` (after bench/run.mjs): two voucherd instances on one throwaway
// PostgreSQL database under mixed load for a bounded time, on 127.0.0.1.
//
// Load: SOAK_CLIENTS (16) concurrent clients, each sending one request at a time, for
// SOAK_DURATION (30) seconds, alternating between the two instances. Operations, by share:
//   create          POST …/hotspot/voucher-groups, 10–50 vouchers, a fresh name, random site   20 %
//   create_dup      the same with the name of an existing group of that site: deliberately
//                   provoked, must answer exactly −42059 (counted apart from the errors)         3 %
//   list_groups     GET …/hotspot/voucher-groups?page=1&pageSize=10, random site               32 %
//   group_detail    GET …/hotspot/voucher-groups/{id}?page=1&pageSize=10 of a group some client
//                   saw created (often on the other instance): must list all its vouchers      30 %
//   list_sites      GET …/sites?page=1&pageSize=100                                            15 %
// An error is any answer that is not HTTP 200 with errorCode 0 (or, for create_dup, not −42059),
// a transport failure, or a detail whose voucher count is not the group's amount. There must be none.
//
// At the end the database is read directly: every group holds exactly its amount of vouchers and
// total_count says so, sites.voucher_count equals the site's vouchers, group names are unique per
// site, no code repeats within a site, no voucher lacks its group, and the groups are exactly the
// seeded ones plus the creates answered with success. Both instances must then stop cleanly on SIGTERM.
//
// PostgreSQL: DATABASE_URL if set (a fresh database is created in it and dropped afterwards);
// otherwise this script re-runs itself under scripts/with-postgres.sh, or skips with a note when
// PostgreSQL's server binaries are not installed. Progress goes to stderr; stdout gets a summary
// and ends with one JSON line of every figure. Exit code 1 when there were errors or an invariant
// failed. Knobs: SOAK_DURATION (s, 30), SOAK_CLIENTS (16), SOAK_SITES (4).
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  cleanup,
  freePort,
  OMADAC_ID,
  positive,
  ROOT,
  round,
  SERVER_JS,
  serverEnv,
  sleep,
  start,
  tempDir,
  track,
  waitFor,
} from './support.mjs';

const WITH_POSTGRES = join(ROOT, 'scripts', 'with-postgres.sh');

const DURATION_S = positive('SOAK_DURATION', 30);
const CLIENTS = positive('SOAK_CLIENTS', 16);
const SITES = positive('SOAK_SITES', 4);
const SEED_GROUPS_PER_SITE = 2;
const REQUEST_TIMEOUT_MS = 30_000;
/** Past this the run gives up: every child is killed and the run fails. */
const DEADLINE_MS = (DURATION_S + 180) * 1000;

const OPERATIONS = [
  ['create', 0.2],
  ['create_dup', 0.03],
  ['list_groups', 0.32],
  ['group_detail', 0.3],
  ['list_sites', 0.15],
];

const log = (line) => process.stderr.write(`soak: ${line}\n`);

// ---- PostgreSQL --------------------------------------------------------------------------------

/** The same search as scripts/with-postgres.sh: PG_BIN, Debian's /usr/lib/postgresql/*, or PATH. */
function postgresInstalled() {
  if (process.env.PG_BIN) return existsSync(join(process.env.PG_BIN, 'initdb'));
  const candidates = [];
  try {
    for (const version of readdirSync('/usr/lib/postgresql')) candidates.push(join('/usr/lib/postgresql', version, 'bin'));
  } catch {
    // not Debian's layout
  }
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'pg_ctl'))) candidates.push(dir);
  return candidates.some((dir) => existsSync(join(dir, 'initdb')));
}

/** Without DATABASE_URL: the same run under a throwaway server, or a skip when there is none. */
async function underThrowawayPostgres() {
  if (!postgresInstalled()) {
    const reason = 'PostgreSQL server binaries not found (install Debian\'s postgresql package, set PG_BIN, or set DATABASE_URL)';
    log(`skipped: ${reason}`);
    console.log(JSON.stringify({ soak: 'skipped', reason }));
    return 0;
  }
  log('DATABASE_URL is unset: starting a throwaway PostgreSQL with scripts/with-postgres.sh');
  const child = track(spawn('bash', [WITH_POSTGRES, process.execPath, fileURLToPath(import.meta.url)], { cwd: ROOT, stdio: 'inherit' }));
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((done) => child.once('close', (code, signal) => done(code ?? (signal ? 1 : 0))));
}

async function adminQuery(url, text, values) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

/** A fresh database beside DATABASE_URL's, so the soak never touches data it did not make. */
async function freshDatabase(url) {
  const name = `voucherd_soak_${randomBytes(6).toString('hex')}`;
  await adminQuery(url, `create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  return { name, url: target.toString() };
}

async function dropDatabase(url, name) {
  try {
    await adminQuery(url, `drop database if exists ${name} with (force)`);
  } catch {
    await adminQuery(url, `drop database if exists ${name}`); // PostgreSQL before 13: no (force)
  }
}

// ---- child processes -----------------------------------------------------------------------------

async function startInstance(label, databaseUrl) {
  const port = await freePort();
  const proc = start([SERVER_JS], serverEnv({ port, dataDir: tempDir('voucherd-soak-'), DATABASE_URL: databaseUrl }));
  const instance = Object.assign(proc, { label, port, agent: new http.Agent({ keepAlive: true, maxSockets: CLIENTS }), requests: 0 });
  await waitFor(instance, async () => (await send(instance, 'GET', '/api/info')).status === 200, `voucherd ${label}`);
  return instance;
}

/** SIGTERM, and the exit it ends with (SIGKILL after 15 s). */
async function stopInstance(instance) {
  instance.agent.destroy();
  if (instance.exited) return instance.exited;
  instance.child.kill('SIGTERM');
  const timer = setTimeout(() => instance.child.kill('SIGKILL'), 15_000);
  const exit = await instance.exit;
  clearTimeout(timer);
  return exit;
}

// ---- HTTP ----------------------------------------------------------------------------------------

/** One request on the instance's keep-alive agent; answers the status and the parsed body. */
function send(instance, method, path, { token, body } = {}) {
  return new Promise((done, fail) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = {};
    if (token) headers.authorization = `AccessToken=${token}`;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    const request = http.request(
      { host: '127.0.0.1', port: instance.port, method, path, headers, agent: instance.agent, timeout: REQUEST_TIMEOUT_MS },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('error', fail);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          done({ status: response.statusCode, body: parsed, text });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    request.on('error', fail);
    request.end(payload);
  });
}

/** A request that must succeed (set-up and checks); answers `result`. */
async function ok(instance, method, path, options) {
  const answer = await send(instance, method, path, options);
  if (answer.status !== 200 || answer.body?.errorCode !== 0) {
    throw new Error(`${method} ${path} on ${instance.label} answered ${answer.status}: ${answer.text.slice(0, 500)}`);
  }
  return answer.body.result;
}

const api = `/openapi/v1/${OMADAC_ID}`;
const groupsPath = (siteId) => `${api}/sites/${siteId}/hotspot/voucher-groups`;

const groupBody = (name, amount) => ({
  name,
  amount,
  codeLength: 8,
  codeForm: [0, 1],
  limitType: 0,
  limitNum: 1,
  durationType: 0,
  duration: 1440,
  timingType: 0,
  rateLimit: { mode: 0, customRateLimit: { downLimitEnable: true, downLimit: 10240, upLimitEnable: false } },
  trafficLimitEnable: false,
  unitPrice: 500,
  currency: 'USD',
  applyToAllPortals: true,
});

// ---- the load ------------------------------------------------------------------------------------

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function pickOperation() {
  let x = Math.random();
  for (const [name, share] of OPERATIONS) {
    if (x < share) return name;
    x -= share;
  }
  return OPERATIONS[OPERATIONS.length - 1][0];
}

const pick = (list) => list[randomInt(list.length)];

async function load(instances, token, sites, groups) {
  const latencies = Object.fromEntries(OPERATIONS.map(([name]) => [name, []]));
  const errors = [];
  const provoked = { sent: 0, as_expected: 0 };
  let created = 0;
  let vouchersCreated = 0;
  let turn = 0;
  const stopAt = performance.now() + DURATION_S * 1000;

  const fail = (operation, instance, what) => {
    errors.push({ operation, instance: instance.label, what: String(what).slice(0, 300) });
  };

  async function client(worker) {
    let sequence = 0;
    while (performance.now() < stopAt) {
      const instance = instances[turn++ % instances.length];
      instance.requests++;
      const operation = pickOperation();
      const t0 = performance.now();
      try {
        if (operation === 'create') {
          const siteId = pick(sites);
          const name = `soak ${worker}-${++sequence}`;
          const amount = 10 + randomInt(41);
          const answer = await send(instance, 'POST', groupsPath(siteId), { token, body: groupBody(name, amount) });
          if (answer.status === 200 && answer.body?.errorCode === 0) {
            groups.push({ id: answer.body.result.id, siteId, name, amount });
            created++;
            vouchersCreated += amount;
          } else fail(operation, instance, `${answer.status} ${answer.text}`);
        } else if (operation === 'create_dup') {
          const existing = pick(groups);
          provoked.sent++;
          const answer = await send(instance, 'POST', groupsPath(existing.siteId), { token, body: groupBody(existing.name, 10) });
          if (answer.status === 200 && answer.body?.errorCode === -42059 && answer.body?.msg === 'Duplicated voucher group name.') {
            provoked.as_expected++;
          } else fail(operation, instance, `expected −42059, got ${answer.status} ${answer.text}`);
        } else if (operation === 'list_groups') {
          const answer = await send(instance, 'GET', `${groupsPath(pick(sites))}?page=1&pageSize=10`, { token });
          if (answer.status !== 200 || answer.body?.errorCode !== 0) fail(operation, instance, `${answer.status} ${answer.text}`);
        } else if (operation === 'group_detail') {
          const group = pick(groups);
          const answer = await send(instance, 'GET', `${groupsPath(group.siteId)}/${group.id}?page=1&pageSize=10`, { token });
          if (answer.status !== 200 || answer.body?.errorCode !== 0) fail(operation, instance, `${answer.status} ${answer.text}`);
          else if (answer.body.result.totalRows !== group.amount) {
            fail(operation, instance, `group ${group.id} lists ${answer.body.result.totalRows} vouchers, amount ${group.amount}`);
          }
        } else {
          const answer = await send(instance, 'GET', `${api}/sites?page=1&pageSize=100`, { token });
          if (answer.status !== 200 || answer.body?.errorCode !== 0) fail(operation, instance, `${answer.status} ${answer.text}`);
        }
      } catch (error) {
        fail(operation, instance, error instanceof Error ? error.message : error);
      }
      latencies[operation].push(performance.now() - t0);
    }
  }

  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, (_, worker) => client(worker + 1)));
  const elapsedS = (performance.now() - started) / 1000;
  return { latencies, errors, provoked, created, vouchersCreated, elapsedS };
}

// ---- the end state ---------------------------------------------------------------------------------

/** Every broken invariant of the database, as sentences; `expected` are the groups that must exist. */
async function invariants(url, expected) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = async (text) => (await client.query(text)).rows;
    const found = [];
    for (const row of await rows(`select g.id, g.name, g.amount, g.total_count, count(v.id) as vouchers
                                  from voucher_groups g left join vouchers v on v.group_id = g.id
                                  group by g.id, g.name, g.amount, g.total_count
                                  having count(v.id) <> g.amount or g.total_count <> g.amount`)) {
      found.push(`group ${row.name} (${row.id}): ${row.vouchers} vouchers, total_count ${row.total_count}, amount ${row.amount}`);
    }
    for (const row of await rows(`select s.id, s.voucher_count, (select count(*) from vouchers v where v.site_number = s.number) as vouchers
                                  from sites s`)) {
      if (Number(row.voucher_count) !== Number(row.vouchers)) {
        found.push(`site ${row.id}: voucher_count ${row.voucher_count}, ${row.vouchers} vouchers`);
      }
    }
    for (const row of await rows(`select site_id, name, count(*) as n from voucher_groups group by site_id, name having count(*) > 1`)) {
      found.push(`site ${row.site_id}: ${row.n} groups named ${JSON.stringify(row.name)}`);
    }
    for (const row of await rows(`select s.id as site_id, v.code, count(*) as n from vouchers v join sites s on s.number = v.site_number
                                  group by s.id, v.code having count(*) > 1`)) {
      found.push(`site ${row.site_id}: code ${row.code} held by ${row.n} vouchers`);
    }
    const [orphans] = await rows(
      `select count(*) as n from vouchers v where not exists (select 1 from voucher_groups g where g.id = v.group_id)`,
    );
    if (Number(orphans.n) !== 0) found.push(`${orphans.n} vouchers without their group`);
    const stored = new Set((await rows('select id from voucher_groups')).map((row) => row.id));
    const missing = expected.filter((group) => !stored.has(group.id));
    if (missing.length > 0) found.push(`${missing.length} groups answered as created are missing, e.g. ${missing[0].id}`);
    if (stored.size !== expected.length) {
      found.push(`${stored.size} groups stored, ${expected.length} answered as created (a refused create wrote a group?)`);
    }
    const [totals] = await rows('select (select count(*) from voucher_groups) as groups, (select count(*) from vouchers) as vouchers');
    return { violations: found, groups: Number(totals.groups), vouchers: Number(totals.vouchers) };
  } finally {
    await client.end();
  }
}

function cpuModel() {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? null;
  } catch {
    return null;
  }
}

// ---- the run -----------------------------------------------------------------------------------------

async function soak(baseUrl) {
  if (!existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run \`npm run build\` (npm run bench does).`);
  const loadAtStart = loadavg()[0];
  if (loadAtStart > 0.5) log(`note: the 1-minute load average is ${round(loadAtStart)}; the figures are best taken on an idle machine`);
  const postgres = (await adminQuery(baseUrl, 'show server_version')).rows[0].server_version;
  const database = await freshDatabase(baseUrl);
  log(`PostgreSQL ${postgres}: database ${database.name}`);
  let instances = [];
  try {
    // Both at once: their migrations race on the empty database, as a rolling deploy's would.
    instances = await Promise.all([startInstance('a', database.url), startInstance('b', database.url)]);
    log(`two instances on 127.0.0.1:${instances[0].port} and :${instances[1].port}`);
    // One token for both: tokens live in the database, so either instance honours the other's.
    const token = (await ok(instances[0], 'POST', '/openapi/authorize/token?grant_type=client_credentials', {
      body: { omadacId: OMADAC_ID, client_id: CLIENT_ID, client_secret: CLIENT_SECRET },
    })).accessToken;

    const sites = [];
    const groups = [];
    for (let i = 0; i < SITES; i++) {
      const instance = instances[i % instances.length];
      const { siteId } = await ok(instance, 'POST', `${api}/sites`, {
        token,
        body: {
          name: `Soak site ${i + 1}`,
          region: 'United States',
          timeZone: 'UTC',
          scenario: 'Hotel',
          deviceAccountSetting: { username: 'admin', password: 'Tr0ub4dor&3x' },
        },
      });
      sites.push(siteId);
      for (let j = 0; j < SEED_GROUPS_PER_SITE; j++) {
        const name = `seed ${i + 1}-${j + 1}`;
        const { id } = await ok(instances[j % instances.length], 'POST', groupsPath(siteId), { token, body: groupBody(name, 20) });
        groups.push({ id, siteId, name, amount: 20 });
      }
    }

    log(`load: ${CLIENTS} clients for ${DURATION_S} s across both instances`);
    const run = await load(instances, token, sites, groups);
    for (const error of run.errors.slice(0, 10)) log(`error: ${error.operation} on ${error.instance}: ${error.what}`);

    const end = await invariants(database.url, groups);
    for (const violation of end.violations.slice(0, 10)) log(`invariant broken: ${violation}`);

    const exits = await Promise.all(instances.map(stopInstance));
    const cleanStops = exits.every((exit) => exit.code === 0);
    if (!cleanStops) log(`an instance did not stop cleanly: ${JSON.stringify(exits)}`);

    const requests = Object.values(run.latencies).reduce((sum, list) => sum + list.length, 0);
    const operations = {};
    for (const [name] of OPERATIONS) {
      const sorted = [...run.latencies[name]].sort((a, b) => a - b);
      operations[name] = {
        requests: sorted.length,
        rps: round(sorted.length / run.elapsedS, 1),
        p50_ms: round(percentile(sorted, 0.5)),
        p99_ms: round(percentile(sorted, 0.99)),
      };
    }
    const figures = {
      soak_duration_s: round(run.elapsedS, 1),
      instances: instances.length,
      clients: CLIENTS,
      sites: SITES,
      requests,
      rps: round(requests / run.elapsedS, 1),
      per_instance: Object.fromEntries(instances.map((instance) => [instance.label, instance.requests])),
      operations,
      errors: run.errors.length,
      provoked_duplicates: run.provoked.sent,
      provoked_as_expected: run.provoked.as_expected,
      groups_created: run.created,
      vouchers_created: run.vouchersCreated,
      groups_at_end: end.groups,
      vouchers_at_end: end.vouchers,
      invariants_hold: end.violations.length === 0,
      invariant_violations: end.violations.length,
      clean_stops: cleanStops,
      nproc: availableParallelism(),
      cpu_model: cpuModel(),
      node: process.version,
      postgres,
      load_avg_1m: round(loadAtStart),
    };

    console.log(`voucherd soak: 2 instances on PostgreSQL ${postgres}, node ${process.version}, ${figures.cpu_model}, ${figures.nproc} cores`);
    console.log(`${requests} requests in ${figures.soak_duration_s} s from ${CLIENTS} clients: ${figures.rps} req/s`);
    for (const [name, op] of Object.entries(operations)) {
      console.log(`  ${name.padEnd(13)} ${String(op.requests).padStart(7)} requests ${String(op.rps).padStart(8)} req/s   p50 ${op.p50_ms} ms   p99 ${op.p99_ms} ms`);
    }
    console.log(
      `errors ${figures.errors}; provoked duplicates ${figures.provoked_duplicates} (${figures.provoked_as_expected} answered −42059); ` +
        `invariants ${figures.invariants_hold ? 'hold' : 'BROKEN'} over ${end.groups} groups and ${end.vouchers} vouchers`,
    );
    console.log(JSON.stringify(figures));
    return figures.errors === 0 && figures.invariants_hold && cleanStops && figures.provoked_as_expected === figures.provoked_duplicates
      ? 0
      : 1;
  } finally {
    cleanup();
    for (const instance of instances) await instance.exit;
    await dropDatabase(baseUrl, database.name).catch((error) => log(`could not drop ${database.name}: ${error.message}`));
  }
}

const deadline = setTimeout(() => {
  log(`gave up after ${DEADLINE_MS / 1000} s`);
  cleanup();
  process.exit(1);
}, DEADLINE_MS);
deadline.unref();

try {
  process.exitCode = process.env.DATABASE_URL ? await soak(process.env.DATABASE_URL) : await underThrowawayPostgres();
} catch (error) {
  log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
} finally {
  cleanup();
}

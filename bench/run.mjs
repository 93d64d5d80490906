// `npm run bench`: how fast voucherd creates and lists voucher groups, each figure next to a
// reference measured in the same run on the same machine, so the ratios travel between machines.
//
// (a) create: POST …/hotspot/voucher-groups with amount 5000, codeLength 10, codeForm [0] against
//     a real `node dist/server.js` on 127.0.0.1, timed at the client from request to full answer;
//     once on a fresh site and database (like the floor's prefill 0) and once on a site already
//     holding 200,000 vouchers (40 groups created through the API first, not timed). The floor is
//     ../shared/bench/floor-create-5000.mjs with the same group count and prefill, run just before
//     the creates it is compared with.
// (b) list: GET …/voucher-groups?page=1&pageSize=10 with autocannon against the same server,
//     next to a bare Fastify route in its own process, same connections and duration.
// (c) the server's peak RSS (VmHWM) at the end of (a).
//
// Progress goes to stderr; stdout gets a summary and ends with one JSON line of every figure.
// Knobs (environment): BENCH_CREATES (timed creates per case, 30), BENCH_CONNECTIONS (10),
// BENCH_DURATION (seconds per autocannon run, 10), BENCH_WARMUP (seconds, 3); BENCH_SERVER_NODE_ARGS
// adds flags to the server's node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import {
  accessToken,
  call,
  cleanEnv,
  cleanup,
  createSite,
  freePort,
  log,
  OMADAC_ID,
  peakRssMb,
  positive,
  ROOT,
  round,
  SERVER_JS,
  serverEnv,
  start,
  startServer,
  stop,
  tempDir,
  waitFor,
} from './support.mjs';

const BARE_JS = join(ROOT, 'bench', 'bare-fastify.mjs');
const FLOOR_JS = resolve(ROOT, '..', 'shared', 'bench', 'floor-create-5000.mjs');

const CREATES = positive('BENCH_CREATES', 30);
const CONNECTIONS = positive('BENCH_CONNECTIONS', 10);
const DURATION_S = positive('BENCH_DURATION', 10);
const WARMUP_S = positive('BENCH_WARMUP', 3);
const PREFILL_GROUPS = 40;
const GROUP_SIZE = 5000;
const PREFILL = PREFILL_GROUPS * GROUP_SIZE;
/** The whole run is bounded; past this every child is killed and the run fails. */
const DEADLINE_MS = 10 * 60 * 1000;

/** p50 as the floor computes it (the upper median), with min and max. */
function summary(times) {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] };
}

// ---- child processes -------------------------------------------------------------------------

async function startVoucherd() {
  const dataDir = tempDir('voucherd-bench-');
  const port = await freePort();
  // 200,000 prefilled plus the timed creates, on one site: far above the default cap.
  const proc = startServer(serverEnv({ port, dataDir, VOUCHER_LIMIT_PER_SITE: '10000000' }));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(proc, async () => (await fetch(`${base}/api/info`)).status === 200, 'voucherd');
  return { proc, base };
}

async function startBare() {
  const port = await freePort();
  const proc = start([BARE_JS], cleanEnv({ PORT: String(port) }));
  const url = `http://127.0.0.1:${port}/hello`;
  await waitFor(proc, async () => (await fetch(url)).status === 200, 'bare fastify');
  return { proc, url };
}

// ---- the Open API calls ----------------------------------------------------------------------

const groupBody = (name) => ({
  name,
  amount: GROUP_SIZE,
  codeLength: 10,
  codeForm: [0],
  limitType: 2,
  durationType: 0,
  duration: 60,
  timingType: 0,
  rateLimit: { mode: 0, customRateLimit: { downLimitEnable: false, upLimitEnable: false } },
  trafficLimitEnable: false,
  applyToAllPortals: true,
});

/** Creates one 5000-voucher group; answers the milliseconds from sending to the full answer. */
async function createGroup(base, token, siteId, name) {
  const path = `/openapi/v1/${OMADAC_ID}/sites/${siteId}/hotspot/voucher-groups`;
  const t0 = performance.now();
  await call(base, 'POST', path, token, groupBody(name));
  return performance.now() - t0;
}

async function timedCreates(base, token, siteId, prefix) {
  const times = [];
  for (let i = 0; i < CREATES; i++) times.push(await createGroup(base, token, siteId, `${prefix}-${i}`));
  return summary(times);
}

// ---- references ------------------------------------------------------------------------------

async function floor(prefill) {
  if (!existsSync(FLOOR_JS)) return null;
  const proc = start([FLOOR_JS, String(CREATES), String(prefill)], process.env);
  const exit = await proc.exit;
  if (exit.code !== 0) throw new Error(`the floor failed (${JSON.stringify(exit)}):\n${proc.output}`);
  const last = proc.output.trim().split('\n').pop();
  const result = JSON.parse(last);
  return { p50: result.floor_create_5000_p50_ms, min: result.min_ms, max: result.max_ms, rows: result.rows };
}

/** A warm-up, then the measured run; refuses a run in which any answer was not a 2xx. */
async function requestsPerSecond(url, headers, what) {
  const options = { url, headers, connections: CONNECTIONS };
  await autocannon({ ...options, duration: WARMUP_S });
  const result = await autocannon({ ...options, duration: DURATION_S });
  if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
    throw new Error(`${what}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers`);
  }
  log(`${what}: ${round(result.requests.average, 0)} req/s (${result.requests.total} requests, p50 latency ${result.latency.p50} ms)`);
  return result.requests.average;
}

function cpuModel() {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? null;
  } catch {
    return null;
  }
}

// ---- the run ---------------------------------------------------------------------------------

async function main() {
  if (!existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run \`npm run build\` (npm run bench does).`);
  const started = Date.now();
  const loadAtStart = loadavg()[0];
  // Every figure here is CPU-bound: other work on the machine (a test run) skews them all.
  if (loadAtStart > 0.5) log(`note: the 1-minute load average is ${round(loadAtStart)}; the figures are best taken on an idle machine`);

  const haveFloor = existsSync(FLOOR_JS);
  if (!haveFloor) log(`note: ${FLOOR_JS} does not exist; the floor figures and ratios are left null`);

  log('starting voucherd (LOG_LEVEL=warn)');
  const server = await startVoucherd();
  const token = await accessToken(server.base);

  // (a) Each floor runs just before the creates it is compared with (the server idles meanwhile),
  // so both see the same machine. The fresh case comes first, its database as empty as the floor's.
  let floor0 = null;
  if (haveFloor) {
    log(`floor: ${CREATES} groups, prefill 0`);
    floor0 = await floor(0);
  }
  const fresh = await createSite(server.base, token, 'Bench Fresh');
  log(`create: ${CREATES} timed groups of ${GROUP_SIZE} on a site holding 0 vouchers`);
  const create0 = await timedCreates(server.base, token, fresh, 'timed');

  const full = await createSite(server.base, token, 'Bench Full');
  log(`create: prefilling a second site with ${PREFILL_GROUPS} groups (${PREFILL} vouchers, not timed)`);
  for (let i = 0; i < PREFILL_GROUPS; i++) await createGroup(server.base, token, full, `prefill-${i}`);
  let floor200k = null;
  if (haveFloor) {
    log(`floor: ${CREATES} groups, prefill ${PREFILL}`);
    floor200k = await floor(PREFILL);
  }
  log(`create: ${CREATES} timed groups of ${GROUP_SIZE} on a site holding ${PREFILL} vouchers`);
  const create200k = await timedCreates(server.base, token, full, 'timed');

  // (c) At the end of (a): the high-water mark of the server's resident set.
  const peakRss = peakRssMb(server.proc.child.pid);

  // (b) The list, on the fresh site (it now holds CREATES groups), then the bare route.
  const listUrl = `${server.base}/openapi/v1/${OMADAC_ID}/sites/${fresh}/hotspot/voucher-groups?page=1&pageSize=10`;
  const listHeaders = { authorization: `AccessToken=${token}` };
  const sample = await call(server.base, 'GET', listUrl.slice(server.base.length), token);
  if (sample.data.length !== Math.min(10, CREATES)) throw new Error(`the list answered ${sample.data.length} groups`);
  const listRps = await requestsPerSecond(listUrl, listHeaders, 'list');
  // Business errors answer HTTP 200 too: the token must still have been good at the end.
  await call(server.base, 'GET', listUrl.slice(server.base.length), token);
  await stop(server.proc);

  const bare = await startBare();
  const bareRps = await requestsPerSecond(bare.url, {}, 'bare fastify');
  await stop(bare.proc);

  const ratio = (x, y) => (x === null || y === null || y === undefined ? null : round(x / y));
  const figures = {
    create5000_p50_ms: round(create0.p50),
    create5000_min_ms: round(create0.min),
    create5000_max_ms: round(create0.max),
    floor_p50_ms: floor0?.p50 ?? null,
    create5000_ratio: ratio(create0.p50, floor0?.p50),
    create5000_p50_ms_200k: round(create200k.p50),
    create5000_min_ms_200k: round(create200k.min),
    create5000_max_ms_200k: round(create200k.max),
    floor_p50_ms_200k: floor200k?.p50 ?? null,
    create5000_ratio_200k: ratio(create200k.p50, floor200k?.p50),
    timed_creates: CREATES,
    list_rps: round(listRps, 0),
    bare_rps: round(bareRps, 0),
    list_ratio: ratio(listRps, bareRps),
    connections: CONNECTIONS,
    duration_s: DURATION_S,
    peak_rss_mb: round(peakRss, 1),
    node: process.version,
    cpu_model: cpuModel(),
    cores: availableParallelism(),
    load_avg_1m: round(loadAtStart),
    run_s: round((Date.now() - started) / 1000, 1),
  };

  const row = (label, ms, ref) =>
    `${label.padEnd(34)} p50 ${String(round(ms.p50)).padStart(8)} ms  (min ${round(ms.min)}, max ${round(ms.max)})` +
    (ref ? `   floor p50 ${ref.p50} ms (min ${ref.min}, max ${ref.max})   ratio ${ratio(ms.p50, ref.p50)}` : '   floor n/a');
  console.log(`voucherd bench: node ${figures.node}, ${figures.cpu_model}, ${figures.cores} cores`);
  console.log(row('create 5000, site holding 0', create0, floor0));
  console.log(row(`create 5000, site holding ${PREFILL}`, create200k, floor200k));
  console.log(
    `list voucher-groups (pageSize 10)   ${figures.list_rps} req/s   bare fastify ${figures.bare_rps} req/s   ratio ${figures.list_ratio}` +
      `   (${CONNECTIONS} connections, ${DURATION_S} s each after ${WARMUP_S} s warm-up)`,
  );
  console.log(`voucherd peak RSS during the creates  ${figures.peak_rss_mb} MB`);
  console.log(JSON.stringify(figures));
}

const deadline = setTimeout(() => {
  log(`gave up after ${DEADLINE_MS / 1000} s`);
  cleanup();
  process.exit(1);
}, DEADLINE_MS);
deadline.unref();

try {
  await main();
} catch (error) {
  log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
} finally {
  cleanup();
}

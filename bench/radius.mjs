// How fast voucherd answers RADIUS authentication: PAP Access-Requests for valid codes drawn at
// random among 1,000,000 vouchers of one site, from a load generator in a second process
// (bench/radius-load.mjs, over UDP with the npm `radius` package), against a real
// `node dist/server.js` on SQLite. Each request is a first use of its voucher by a new client:
// the engine reads the voucher and its group, decides, and writes the use, the client and the
// session. Target: at least 5,000 authentications a second with a p99 under 10 ms.
//
// The vouchers are made through the Open API first (200 groups of 5000, not timed); the codes
// the generator sends are read from the database file. Progress goes to stderr; stdout gets a
// summary and ends with one JSON line: radius_auth_rps, radius_p50_ms, radius_p99_ms, …
//
// Knobs (environment): BENCH_RADIUS_VOUCHERS (1000000), BENCH_RADIUS_CONCURRENCY (outstanding
// requests, 32), BENCH_RADIUS_DURATION (seconds, 10), BENCH_RADIUS_WARMUP (seconds, 3);
// BENCH_SERVER_NODE_ARGS adds flags to the server's node (e.g. "--cpu-prof --cpu-prof-dir=DIR").
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  accessToken,
  BIN_JS,
  call,
  cleanup,
  createSite,
  freePort,
  freeUdpPort,
  log,
  OMADAC_ID,
  peakRssMb,
  positive,
  ROOT,
  serverEnv,
  start,
  startServer,
  stop,
  tempDir,
  waitFor,
} from './support.mjs';

const GROUP_SIZE = 5000;
const VOUCHERS = positive('BENCH_RADIUS_VOUCHERS', 1_000_000);
const CONCURRENCY = positive('BENCH_RADIUS_CONCURRENCY', 32);
const DURATION_S = positive('BENCH_RADIUS_DURATION', 10);
const WARMUP_S = positive('BENCH_RADIUS_WARMUP', 3);
const NAS_SECRET = 'bench-radius-secret';
const DEADLINE_MS = 15 * 60 * 1000;

const deadline = setTimeout(() => {
  log('the run took too long; stopping');
  cleanup();
  process.exit(1);
}, DEADLINE_MS);
deadline.unref();

async function main() {
  const load = loadavg()[0];
  const dataDir = tempDir('voucherd-bench-radius-');
  const port = await freePort();
  const authPort = await freeUdpPort();
  const acctPort = await freeUdpPort();
  const env = serverEnv({
    port,
    dataDir,
    VOUCHER_LIMIT_PER_SITE: '10000000',
    RADIUS_AUTH_PORT: String(authPort),
    RADIUS_ACCT_PORT: String(acctPort),
  });
  const server = startServer(env);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(server, async () => (await fetch(`${base}/api/info`)).status === 200, 'voucherd');

  const token = await accessToken(base);
  const siteId = await createSite(base, token, 'RADIUS bench');
  const groups = Math.ceil(VOUCHERS / GROUP_SIZE);
  log(`making ${groups * GROUP_SIZE} vouchers in ${groups} groups`);
  const made = performance.now();
  for (let i = 0; i < groups; i++) {
    await call(base, 'POST', `/openapi/v1/${OMADAC_ID}/sites/${siteId}/hotspot/voucher-groups`, token, {
      name: `Radius ${i}`,
      amount: GROUP_SIZE,
      codeLength: 10,
      codeForm: [0],
      limitType: 2,
      durationType: 0,
      duration: 60,
      timingType: 0,
      rateLimit: { mode: 0, customRateLimit: { downLimitEnable: true, downLimit: 10_240, upLimitEnable: true, upLimit: 2048 } },
      trafficLimitEnable: false,
      applyToAllPortals: true,
    });
    if ((i + 1) % 50 === 0) log(`${(i + 1) * GROUP_SIZE} vouchers`);
  }
  log(`vouchers made in ${Math.round((performance.now() - made) / 1000)} s`);

  const nas = start([BIN_JS, 'nas', 'add', '--site', siteId, '--address', '127.0.0.1', '--secret', NAS_SECRET], env);
  const nasExit = await nas.exit;
  if (nasExit.code !== 0) throw new Error(`nas add failed: ${nas.output}`);

  // The codes, in random order: every request is a voucher's first use.
  const database = new BetterSqlite3(join(dataDir, 'voucherd.db'), { readonly: true });
  const codes = database.prepare('select code from vouchers order by random()').pluck().all();
  database.close();
  const codesFile = join(dataDir, 'codes.txt');
  writeFileSync(codesFile, `${codes.join('\n')}\n`);

  log(`load: ${CONCURRENCY} outstanding, ${WARMUP_S} s warm-up, ${DURATION_S} s measured`);
  const generator = start([join(ROOT, 'bench', 'radius-load.mjs')], {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(authPort),
    SECRET: NAS_SECRET,
    CODES: codesFile,
    CONCURRENCY: String(CONCURRENCY),
    DURATION: String(DURATION_S),
    WARMUP: String(WARMUP_S),
  });
  const exit = await generator.exit;
  if (exit.code !== 0) throw new Error(`the load generator failed (${JSON.stringify(exit)}):\n${generator.output}`);
  const result = JSON.parse(generator.output.trim().split('\n').pop());
  const rss = peakRssMb(server.child.pid);
  await stop(server);
  if (result.exhausted > 0) throw new Error(`the generator ran out of prepared requests ${result.exhausted} times: raise PACKETS`);
  if (result.rejected > 0 || result.lost > 0) {
    throw new Error(`${result.rejected} rejected and ${result.lost} lost requests: every code sent is valid`);
  }

  const figures = {
    radius_vouchers: groups * GROUP_SIZE,
    radius_concurrency: CONCURRENCY,
    radius_auth_rps: result.rps,
    radius_p50_ms: result.p50_ms,
    radius_p99_ms: result.p99_ms,
    radius_max_ms: result.max_ms,
    radius_accepted: result.accepted,
    radius_peak_rss_mb: rss === null ? null : Math.round(rss),
    radius_target_met: result.rps >= 5000 && result.p99_ms !== null && result.p99_ms < 10,
    cpus: availableParallelism(),
    cpu: cpus()[0]?.model ?? null,
    node: process.version,
    load_average_at_start: Math.round(load * 100) / 100,
  };
  console.log(`RADIUS authentication among ${figures.radius_vouchers} vouchers, ${CONCURRENCY} outstanding:`);
  console.log(`  ${figures.radius_auth_rps} auth/s, p50 ${figures.radius_p50_ms} ms, p99 ${figures.radius_p99_ms} ms (target: >= 5000/s, p99 < 10 ms)`);
  console.log(JSON.stringify(figures));
}

main()
  .then(() => cleanup())
  .catch((error) => {
    log(error instanceof Error ? error.stack : String(error));
    cleanup();
    process.exit(1);
  });

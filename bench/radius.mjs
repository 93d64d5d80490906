// How fast voucherd answers RADIUS authentication: PAP Access-Requests for valid codes drawn at
// random among 1,000,000 vouchers of one site, from a load generator in a second process
// (bench/radius-load.mjs, over UDP with the npm `radius` package), against a real
// `node dist/server.js` on SQLite. Each request is a first use of its voucher by a new client:
// the engine reads the voucher and its group, decides, and writes the use, the client and the
// session. Target: at least 5,000 authentications a second with a p99 under 10 ms.
//
// Two loads, each run first against the floor (bench/udp-floor.mjs: a bare UDP responder, what
// the machine allows at that moment) and then against voucherd:
// - closed: BENCH_RADIUS_CONCURRENCY requests outstanding, the next sent as one is answered —
//   how many a second voucherd can answer (radius_auth_rps, and its ratio to the floor's);
// - open: BENCH_RADIUS_RATE requests a second fall due whatever the answers do, as from a fleet
//   of gateways — the latencies at that rate (radius_open_p99_ms; a server slower than the rate
//   falls behind, and its latencies grow with the backlog).
// The target is met when the closed load reaches 5,000/s and the open one at 5,000/s loses
// nothing with a p99 under 10 ms.
//
// The vouchers are made through the Open API first (200 groups of 5000, not timed); the codes
// the generator sends are read from the database file. Progress goes to stderr; stdout gets a
// summary and ends with one JSON line: radius_auth_rps, radius_p99_ms, radius_open_p99_ms, …
//
// Knobs (environment): BENCH_RADIUS_VOUCHERS (1000000), BENCH_RADIUS_CONCURRENCY (outstanding
// requests, 32), BENCH_RADIUS_RATE (5000), BENCH_RADIUS_DURATION (seconds, 10),
// BENCH_RADIUS_WARMUP (seconds, 3);
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
  round,
  runBenchmark,
  runRadiusLoad,
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
const RATE = positive('BENCH_RADIUS_RATE', 5000);
/** Open load: outstanding requests at most (one identifier space). */
const CONCURRENCY_OPEN = 255;
const NAS_SECRET = 'bench-radius-secret';
const DEADLINE_MS = 15 * 60 * 1000;

const deadline = setTimeout(() => {
  log('the run took too long; stopping');
  cleanup();
  process.exit(1);
}, DEADLINE_MS);
deadline.unref();

async function main() {
  const loadAverage = loadavg()[0];
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

  const floorPort = await freeUdpPort();
  const floor = start([join(ROOT, 'bench', 'udp-floor.mjs')], { ...process.env, PORT: String(floorPort) });
  await waitFor(floor, async () => floor.output.includes('listening'), 'the UDP floor');

  // Every request to voucherd is a first use: each of its runs takes codes no run took before
  // (the generator encodes all the packets it may send, so it spends more codes than it sends).
  let codesFrom = 0;
  const measure = async (target, settings) => {
    const toVoucherd = target === authPort;
    const result = await runRadiusLoad(
      {
        HOST: '127.0.0.1',
        PORT: String(target),
        SECRET: NAS_SECRET,
        CODES: codesFile,
        CODES_FROM: String(toVoucherd ? codesFrom : 0),
        DURATION: String(DURATION_S),
        WARMUP: String(WARMUP_S),
        ...(!toVoucherd && { REUSE: '1', PACKETS: '20000' }),
        ...settings,
      },
      toVoucherd ? server.child.pid : undefined,
    );
    if (toVoucherd) codesFrom += result.encoded;
    if (result.exhausted > 0) throw new Error(`the generator ran out of prepared requests ${result.exhausted} times: raise PACKETS`);
    if (result.rejected > 0) throw new Error(`${result.rejected} rejected requests: every code sent is valid`);
    log(`${toVoucherd ? 'voucherd' : 'floor'}, ${settings.RATE ? `${settings.RATE}/s offered` : `${settings.CONCURRENCY} outstanding`}: ${JSON.stringify(result)}`);
    return result;
  };

  // Floor and voucherd in turn, so that both runs of a pair meet the machine in the same moment.
  log(`closed load: ${CONCURRENCY} outstanding, ${WARMUP_S} s warm-up, ${DURATION_S} s measured`);
  const closedFloor = await measure(floorPort, { CONCURRENCY: String(CONCURRENCY) });
  const closed = await measure(authPort, { CONCURRENCY: String(CONCURRENCY) });
  if (closed.lost > 0) throw new Error(`${closed.lost} requests lost under closed load`);
  log(`open load: ${RATE} requests a second offered, at most ${CONCURRENCY_OPEN} outstanding`);
  const openFloor = await measure(floorPort, { RATE: String(RATE), CONCURRENCY: String(CONCURRENCY_OPEN) });
  const open = await measure(authPort, { RATE: String(RATE), CONCURRENCY: String(CONCURRENCY_OPEN) });
  const rss = peakRssMb(server.child.pid);
  await stop(server);
  await stop(floor);

  const figures = {
    radius_vouchers: groups * GROUP_SIZE,
    radius_concurrency: CONCURRENCY,
    radius_auth_rps: closed.rps,
    radius_p50_ms: closed.p50_ms,
    radius_p99_ms: closed.p99_ms,
    radius_max_ms: closed.max_ms,
    radius_server_cpu_us: closed.server_cpu_us,
    radius_generator_cpu_us: closed.cpu_us,
    radius_main_cpu_us: closed.main_cpu_us,
    radius_main_wait_us: closed.main_wait_us,
    radius_floor_rps: closedFloor.rps,
    radius_floor_p99_ms: closedFloor.p99_ms,
    radius_steal_pct: closed.steal_pct,
    radius_floor_steal_pct: closedFloor.steal_pct,
    radius_rps_ratio: round(closed.rps / closedFloor.rps),
    radius_open_rate: RATE,
    radius_open_rps: open.rps,
    radius_open_p50_ms: open.p50_ms,
    radius_open_p99_ms: open.p99_ms,
    radius_open_max_ms: open.max_ms,
    radius_open_lost: open.lost,
    radius_open_server_cpu_us: open.server_cpu_us,
    radius_open_generator_cpu_us: open.cpu_us,
    radius_open_main_cpu_us: open.main_cpu_us,
    radius_open_main_wait_us: open.main_wait_us,
    radius_open_floor_p50_ms: openFloor.p50_ms,
    radius_open_floor_p99_ms: openFloor.p99_ms,
    radius_open_steal_pct: open.steal_pct,
    radius_open_floor_steal_pct: openFloor.steal_pct,
    radius_open_late_ticks: open.late_ticks,
    radius_open_longest_tick_ms: open.longest_tick_ms,
    radius_open_floor_late_ticks: openFloor.late_ticks,
    radius_open_floor_longest_tick_ms: openFloor.longest_tick_ms,
    radius_accepted: closed.accepted + open.accepted,
    radius_peak_rss_mb: rss === null ? null : Math.round(rss),
    radius_target_met: closed.rps >= 5000 && open.lost === 0 && open.p99_ms !== null && open.p99_ms < 10,
    cpus: availableParallelism(),
    cpu: cpus()[0]?.model ?? null,
    node: process.version,
    load_average_at_start: round(loadAverage),
  };
  console.log(`RADIUS authentication among ${figures.radius_vouchers} vouchers (target: >= 5000/s, p99 < 10 ms):`);
  console.log(`  ${CONCURRENCY} outstanding: ${closed.rps} auth/s, p50 ${closed.p50_ms} ms, p99 ${closed.p99_ms} ms, server CPU ${closed.server_cpu_us} µs each (main thread ${closed.main_cpu_us}, waiting for a core ${closed.main_wait_us}), generator ${closed.cpu_us} µs; floor ${closedFloor.rps}/s (ratio ${figures.radius_rps_ratio}); host stole ${closed.steal_pct} % of the CPU (floor run ${closedFloor.steal_pct} %)`);
  console.log(`  ${RATE}/s offered: ${open.rps} answered/s, p50 ${open.p50_ms} ms, p99 ${open.p99_ms} ms, ${open.lost} lost, server CPU ${open.server_cpu_us} µs each (main thread ${open.main_cpu_us}, waiting for a core ${open.main_wait_us}), generator ${open.cpu_us} µs; floor p50 ${openFloor.p50_ms} ms, p99 ${openFloor.p99_ms} ms; host stole ${open.steal_pct} % of the CPU (floor run ${openFloor.steal_pct} %); generator ticks over 5 ms apart ${open.late_ticks}, longest ${open.longest_tick_ms} ms (floor run ${openFloor.late_ticks}, ${openFloor.longest_tick_ms} ms)`);
  console.log(JSON.stringify(figures));
}

runBenchmark(main);

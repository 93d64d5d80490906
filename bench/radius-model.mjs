// What p99 the machine allows a RADIUS server that costs what voucherd costs: the open load of
// bench/radius.mjs (BENCH_RADIUS_RATE requests a second, at most 255 outstanding, timed from when
// each fell due) against bench/cpu-model.mjs, which spends CPU in voucherd's threads as voucherd
// does and does nothing else, at voucherd's measured cost and at fractions of it
// (BENCH_MODEL_SCALES, "1,0.75,0.5"). Each round runs the floor (bench/udp-floor.mjs) and then
// every scale, so that they meet the machine in the same minutes; BENCH_MODEL_ROUNDS rounds (3).
// The host's steal is read around every run (see radius.mjs).
//
// The cost at scale 1 is what bench/radius.mjs measured of voucherd's threads at 5,000 /s
// offered (README, Performance → RADIUS: main thread 118–132 µs a request, RADIUS thread about
// 78, checkpoint thread about 24; 225–241 µs in all). The model spends BENCH_MODEL_MAIN_US (80) a
// request and BENCH_MODEL_BATCH_US (290) a batch in its main thread (voucherd's main thread takes
// 98 µs a request closed and 118 open, at about 32 and 10 requests a batch),
// BENCH_MODEL_RADIUS_US (35) in its RADIUS thread and BENCH_MODEL_CHECKPOINT_US (24) in its
// checkpoint thread; its own sockets and messages add the rest, so that it costs about what
// voucherd costs in all (its server_cpu_us, measured as radius.mjs measures voucherd's).
//
// Progress goes to stderr; stdout gets a line per run and ends with one JSON line:
// {"model_rate", "model_runs": [{"round","scale","p50_ms","p99_ms","lost","server_cpu_us","steal_pct"}, …], …}
// (scale null: the floor).
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import {
  freeUdpPort,
  log,
  positive,
  ROOT,
  runBenchmark,
  runRadiusLoad,
  start,
  stop,
  tempDir,
  waitFor,
} from './support.mjs';

const RATE = positive('BENCH_RADIUS_RATE', 5000);
const DURATION_S = positive('BENCH_RADIUS_DURATION', 10);
const WARMUP_S = positive('BENCH_RADIUS_WARMUP', 3);
const ROUNDS = positive('BENCH_MODEL_ROUNDS', 3);
const SCALES = (process.env.BENCH_MODEL_SCALES ?? '1,0.75,0.5').split(',').map(Number);
if (SCALES.some((scale) => !(scale >= 0))) throw new Error('BENCH_MODEL_SCALES must be numbers of 0 or more, comma-separated');
const COST = {
  MAIN_US: positive('BENCH_MODEL_MAIN_US', 80),
  BATCH_US: positive('BENCH_MODEL_BATCH_US', 290),
  RADIUS_US: positive('BENCH_MODEL_RADIUS_US', 35),
  CHECKPOINT_US: positive('BENCH_MODEL_CHECKPOINT_US', 24),
};
/** As bench/radius.mjs's open load. */
const OUTSTANDING = 255;

/** Starts `script` on a free UDP port with `env`; answers it and its port once it listens. */
async function listening(script, env) {
  const port = await freeUdpPort();
  const server = start([join(ROOT, 'bench', script)], { ...process.env, ...env, PORT: String(port) });
  await waitFor(server, async () => server.output.includes('listening'), script);
  return { server, port };
}

async function openLoad(server, port, codesFile) {
  const result = await runRadiusLoad(
    {
      HOST: '127.0.0.1',
      PORT: String(port),
      SECRET: 'model',
      CODES: codesFile,
      REUSE: '1',
      PACKETS: '20000',
      RATE: String(RATE),
      CONCURRENCY: String(OUTSTANDING),
      DURATION: String(DURATION_S),
      WARMUP: String(WARMUP_S),
    },
    server.child.pid,
  );
  return { p50_ms: result.p50_ms, p99_ms: result.p99_ms, lost: result.lost, server_cpu_us: result.server_cpu_us, steal_pct: result.steal_pct };
}

async function main() {
  const dir = tempDir('voucherd-model-');
  // Neither server reads them; the generator needs codes to encode.
  const codesFile = join(dir, 'codes.txt');
  writeFileSync(codesFile, `${Array.from({ length: 20_000 }, (_, i) => String(10_000_000 + i)).join('\n')}\n`);
  log(`open load of ${RATE}/s; cost at scale 1: ${JSON.stringify(COST)}`);
  const runs = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const scale of [null, ...SCALES]) {
      const env = scale === null ? {} : Object.fromEntries(Object.entries(COST).map(([name, us]) => [name, String(us * scale)]));
      const { server, port } = await listening(scale === null ? 'udp-floor.mjs' : 'cpu-model.mjs', env);
      const run = { round, scale, ...(await openLoad(server, port, codesFile)) };
      await stop(server);
      runs.push(run);
      console.log(`round ${round}, ${scale === null ? 'floor' : `model at ${scale} of voucherd's CPU`}: p50 ${run.p50_ms} ms, p99 ${run.p99_ms} ms, ${run.lost} lost, server CPU ${run.server_cpu_us} µs a request; host stole ${run.steal_pct} %`);
    }
  }
  console.log(
    JSON.stringify({
      model_rate: RATE,
      model_cost_us: COST,
      model_runs: runs,
      cpus: availableParallelism(),
      cpu: cpus()[0]?.model ?? null,
      node: process.version,
    }),
  );
}

runBenchmark(main);

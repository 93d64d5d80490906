// A stand-in for voucherd's RADIUS path that does nothing but spend CPU where voucherd spends it,
// to learn what latency a given CPU cost a request allows on this machine (bench/radius-model.mjs).
// Its threads are voucherd's: a RADIUS thread that reads each Access-Request (RADIUS_US / 2 of CPU)
// and passes it on in groups, a main thread that works through what has come in one batch at a
// time (MAIN_US a request and BATCH_US a batch, as voucherd's store does with its commit), and
// whose answers go back together to the RADIUS thread (RADIUS_US / 2 a reply, then the send), and a
// checkpoint thread that every 50 ms spends CHECKPOINT_US for each request answered since its last
// pass. No file is written and no packet checked: the replies are Access-Accepts of a grant's size.
// Prints "listening" once bound to 127.0.0.1:PORT.
import { createSocket } from 'node:dgram';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const settings = isMainThread ? process.env : workerData;
const micros = (name) => {
  const value = Number(settings[name] ?? 0);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number of microseconds`);
  return value;
};
const MAIN_US = micros('MAIN_US');
const BATCH_US = micros('BATCH_US');
const RADIUS_US = micros('RADIUS_US');
const CHECKPOINT_US = micros('CHECKPOINT_US');
/** Requests a pass of the checkpoint thread has to pay for, counted by the main thread. */
const SINCE_PASS = 0;

/**
 * Keeps the thread busy for `us` microseconds by the clock: voucherd's measured CPU a request,
 * spent in one go. Should the thread lose its core meanwhile, it spends less CPU than that, as
 * a server would whose work were done by the clock: the model is, if anything, kind to itself.
 */
function spend(us) {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

function radiusThread() {
  // An Access-Accept as long as voucherd's grants (see bench/udp-floor.mjs).
  const accept = Buffer.alloc(130);
  accept[0] = 2;
  accept.writeUInt16BE(accept.length, 2);
  const socket = createSocket('udp4');
  const waiting = new Map();
  let next = 0;
  let calls = [];
  let queued = false;
  const flush = () => {
    queued = false;
    if (calls.length > 0) parentPort.postMessage(calls);
    calls = [];
  };
  socket.on('message', (request, remote) => {
    if (request.length < 20) return;
    spend(RADIUS_US / 2);
    const id = next++;
    waiting.set(id, { identifier: request[1], port: remote.port, address: remote.address });
    calls.push(id);
    // As voucherd's RADIUS thread: every 4 requests, or once the turn's packets are read.
    if (calls.length >= 4) flush();
    else if (!queued) {
      queued = true;
      setImmediate(flush);
    }
  });
  parentPort.on('message', (answered) => {
    for (const id of answered) {
      const to = waiting.get(id);
      waiting.delete(id);
      spend(RADIUS_US / 2);
      const reply = Buffer.from(accept);
      reply[1] = to.identifier;
      socket.send(reply, to.port, to.address);
    }
  });
  socket.bind(Number(settings.PORT), '127.0.0.1', () => parentPort.postMessage('listening'));
}

function checkpointThread() {
  const counts = new Int32Array(settings.counts);
  setInterval(() => spend(CHECKPOINT_US * Atomics.exchange(counts, SINCE_PASS, 0)), 50);
}

function mainThread() {
  const counts = new Int32Array(new SharedArrayBuffer(4));
  const radius = new Worker(new URL(import.meta.url), { workerData: { ...process.env, role: 'radius' } });
  new Worker(new URL(import.meta.url), { workerData: { ...process.env, role: 'checkpoint', counts: counts.buffer } }).unref();
  let queue = [];
  let draining = false;
  // As voucherd's store: what came while a batch ran is the next batch, started from setImmediate.
  const drain = () => {
    const batch = queue;
    queue = [];
    spend(MAIN_US * batch.length + BATCH_US);
    Atomics.add(counts, SINCE_PASS, batch.length);
    radius.postMessage(batch);
    if (queue.length > 0) setImmediate(drain);
    else draining = false;
  };
  radius.on('message', (message) => {
    if (message === 'listening') {
      process.stdout.write('listening\n');
      return;
    }
    queue.push(...message);
    if (!draining) {
      draining = true;
      setImmediate(drain);
    }
  });
  process.on('SIGTERM', () => process.exit(0));
}

if (isMainThread) mainThread();
else if (settings.role === 'radius') radiusThread();
else checkpointThread();

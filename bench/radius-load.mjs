// A RADIUS load generator, run in a process of its own by bench/radius.mjs: PAP Access-Requests
// (User-Name and User-Password the code, Calling-Station-Id a MAC of its own per request, with a
// Message-Authenticator) for codes read from a file, `CONCURRENCY` outstanding at a time, for
// `DURATION` seconds after `WARMUP` seconds. Each answer is matched to its request by identifier
// and timed from send to receipt (open load, below: from when it fell due). Prints one JSON line:
//   {"sent","accepted","rejected","lost","exhausted","encoded","rps","cpu_us","p50_ms","p99_ms","max_ms"}
// (encoded: how many codes from CODES_FROM on the prepared packets took).
// rps counts answered requests (accepts and rejects) in the measured seconds; cpu_us is the
// generator's own CPU time for each of them. An open load adds late_ticks and longest_tick_ms
// (see openLoad).
//
// With RATE set, the load is open instead, as a fleet of gateways sends it: RATE requests a
// second fall due whatever the server does, at most CONCURRENCY outstanding (a request due while
// all are out waits for the next answer). The generator's timer ticks every millisecond or so;
// a request is timed from the tick it fell due in, so a server that falls behind shows it in the
// latencies rather than slowing the load (no coordinated omission).
//
// The requests are encoded before the clock starts (PACKETS of them: by default enough for 12,000
// a second closed, RATE and a fifth open, and no more than there are codes from CODES_FROM on), so
// the generator's own time goes to the socket; a slot that has sent all of its packets stops and
// is counted as `exhausted` — unless REUSE is set, for a server that keeps no state (the floor,
// bench/udp-floor.mjs): then slots send their packets again from the first.
//
// Environment: HOST, PORT, SECRET, CODES (a file, one code a line), CODES_FROM (0), CONCURRENCY
// (64), RATE, DURATION (10), WARMUP (2), TIMEOUT_MS (2000), PACKETS, REUSE.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import radius from 'radius';
import { round } from './support.mjs';

const HOST = process.env.HOST ?? '127.0.0.1';
const PORT = Number(process.env.PORT);
const SECRET = process.env.SECRET;
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64);
const RATE = Number(process.env.RATE ?? 0);
const REUSE = process.env.REUSE !== undefined && process.env.REUSE !== '';
const DURATION_MS = Number(process.env.DURATION ?? 10) * 1000;
const WARMUP_MS = Number(process.env.WARMUP ?? 2) * 1000;
const TIMEOUT_MS = Number(process.env.TIMEOUT_MS ?? 2000);
if (!PORT || !SECRET || !process.env.CODES) throw new Error('PORT, SECRET and CODES are required');
if (CONCURRENCY > 255) throw new Error('CONCURRENCY must be at most 255 (one identifier space)');

const codes = readFileSync(process.env.CODES, 'utf8').split('\n').filter(Boolean).slice(Number(process.env.CODES_FROM ?? 0));
let next = 0;
let macCounter = 0;

const mac = () => {
  const n = macCounter++;
  return ['02', (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255, 1]
    .map((byte) => (typeof byte === 'string' ? byte : byte.toString(16).padStart(2, '0')))
    .join('-')
    .toUpperCase();
};

// Answers may come in bursts (a batch's worth at once) while the generator waits for a core: a
// receive buffer as large as the system allows keeps it from dropping them.
const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
// The generator keeps its own work per request free of garbage: outstanding requests live in
// typed arrays by identifier, latencies in a typed array, the prepared packets in one buffer. Its
// collections would otherwise pause it for milliseconds at a time, and an answer it reads late
// counts as the server's latency.
/** Outstanding requests by identifier: whether out, when sent, when due, whether measured. */
const out = new Uint8Array(CONCURRENCY);
const sentAt = new Float64Array(CONCURRENCY);
const dueAt = new Float64Array(CONCURRENCY);
const measured = new Uint8Array(CONCURRENCY);
const free = Array.from({ length: CONCURRENCY }, (_, i) => i);
let latencies = new Float64Array(1 << 16);
let latencyCount = 0;
const counts = { sent: 0, accepted: 0, rejected: 0, lost: 0, exhausted: 0 };
let measuring = false;
let stopping = false;
let measuredAnswers = 0;

/**
 * The requests each slot sends, encoded before the clock starts: an outstanding request is known
 * by its identifier, so slot i always sends identifier i, and its packets are ready to go. The
 * generator then spends its time sending and receiving, not signing.
 */
// Every request is a first use: one code each, so never more requests than codes.
const PER_SECOND = RATE > 0 ? RATE * 1.2 : 12_000;
const PACKETS = Math.min(Number(process.env.PACKETS ?? (PER_SECOND * (DURATION_MS + WARMUP_MS)) / 1000), codes.length);
// Open load takes free slots in turn (the longest free first), so they wear evenly.
const PER_SLOT = Math.ceil(PACKETS / CONCURRENCY);
// node-radius gives each packet a 4 KiB buffer of its own (hundreds of MB for a run): copied
// into one buffer, they take a fortieth of the memory and hardly any of the collector's time.
const encoded = Array.from({ length: CONCURRENCY }, (_, identifier) =>
  Array.from({ length: PER_SLOT }, () =>
    Buffer.from(
      radius.encode({
        code: 'Access-Request',
        secret: SECRET,
        identifier,
        add_message_authenticator: true,
        attributes: [
          ['User-Name', codes[next % codes.length]],
          ['User-Password', codes[next++ % codes.length]],
          ['Calling-Station-Id', mac()],
          ['NAS-IP-Address', '127.0.0.1'],
        ],
      }),
    ),
  ),
);
/** Slot i's packet j is packetBytes[packetStart[i * PER_SLOT + j] …] of packetLength[…] octets. */
const prepared = encoded.flat();
const packetBytes = Buffer.concat(prepared);
const packetStart = new Uint32Array(prepared.length);
const packetLength = new Uint16Array(prepared.length);
prepared.reduce((start, packet, i) => {
  packetStart[i] = start;
  packetLength[i] = packet.length;
  return start + packet.length;
}, 0);
const sentBySlot = new Array(CONCURRENCY).fill(0);

/** Open load: when each request not yet sent was due, oldest first. */
const due = [];

/** Sends a request from a free slot: closed load sends the next one at once, open load the oldest due. */
function send() {
  if (stopping || free.length === 0) return;
  if (RATE > 0 && due.length === 0) return;
  const identifier = RATE > 0 ? free.shift() : free.pop();
  // Sent once each: a packet sent again would be a retransmission, answered from the server's cache.
  if (sentBySlot[identifier] === PER_SLOT && REUSE) sentBySlot[identifier] = 0;
  if (sentBySlot[identifier] === PER_SLOT) {
    counts.exhausted++;
    return;
  }
  const packet = identifier * PER_SLOT + sentBySlot[identifier]++;
  const now = performance.now();
  out[identifier] = 1;
  sentAt[identifier] = now;
  dueAt[identifier] = RATE > 0 ? due.shift() : now;
  measured[identifier] = measuring ? 1 : 0;
  counts.sent++;
  socket.send(packetBytes, packetStart[packet], packetLength[packet]);
}

/**
 * Open load: the measured seconds' ticks that came more than LATE_TICK_MS after the one before,
 * and the longest wait between two. A tick comes late when the generator waits for a core, or when
 * the whole machine stops (a virtual machine whose host runs something else): requests out then
 * wait too, wherever they are.
 */
const LATE_TICK_MS = 5;
const ticks = { late: 0, longestMs: 0 };

/** Open load: every millisecond, the requests that fell due since the last tick. */
function openLoad() {
  const start = performance.now();
  let scheduled = 0;
  let lastTick = start;
  return setInterval(() => {
    const until = Math.floor(((performance.now() - start) * RATE) / 1000);
    // Timed from this tick: the generator's own timer is coarser than the intervals between requests.
    const now = performance.now();
    if (measuring) {
      if (now - lastTick > LATE_TICK_MS) ticks.late++;
      ticks.longestMs = Math.max(ticks.longestMs, now - lastTick);
    }
    lastTick = now;
    for (; scheduled < until; scheduled++) due.push(now);
    while (due.length > 0 && free.length > 0 && !stopping) send();
  }, 1);
}

// Requests unanswered after TIMEOUT_MS are lost, and their slots send the next: one sweep looks
// every tenth of the timeout, rather than a timer per request (the generator shares the cores
// with the server it measures, so its own work per request is kept small).
const sweep = setInterval(() => {
  const expired = performance.now() - TIMEOUT_MS;
  for (let identifier = 0; identifier < CONCURRENCY; identifier++) {
    if (out[identifier] === 0 || sentAt[identifier] > expired) continue;
    out[identifier] = 0;
    counts.lost++;
    free.push(identifier);
    send();
  }
}, TIMEOUT_MS / 10);

socket.on('message', (message) => {
  if (message.length < 20) return;
  const identifier = message[1];
  if (identifier >= CONCURRENCY || out[identifier] === 0) return;
  out[identifier] = 0;
  const ms = performance.now() - dueAt[identifier];
  if (message[0] === 2) counts.accepted++;
  else counts.rejected++;
  if (measured[identifier] === 1 && measuring) {
    if (latencyCount === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[latencyCount++] = ms;
    measuredAnswers++;
  }
  free.push(identifier);
  send();
});

// Connected: each send skips the address lookup, and only the server's answers come in.
await new Promise((resolve) => socket.connect(PORT, HOST, resolve));
const ticker = RATE > 0 ? openLoad() : undefined;
if (RATE === 0) for (let i = 0; i < CONCURRENCY; i++) send();
await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
measuring = true;
const startedAt = process.hrtime.bigint();
const cpuAtStart = process.cpuUsage();
await new Promise((resolve) => setTimeout(resolve, DURATION_MS));
measuring = false;
const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
const cpu = process.cpuUsage(cpuAtStart);
stopping = true;
await new Promise((resolve) => setTimeout(resolve, Math.min(TIMEOUT_MS, 500)));
clearInterval(sweep);
clearInterval(ticker);
socket.close();

latencies = latencies.subarray(0, latencyCount).sort();
const at = (q) => (latencies.length === 0 ? null : round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]));
process.stdout.write(
  `${JSON.stringify({
    ...counts,
    encoded: Math.min(next, codes.length),
    rps: Math.round(measuredAnswers / seconds),
    // The generator's own CPU for each answer it timed: its share of the machine it measures on.
    cpu_us: measuredAnswers === 0 ? null : Math.round((cpu.user + cpu.system) / measuredAnswers),
    ...(RATE > 0 && { late_ticks: ticks.late, longest_tick_ms: round(ticks.longestMs) }),
    p50_ms: at(0.5),
    p99_ms: at(0.99),
    max_ms: latencies.length === 0 ? null : round(latencies[latencies.length - 1]),
  })}\n`,
);

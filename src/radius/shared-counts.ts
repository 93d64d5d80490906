import { REJECT_MESSAGES, type RejectReason } from '../domain/redemption-rules.js';
import type { Metrics } from '../metrics.js';
import type { RadiusCounters } from './server.js';

/**
 * The RADIUS thread's counts of packets and redemptions, kept in memory it shares with the main
 * thread: the thread adds to them as it goes (CountsWriter), and the main thread moves what was
 * added into its Prometheus counters whenever those are read (CountsReader). A count needs no
 * message between the threads, and it is there from the moment the thread makes it, before the
 * reply it counts is sent.
 *
 * Each count is a 32-bit slot that wraps around; the reader takes the difference since its last
 * look modulo 2^32, which is right as long as it looks before a slot has gone round once (at
 * 5,000 packets a second, ten days): the host looks every minute besides every scrape.
 */

/**
 * What the RADIUS front door counts packets as (voucherd_radius_packets_total's `type`): a request
 * by its kind, a reply by its kind, and a packet dropped by why.
 */
export const RADIUS_PACKET_TYPES = [
  'access-request',
  'access-accept',
  'access-reject',
  'accounting-request',
  'accounting-response',
  'status-server',
  'disconnect-request',
  'disconnect-ack',
  'disconnect-nak',
  'duplicate',
  'dropped',
  'malformed',
  'unsupported',
  'bad-authenticator',
  'missing-message-authenticator',
  'error',
] as const;

export type RadiusPacketType = (typeof RADIUS_PACKET_TYPES)[number];

/** What the RADIUS front door counts a redemption as (voucherd_redemptions_total's `result`). */
export type RadiusRedemptionResult = 'accepted' | 'no-client-mac' | RejectReason;

export const RADIUS_REDEMPTION_RESULTS: readonly RadiusRedemptionResult[] = [
  'accepted',
  'no-client-mac',
  ...(Object.keys(REJECT_MESSAGES) as RejectReason[]),
];

const PACKET_SLOTS = RADIUS_PACKET_TYPES.length;
const SLOTS = PACKET_SLOTS + RADIUS_REDEMPTION_RESULTS.length;

const packetSlot = new Map<RadiusPacketType, number>(RADIUS_PACKET_TYPES.map((type, i) => [type, i]));
const resultSlot = new Map<RadiusRedemptionResult, number>(RADIUS_REDEMPTION_RESULTS.map((result, i) => [result, PACKET_SLOTS + i]));

/** Memory for one RADIUS front door's counts, for as long as its host runs (across restarts of the thread). */
export function sharedCountsBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(SLOTS * Uint32Array.BYTES_PER_ELEMENT);
}

/** The RADIUS thread's side: RadiusCounters that add to the shared memory. */
export class CountsWriter implements RadiusCounters {
  readonly #counts: Uint32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.#counts = new Uint32Array(buffer);
  }

  readonly radiusPackets = { inc: ({ type }: { type: RadiusPacketType }) => void Atomics.add(this.#counts, packetSlot.get(type)!, 1) };
  readonly redemptions = { inc: ({ result }: { result: RadiusRedemptionResult }) => void Atomics.add(this.#counts, resultSlot.get(result)!, 1) };
}

/** The main thread's side: moves what the thread counted since the last look into `metrics`. */
export class CountsReader {
  readonly #counts: Uint32Array;
  /** Each slot as the last look found it. */
  readonly #seen = new Uint32Array(SLOTS);

  constructor(
    buffer: SharedArrayBuffer,
    private readonly metrics: Pick<Metrics, 'radiusPackets' | 'redemptions'>,
  ) {
    this.#counts = new Uint32Array(buffer);
  }

  collect(): void {
    for (let slot = 0; slot < SLOTS; slot++) {
      const now = Atomics.load(this.#counts, slot);
      const added = (now - this.#seen[slot]!) >>> 0;
      if (added === 0) continue;
      this.#seen[slot] = now;
      if (slot < PACKET_SLOTS) this.metrics.radiusPackets.inc({ type: RADIUS_PACKET_TYPES[slot]! }, added);
      else this.metrics.redemptions.inc({ result: RADIUS_REDEMPTION_RESULTS[slot - PACKET_SLOTS]! }, added);
    }
  }
}

import type { AccountingRequest, RedeemOutcome, RedeemRequest } from '../domain/redemption.js';
import type { NasRecord, SessionRecord } from '../store/port.js';
import type { RadiusSettings } from './server.js';

/**
 * The messages between the RADIUS thread (worker.ts: sockets, packets, secrets) and the main
 * thread (host.ts: the store and the redemption engine). Each side gathers what it has to say
 * during one turn of its event loop and posts it as one message, so that under load one message
 * carries the calls or answers of many packets.
 */

/** What the RADIUS thread asks of the main thread, and what each call answers. */
export interface ThreadCalls {
  redeem: { args: RedeemRequest; answer: RedeemOutcome };
  account: { args: AccountingRequest; answer: { known: boolean; ended: boolean } };
  endSessionsOfNas: { args: { siteId: string; nasId: string }; answer: number };
  listNas: { args: null; answer: NasRecord[] };
}

export type CallName = keyof ThreadCalls;

export interface Call<N extends CallName = CallName> {
  readonly id: number;
  readonly name: N;
  readonly args: ThreadCalls[N]['args'];
}

export type Answer = { readonly id: number; readonly value: unknown } | { readonly id: number; readonly error: unknown };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  readonly level: LogLevel;
  readonly fields: object;
  readonly message: string;
}

/** The RADIUS thread's start-up data (workerData). */
export interface RadiusThreadData {
  readonly settings: RadiusSettings;
  /** The levels the main thread's logger writes; the others are not sent over. */
  readonly logLevels: readonly LogLevel[];
  /** Where the thread counts packets and redemptions, read by the main thread (shared-counts.ts). */
  readonly counts: SharedArrayBuffer;
}

export type FromRadiusThread =
  | { readonly type: 'started'; readonly authPort: number | undefined; readonly acctPort: number | undefined }
  | { readonly type: 'failed'; readonly error: unknown }
  | {
      readonly type: 'batch';
      readonly calls: readonly Call[];
      readonly logs: readonly LogEntry[];
    }
  | { readonly type: 'closed' };

export type ToRadiusThread =
  | { readonly type: 'answers'; readonly answers: readonly Answer[] }
  | { readonly type: 'sessions-ended'; readonly sessions: readonly SessionRecord[] }
  | { readonly type: 'close' };

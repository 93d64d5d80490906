import { Worker } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../metrics.js';
import type { NasRepository, SessionRecord } from '../store/port.js';
import type { RadiusSettings, RedemptionEngine } from './server.js';
import { CountsReader, sharedCountsBuffer } from './shared-counts.js';
import type { Answer, Call, FromRadiusThread, LogLevel, RadiusThreadData, ToRadiusThread } from './thread-messages.js';

export interface RadiusHostDeps {
  readonly nas: NasRepository;
  readonly redemption: RedemptionEngine;
  readonly logger: FastifyBaseLogger;
  readonly metrics: Metrics;
  readonly settings: RadiusSettings;
}

const LEVELS: readonly (LogLevel | 'trace' | 'fatal')[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
/** A RADIUS thread that stopped unasked is started again after this long (ms). */
const RESTART_DELAY_MS = 1000;
/** How often the thread's counts are looked at besides scrapes (ms). */
const COUNTS_LOOK_MS = 60_000;

function canCopy(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** The levels `logger` writes, of those the RADIUS thread logs at. */
function logLevels(logger: FastifyBaseLogger): LogLevel[] {
  const from = LEVELS.indexOf(logger.level as LogLevel);
  if (from < 0) return [];
  return LEVELS.slice(from).filter((level): level is LogLevel => level !== 'trace' && level !== 'fatal');
}

/**
 * The RADIUS front door, run in a thread of its own (radius/worker.ts): this side answers the
 * thread's calls with the store and the redemption engine, writes its logs, moves its counters,
 * and tells it of the sessions the engine ended (for Disconnect-Requests). Answers settled together
 * go back in one message.
 *
 * Should the thread stop unasked, it is logged and started again on the same ports.
 */
export class RadiusHost {
  /** The running thread (tests stop it to see it started again). */
  private worker: Worker | undefined;
  #answers: Answer[] = [];
  #ended: SessionRecord[] = [];
  #flushQueued = false;
  #closing = false;
  #closed: (() => void) | undefined;
  #restart: NodeJS.Timeout | undefined;
  #settings: RadiusSettings;
  /** The thread's counts, kept across its restarts, and moved into the metrics as they are read. */
  readonly #counts = sharedCountsBuffer();
  readonly #countsReader: CountsReader;
  readonly #stopCounting: () => void;
  /** Looks at the counts now and then besides scrapes, so that none goes round unseen (shared-counts.ts). */
  readonly #countsTimer: NodeJS.Timeout;
  authPort: number | undefined;
  acctPort: number | undefined;

  private constructor(private readonly deps: RadiusHostDeps) {
    this.#settings = deps.settings;
    const reader = new CountsReader(this.#counts, deps.metrics);
    this.#countsReader = reader;
    this.#stopCounting = deps.metrics.addSource(() => reader.collect());
    this.#countsTimer = setInterval(() => reader.collect(), COUNTS_LOOK_MS).unref();
  }

  /** Starts the thread and waits until it listens on the ports that are not 0. */
  static async start(deps: RadiusHostDeps): Promise<RadiusHost> {
    const host = new RadiusHost(deps);
    try {
      await host.#spawn();
    } catch (error) {
      host.#stopCountingNow();
      throw error;
    }
    deps.redemption.onSessionEnded((session) => {
      host.#ended.push(session);
      host.#soon();
    });
    return host;
  }

  async close(): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#restart);
    const worker = this.worker;
    if (worker) {
      await new Promise<void>((done) => {
        this.#closed = done;
        worker.once('exit', () => done());
        worker.postMessage({ type: 'close' } satisfies ToRadiusThread);
      });
      await worker.terminate();
    }
    this.#stopCountingNow();
  }

  /** What the thread counted last stays in the metrics; nothing is counted here any more. */
  #stopCountingNow(): void {
    clearInterval(this.#countsTimer);
    this.#countsReader.collect();
    this.#stopCounting();
  }

  #spawn(): Promise<void> {
    const data: RadiusThreadData = { settings: this.#settings, logLevels: logLevels(this.deps.logger), counts: this.#counts };
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: data });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (message: FromRadiusThread) => {
        switch (message.type) {
          case 'batch':
            this.#receive(message);
            break;
          case 'started':
            started = true;
            this.authPort = message.authPort;
            this.acctPort = message.acctPort;
            // Started again after a stop, it takes the same ports even where 0 asked for any.
            this.#settings = { ...this.#settings, authPort: message.authPort ?? 0, acctPort: message.acctPort ?? 0 };
            resolve();
            break;
          case 'failed':
            void worker.terminate();
            reject(message.error);
            break;
          case 'closed':
            this.#closed?.();
            break;
        }
      });
      worker.on('error', (error) => {
        if (!started) reject(error);
        else this.deps.logger.error({ err: error }, 'radius: the RADIUS thread failed');
      });
      worker.on('exit', (code) => {
        const current = this.worker === worker;
        if (current) this.worker = undefined;
        if (!started) {
          reject(new Error(`the RADIUS thread stopped while starting (exit code ${code})`));
          return;
        }
        if (this.#closing || !current) return;
        this.deps.logger.error({ code }, 'radius: the RADIUS thread stopped; starting it again');
        this.#restartLater();
      });
    });
  }

  /** Starts the thread again in a while, and again after that for as long as it fails to start. */
  #restartLater(): void {
    this.#restart = setTimeout(() => {
      this.#spawn().catch((error: unknown) => {
        this.deps.logger.error({ err: error }, 'radius: starting the RADIUS thread again failed; trying again');
        if (!this.#closing) this.#restartLater();
      });
    }, RESTART_DELAY_MS);
  }

  #receive(batch: Extract<FromRadiusThread, { type: 'batch' }>): void {
    const { logger } = this.deps;
    for (const { level, fields, message } of batch.logs) logger[level](fields, message);
    for (const call of batch.calls) {
      this.#run(call).then(
        (value) => this.#answer({ id: call.id, value }),
        (error: unknown) => this.#answer({ id: call.id, error }),
      );
    }
  }

  #run(call: Call): Promise<unknown> {
    const { redemption, nas } = this.deps;
    switch (call.name) {
      case 'redeem':
        return redemption.redeem((call as Call<'redeem'>).args);
      case 'account':
        return redemption.account((call as Call<'account'>).args);
      case 'endSessionsOfNas': {
        const { siteId, nasId } = (call as Call<'endSessionsOfNas'>).args;
        return redemption.endSessionsOfNas(siteId, nasId);
      }
      case 'listNas':
        return nas.list();
    }
  }

  #answer(answer: Answer): void {
    this.#answers.push(answer);
    this.#soon();
  }

  /**
   * The answers of one batch of redemptions settle in one run of microtasks after its commit: they
   * go back together right after it, before the next batch starts.
   */
  #soon(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    process.nextTick(() => this.#flush());
  }

  #flush(): void {
    this.#flushQueued = false;
    const worker = this.worker;
    const answers = this.#answers;
    const sessions = this.#ended;
    this.#answers = [];
    this.#ended = [];
    if (!worker) return;
    // Sessions first: the thread learns that a session ended before the answer of the call that ended it.
    if (sessions.length > 0) worker.postMessage({ type: 'sessions-ended', sessions } satisfies ToRadiusThread);
    if (answers.length > 0) {
      try {
        worker.postMessage({ type: 'answers', answers } satisfies ToRadiusThread);
      } catch {
        // An answer that cannot be copied to the thread fails its call alone; the others go as they are.
        const copyable = answers.map((answer) => (canCopy(answer) ? answer : { id: answer.id, error: new Error('the answer could not be sent to the RADIUS thread') }));
        worker.postMessage({ type: 'answers', answers: copyable } satisfies ToRadiusThread);
      }
    }
  }
}

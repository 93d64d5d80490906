import { parentPort, workerData } from 'node:worker_threads';
import type { SessionRecord } from '../store/port.js';
import { RadiusServer, type RadiusCounters, type RadiusLogger, type RedemptionEngine } from './server.js';
import { CountsWriter } from './shared-counts.js';
import type {
  Answer,
  Call,
  CallName,
  FromRadiusThread,
  LogEntry,
  LogLevel,
  RadiusThreadData,
  ThreadCalls,
  ToRadiusThread,
} from './thread-messages.js';

/**
 * The RADIUS thread: the front door (RadiusServer) runs here, with its sockets, packet decoding,
 * authenticators and reply encoding, and reaches the store and the redemption engine of the main
 * thread through messages (see host.ts). Under load the packets' work and the engine's work run
 * on two cores.
 */

if (!parentPort) throw new Error('radius/worker.js runs as a worker thread (see RadiusHost)');
const port = parentPort;
const data = workerData as RadiusThreadData;

/** A log field as it can cross to the main thread: an Error keeps its class and message; what cannot be copied is written as text. */
function copyable(value: unknown): unknown {
  if (typeof value === 'function' || typeof value === 'symbol') return String(value);
  if (value === null || typeof value !== 'object' || value instanceof Error) return value;
  try {
    return structuredClone(value);
  } catch {
    return String(value);
  }
}

/**
 * Calls go out at the latest once the packets read in one turn of the event loop are handled,
 * and sooner every this many: the main thread starts on the first redemptions of a burst while
 * this thread still decodes the rest.
 */
const SEND_EVERY = 4;

/** The main thread as the front door sees it: calls answered later, logs sent in batches, counts in shared memory. */
class MainThread {
  #calls: Call[] = [];
  #afterFlush: (() => void)[] = [];
  #logs: LogEntry[] = [];
  readonly #waiting = new Map<number, { resolve: (value: never) => void; reject: (error: unknown) => void }>();
  #nextId = 0;
  #flushQueued = false;
  readonly #levels = new Set<LogLevel>(data.logLevels);

  call<N extends CallName>(name: N, args: ThreadCalls[N]['args']): Promise<ThreadCalls[N]['answer']> {
    const id = this.#nextId++;
    this.#calls.push({ id, name, args });
    if (this.#calls.length >= SEND_EVERY) this.#flush();
    else this.#soon();
    return new Promise((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
  }

  /**
   * Runs `action` once every log written so far is posted: at once when none waits (replies wait
   * so, see RadiusDeps.sendReply). An action waits only while logs do, so they run in order.
   */
  afterFlush(action: () => void): void {
    if (this.#logs.length === 0) {
      action();
      return;
    }
    this.#afterFlush.push(action);
    this.#soon();
  }

  answer(answers: readonly Answer[]): void {
    for (const answer of answers) {
      const waiting = this.#waiting.get(answer.id);
      if (!waiting) continue;
      this.#waiting.delete(answer.id);
      if ('error' in answer) waiting.reject(answer.error);
      else waiting.resolve(answer.value as never);
    }
  }

  readonly logger: RadiusLogger = {
    debug: (fields, message) => this.#log('debug', fields, message),
    info: (fields, message) => this.#log('info', fields, message),
    warn: (fields, message) => this.#log('warn', fields, message),
    error: (fields, message) => this.#log('error', fields, message),
  };

  readonly counters: RadiusCounters = new CountsWriter(data.counts);

  #log(level: LogLevel, fields: object, message: string): void {
    if (!this.#levels.has(level)) return;
    this.#logs.push({ level, fields: Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, copyable(value)])), message });
    this.#soon();
  }

  /** Everything said during this turn of the event loop goes in one message, once the turn's packets are read. */
  #soon(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushQueued = false;
    const batch: FromRadiusThread = { type: 'batch', calls: this.#calls, logs: this.#logs };
    this.#calls = [];
    this.#logs = [];
    const after = this.#afterFlush;
    this.#afterFlush = [];
    if (batch.calls.length > 0 || batch.logs.length > 0) port.postMessage(batch);
    for (const action of after) action();
  }
}

const main = new MainThread();
const listeners: ((session: SessionRecord) => void)[] = [];
const engine: RedemptionEngine = {
  redeem: (request) => main.call('redeem', request),
  account: (request) => main.call('account', request),
  endSessionsOfNas: (siteId, nasId) => main.call('endSessionsOfNas', { siteId, nasId }),
  onSessionEnded: (listener) => {
    listeners.push(listener);
  },
};

let server: RadiusServer | undefined;
port.on('message', (message: ToRadiusThread) => {
  switch (message.type) {
    case 'answers':
      main.answer(message.answers);
      break;
    case 'sessions-ended':
      for (const session of message.sessions) for (const listener of listeners) listener(session);
      break;
    case 'close':
      void (server?.close() ?? Promise.resolve()).finally(() => port.postMessage({ type: 'closed' } satisfies FromRadiusThread));
      break;
  }
});

try {
  server = await RadiusServer.start({
    nas: { list: () => main.call('listNas', null) },
    redemption: engine,
    logger: main.logger,
    metrics: main.counters,
    settings: data.settings,
    sendReply: (send) => main.afterFlush(send),
  });
  port.postMessage({ type: 'started', authPort: server.authPort, acctPort: server.acctPort } satisfies FromRadiusThread);
} catch (error) {
  port.postMessage({ type: 'failed', error } satisfies FromRadiusThread);
}

import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilent } from 'pino';

type Level = Exclude<LevelWithSilent, 'silent'>;
type LogArgs = Parameters<FastifyBaseLogger['info']>;

/** Whether `logger` writes lines of `level` (pino can tell); a logger that cannot tell is taken to. */
export function writesLevel(logger: FastifyBaseLogger, level: Level): boolean {
  return (logger as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.(level) ?? true;
}

/**
 * The logger of one request: the child of the app's logger bound to the request id, made the
 * first time the request writes a line. Fastify gives every request such a child; making a pino
 * child (its bindings serialized and redacted) costs more than most requests spend logging,
 * which at LOG_LEVEL warn is nothing at all. Lines are the child's own, bindings included.
 */
class RequestLogger implements FastifyBaseLogger {
  #child: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  #logger(): FastifyBaseLogger {
    this.#child ??= this.parent.child(this.bindings, this.options);
    return this.#child;
  }

  /** The logger that decides what is written: the child once made, until then the parent, whose level it takes. */
  #judge(): FastifyBaseLogger {
    return this.#child ?? this.parent;
  }

  get level(): string {
    return this.#judge().level;
  }

  set level(level: string) {
    this.#logger().level = level;
  }

  isLevelEnabled(level: string): boolean {
    return writesLevel(this.#judge(), level as Level);
  }

  #write(level: Level, args: LogArgs): void {
    if (!writesLevel(this.#judge(), level)) return;
    (this.#logger()[level] as (...args: LogArgs) => void)(...args);
  }

  fatal(...args: LogArgs): void {
    this.#write('fatal', args);
  }

  error(...args: LogArgs): void {
    this.#write('error', args);
  }

  warn(...args: LogArgs): void {
    this.#write('warn', args);
  }

  info(...args: LogArgs): void {
    this.#write('info', args);
  }

  debug(...args: LogArgs): void {
    this.#write('debug', args);
  }

  trace(...args: LogArgs): void {
    this.#write('trace', args);
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#logger().child(bindings, options);
  }
}

/**
 * Fastify's childLoggerFactory: the request's child logger, made when first written to (see
 * RequestLogger). A request whose route sets its own level or serializers gets its child at once.
 */
export function requestLogger(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  if (options.level !== undefined || options.serializers !== undefined) return parent.child(bindings, options);
  return new RequestLogger(parent, bindings, options);
}

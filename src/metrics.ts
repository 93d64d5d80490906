import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** What `GET /metrics` answers with: Prometheus text exposition format 0.0.4. */
export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** The `route` label of a request that matched no route, so raw paths never become label values. */
export const UNMATCHED_ROUTE = '(unmatched)';

let processRegistry: Registry | undefined;

/**
 * prom-client's default metrics (CPU, memory, event loop lag, GC, handles) describe the process,
 * not an app, and collecting them starts an event loop monitor and a GC observer that are never
 * stopped. So they are collected once per process, into a registry of their own (never
 * prom-client's global one), however many apps a process builds.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The metrics of one voucherd app, in a registry that app owns, so several apps in one process
 * (tests, benchmarks) count apart and never clash over a metric name.
 *
 * `redemptions` and `radiusPackets` are declared ahead of the redemption front doors (portal
 * and RADIUS) that will count into them; until those exist they have no series, which reads as zero.
 */
export class Metrics {
  readonly registry = new Registry();
  /** Counts kept elsewhere (the RADIUS thread's), moved into the counters below whenever they are read. */
  readonly #sources = new Set<() => void>();

  /** Requests by method, route pattern (never the raw URL) and status code. */
  readonly httpRequests = new Counter({
    name: 'voucherd_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [this.registry],
  });

  readonly httpRequestDuration = new Histogram({
    name: 'voucherd_http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to finishing its response, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly vouchersCreated = new Counter({
    name: 'voucherd_vouchers_created_total',
    help: 'Vouchers created, counting every voucher of every voucher group successfully created.',
    registers: [this.registry],
  });

  readonly redemptions = new Counter({
    name: 'voucherd_redemptions_total',
    help: 'Voucher redemption attempts by result (counted by the redemption front doors once they exist).',
    labelNames: ['result'] as const,
    registers: [this.registry],
    collect: () => this.#collectSources(),
  });

  readonly radiusPackets = new Counter({
    name: 'voucherd_radius_packets_total',
    help: 'RADIUS packets by type (counted by the RADIUS front door once it exists).',
    labelNames: ['type'] as const,
    registers: [this.registry],
    collect: () => this.#collectSources(),
  });

  /**
   * Has `collect` move counts kept elsewhere into `redemptions` and `radiusPackets` each time
   * they are read (scraped, or asked with `get()`); answers what stops it.
   */
  addSource(collect: () => void): () => void {
    this.#sources.add(collect);
    return () => void this.#sources.delete(collect);
  }

  #collectSources(): void {
    for (const collect of this.#sources) collect();
  }

  /** The app's metrics followed by the process's, as one Prometheus text document. */
  async text(): Promise<string> {
    const [own, processWide] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return `${own}\n${processWide}`;
  }
}

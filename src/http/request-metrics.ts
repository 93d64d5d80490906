import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UNMATCHED_ROUTE, type Metrics } from '../metrics.js';

/**
 * The route pattern a request matched (`/openapi/v1/:omadacId/sites/:siteId`), never its URL:
 * URLs carry ids and, in the token endpoint's query, secrets, and every distinct value would
 * become a series of its own. Requests no route matched share one label.
 */
function routeLabel(request: FastifyRequest): string {
  if (request.is404) return UNMATCHED_ROUTE;
  return request.routeOptions.url ?? UNMATCHED_ROUTE;
}

/** Counts and times every answered request by method, route pattern and status code. */
export function registerRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: routeLabel(request), status_code: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpRequestDuration.observe(labels, reply.elapsedTime / 1000);
  });
}

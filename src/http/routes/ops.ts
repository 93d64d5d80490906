import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Errors, OmadaError } from '../../domain/errors.js';
import { METRICS_CONTENT_TYPE, type Metrics } from '../../metrics.js';
import type { Store } from '../../store/port.js';
import { EnvelopeWithoutResult } from '../schemas/common.js';

const SUCCESS = { errorCode: 0, msg: 'Success.' } as const;

/** A database that has not answered `select 1` by then is as good as down for a load balancer. */
const READY_TIMEOUT_MS = 2000;

function withinTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the database did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Operations endpoints for orchestrators and monitoring, outside the Open API and without a token:
 * liveness (`/healthz`), readiness (`/readyz`: the database answers) and Prometheus metrics.
 */
export const opsRoutes: FastifyPluginAsyncTypebox<{ store: Store; metrics: Metrics }> = async (app, { store, metrics }) => {
  app.get('/healthz', { schema: { response: { 200: EnvelopeWithoutResult } } }, async () => SUCCESS);

  app.get('/readyz', { schema: { response: { 200: EnvelopeWithoutResult } } }, async (request) => {
    try {
      await withinTimeout(store.ping(), READY_TIMEOUT_MS);
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      throw new OmadaError(Errors.DATABASE_UNAVAILABLE);
    }
    return SUCCESS;
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type(METRICS_CONTENT_TYPE);
    return metrics.text();
  });
};

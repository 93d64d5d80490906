import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Clock, Random } from './domain/clock.js';
import type { CodeAlphabet } from './domain/codes.js';
import { Errors, invalidField, OmadaError } from './domain/errors.js';
import { VoucherGroupService } from './domain/voucher-groups.js';
import { VoucherExportService } from './domain/voucher-export.js';
import { VoucherLifecycleService } from './domain/voucher-lifecycle.js';
import { VoucherPrintService } from './domain/voucher-print.js';
import { VoucherStatisticsService } from './domain/voucher-statistics.js';
import type { OperationId } from './domain/permissions.js';
import { PortalService } from './domain/portals.js';
import { DEFAULT_REDEMPTION_SETTINGS, RedemptionService, type RedemptionSettings } from './domain/redemption.js';
import { RateLimitProfileService } from './domain/rate-limit-profiles.js';
import { SiteService } from './domain/sites.js';
import { TokenService } from './domain/tokens.js';
import { registerErrorHandling, sendError } from './http/errors.js';
import { registerGuard } from './http/guard.js';
import { requestLogger, writesLevel } from './http/request-logger.js';
import { registerRequestMetrics } from './http/request-metrics.js';
import { infoRoutes } from './http/routes/info.js';
import { opsRoutes } from './http/routes/ops.js';
import { authedClientRoutes } from './http/routes/authed-clients.js';
import { batchRoutes } from './http/routes/batch.js';
import { captivePortalRoutes } from './http/routes/captive-portal.js';
import { portalRoutes } from './http/routes/portals.js';
import { rateLimitProfileRoutes } from './http/routes/rate-limit-profiles.js';
import { siteRoutes } from './http/routes/sites.js';
import { tokenRoutes } from './http/routes/token.js';
import { voucherExportRoutes } from './http/routes/voucher-export.js';
import { voucherLifecycleRoutes } from './http/routes/voucher-lifecycle.js';
import { voucherPrintRoutes } from './http/routes/voucher-print.js';
import { voucherStatisticsRoutes } from './http/routes/voucher-statistics.js';
import { voucherRoutes } from './http/routes/vouchers.js';
import { createValidatorCompiler, MAX_JSON_DEPTH, nestsDeeperThan, unstorableField } from './http/validation.js';
import { Metrics } from './metrics.js';
import type { Store } from './store/port.js';

export interface AppSettings {
  readonly omadacId: string;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly siteLimit: number;
  readonly voucherLimitPerSite: number;
  readonly bodyLimitBytes: number;
  /** Token requests a minute per client id and per remote address; 0 turns a limit off. */
  readonly tokenRateLimitPerClient: number;
  readonly tokenRateLimitPerAddress: number;
  /** The guessing throttle and admin authorizations; the defaults when not given. */
  readonly redemption?: RedemptionSettings;
}

export interface AppDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: FastifyBaseLogger;
  readonly settings: AppSettings;
  /** The characters voucher codes are drawn from; tests shrink it to fill a code space. */
  readonly codeAlphabet?: CodeAlphabet;
  /** The app's Prometheus metrics; made here when not given (pass one to share it with other front doors). */
  readonly metrics?: Metrics;
}

export interface RegisteredOperation {
  readonly method: string;
  readonly url: string;
  readonly operation: OperationId;
}

declare module 'fastify' {
  interface FastifyInstance {
    operations: readonly RegisteredOperation[];
    metrics: Metrics;
    /** The redemption engine, for the front doors outside HTTP (RADIUS) to share. */
    redemption: RedemptionService;
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === null) continue;
    out[key] = isPlainObject(field) ? withoutNulls(field) : field;
  }
  return out;
}

/** Only the path is logged: query strings can carry client secrets and refresh tokens. */
const pathOf = (url: string) => url.split('?', 1)[0];

/**
 * The voucherd HTTP application, ready to `inject` or `listen`; it opens no port itself.
 * Tests, the CLI and benchmarks all build it here.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { store, clock, random, settings } = deps;
  const app = Fastify({
    loggerInstance: deps.logger,
    // voucherd writes its own request line (see onResponse) so that no query string is logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Each request's child logger is made only when the request writes a line.
    childLoggerFactory: requestLogger,
    bodyLimit: settings.bodyLimitBytes,
    return503OnClosing: true,
    // A request Fastify cannot even route (a URL with broken percent-encoding) still gets the envelope.
    frameworkErrors: (_error, _request, reply) => {
      sendError(reply as FastifyReply, Errors.MALFORMED_REQUEST, `${Errors.MALFORMED_REQUEST.msg} The request URL is malformed.`);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(createValidatorCompiler());
  registerErrorHandling(app, settings.bodyLimitBytes);

  const metrics = deps.metrics ?? new Metrics();
  app.decorate('metrics', metrics);
  registerRequestMetrics(app, metrics);

  // An empty JSON body is no body (the refresh grant is often sent that way); any other
  // media type is refused unless it carries nothing.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text.trim() === '') return done(null, undefined);
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
      const sentence = `The request body must not nest deeper than ${MAX_JSON_DEPTH} levels.`;
      return done(new OmadaError(Errors.MALFORMED_REQUEST, sentence), undefined);
    }
    parseJson(request, text, done);
  });
  app.removeContentTypeParser(['text/plain']);
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') return done(null, undefined);
    done(new OmadaError(Errors.MALFORMED_REQUEST, 'Content-Type must be application/json.'), undefined);
  });

  // A null field is a field left out, as the controller's JSON binding treats it.
  app.addHook('preValidation', async (request) => {
    if (isPlainObject(request.body)) request.body = withoutNulls(request.body);
  });

  // Text no database keeps as sent (a NUL, an unpaired surrogate) is refused rather than mangled,
  // once the schemas have had their say (a NUL in a number field is a wrong type first).
  app.addHook('preHandler', async (request) => {
    for (const part of [request.params, request.query, request.body]) {
      const field = unstorableField(part);
      if (field !== undefined) throw invalidField(`${field} must not contain NUL characters or unpaired surrogates.`);
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    // The line is built only when it is written (LOG_LEVEL info or finer).
    if (!writesLevel(request.log, 'info')) return;
    request.log.info(
      { method: request.method, path: pathOf(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  // Every Open API route and the operation it serves: the security suite walks this list.
  const operations: RegisteredOperation[] = [];
  app.decorate('operations', operations);
  app.addHook('onRoute', (route) => {
    const operation = route.config?.operation;
    if (operation !== undefined) operations.push({ method: String(route.method), url: route.url, operation });
  });

  const tokens = new TokenService(store, clock, random, settings);
  const sites = new SiteService(store, clock, random, settings.siteLimit);
  const portals = new PortalService(store, clock, random);
  const profiles = new RateLimitProfileService(store, clock, random);
  const groups = new VoucherGroupService(store, clock, random, {
    voucherLimitPerSite: settings.voucherLimitPerSite,
    ...(deps.codeAlphabet && { alphabet: deps.codeAlphabet }),
  });
  const redemption = new RedemptionService(store, clock, random, settings.redemption ?? DEFAULT_REDEMPTION_SETTINGS);
  app.decorate('redemption', redemption);
  const lifecycle = new VoucherLifecycleService(store, clock, redemption);
  registerGuard(app, { omadacId: settings.omadacId, clock, tokens, sites });

  await app.register(infoRoutes, { omadacId: settings.omadacId });
  await app.register(opsRoutes, { store, metrics });
  await app.register(tokenRoutes, { tokens });
  await app.register(siteRoutes, { sites });
  await app.register(portalRoutes, { portals });
  await app.register(rateLimitProfileRoutes, { profiles });
  await app.register(voucherRoutes, { groups, clock, metrics });
  const print = new VoucherPrintService(store, clock, random);
  await app.register(voucherLifecycleRoutes, { lifecycle, print });
  await app.register(voucherPrintRoutes, { print });
  await app.register(voucherExportRoutes, { exporter: new VoucherExportService(store, clock) });
  await app.register(voucherStatisticsRoutes, { statistics: new VoucherStatisticsService(store, clock) });
  await app.register(captivePortalRoutes, { redemption, metrics });
  await app.register(authedClientRoutes, { redemption, clock });
  await app.register(batchRoutes, { random });
  return app;
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../domain/clock.js';
import { Errors, OmadaError } from '../domain/errors.js';
import { mayCall, type OperationId } from '../domain/permissions.js';
import type { SiteService } from '../domain/sites.js';
import type { TokenService } from '../domain/tokens.js';
import type { AppRecord, SiteRecord } from '../store/port.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The Open API operation a route serves; the guard authorises against it. */
    operation?: OperationId;
    /** Operations that act on the controller as a whole need an app scoped to all sites. */
    allSites?: boolean;
  }
  interface FastifyRequest {
    principal: AppRecord | null;
    site: SiteRecord | null;
  }
}

export interface GuardDeps {
  readonly omadacId: string;
  readonly clock: Clock;
  readonly tokens: TokenService;
  readonly sites: SiteService;
}

/** The authenticated app of a guarded route; the guard has run, so it is there. */
export function principal(request: FastifyRequest): AppRecord {
  if (!request.principal) throw new OmadaError(Errors.ACCESS_TOKEN_INVALID);
  return request.principal;
}

/** The site named by the path of a guarded route, found and in scope. */
export function site(request: FastifyRequest): SiteRecord {
  if (!request.site) throw new OmadaError(Errors.SITE_NOT_EXIST);
  return request.site;
}

/**
 * Runs before any body is read, in the order a client can act on: the controller id (−7131),
 * the access token (−44113/−44112), the permission the operation needs (−1005), the site scope
 * (−1505), the site itself (−33000) and its lock (−33004).
 */
export function registerGuard(app: FastifyInstance, deps: GuardDeps): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('site', null);
  app.addHook('onRequest', async (request) => {
    const { operation, allSites } = request.routeOptions.config;
    if (operation === undefined) return;
    const params = request.params as { omadacId?: string; siteId?: string };
    if (params.omadacId !== deps.omadacId) throw new OmadaError(Errors.CONTROLLER_NOT_EXIST);

    const caller = await deps.tokens.authenticate(request.headers.authorization);
    if (!mayCall(caller.role, operation)) throw new OmadaError(Errors.OPERATION_FORBIDDEN);
    if (allSites && caller.siteScope !== 'all') throw new OmadaError(Errors.OPERATION_FORBIDDEN);
    request.principal = caller;

    if (params.siteId === undefined) return;
    if (caller.siteScope !== 'all' && !caller.siteScope.includes(params.siteId)) {
      throw new OmadaError(Errors.SITE_FORBIDDEN);
    }
    const found = await deps.sites.get(params.siteId);
    if (!found) throw new OmadaError(Errors.SITE_NOT_EXIST);
    // A site held by a long operation can still be looked at, but nothing else happens to it.
    if (found.lockedUntil !== undefined && found.lockedUntil > deps.clock.now() && operation !== 'getSiteEntity') {
      throw new OmadaError(Errors.SITE_BUSY);
    }
    request.site = found;
  });
}

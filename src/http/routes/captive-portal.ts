import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Errors, OmadaError, type ErrorDef } from '../../domain/errors.js';
import type { RedemptionService, RejectReason } from '../../domain/redemption.js';
import type { Metrics } from '../../metrics.js';
import { PortalAuthBody, PortalAuthResponse, PortalLogoutBody, PortalLogoutResponse } from '../schemas/captive-portal.js';

const SUCCESS = { errorCode: 0, msg: 'Success.' } as const;

/** The Omada portal's answer to each reason a code does not let its client in. */
const REFUSALS: Readonly<Record<RejectReason, ErrorDef>> = {
  'code-incorrect': Errors.PORTAL_CODE_INCORRECT,
  expired: Errors.PORTAL_VOUCHER_EXPIRED,
  'traffic-exceeded': Errors.PORTAL_TRAFFIC_EXCEEDED,
  'user-limit': Errors.PORTAL_USER_LIMIT,
  'not-effective': Errors.PORTAL_NOT_EFFECTIVE,
  throttled: Errors.TOO_MANY_REQUESTS,
};

/**
 * The captive portal's front door: a portal page posts the code its client typed. These routes
 * take no token (a client's browser or the page's server calls them); the guessing throttle
 * stands in for authentication.
 */
export const captivePortalRoutes: FastifyPluginAsyncTypebox<{
  redemption: RedemptionService;
  metrics: Metrics;
}> = async (app, { redemption, metrics }) => {
  app.post(
    '/portal/auth',
    { schema: { body: PortalAuthBody, response: { 200: PortalAuthResponse } } },
    async (request) => {
      const { body } = request;
      const outcome = await redemption.redeemAtPortal({
        site: body.site,
        portal: body.portal,
        voucherCode: body.voucherCode,
        clientMac: body.clientMac,
        apMac: body.apMac,
        ssidName: body.ssidName,
        radioId: body.radioId,
        address: request.ip,
      });
      metrics.redemptions.inc({ result: outcome.ok ? 'accepted' : outcome.reason });
      if (!outcome.ok) throw new OmadaError(REFUSALS[outcome.reason]);
      const { grant } = outcome;
      return {
        ...SUCCESS,
        result: {
          clientMac: grant.clientMac,
          voucherCode: grant.code,
          sessionTimeout: grant.sessionTimeoutSec,
          expireTime: grant.deadline,
          downLimit: grant.downLimitKbps,
          upLimit: grant.upLimitKbps,
          trafficLeft: grant.trafficLeftBytes,
          logout: grant.logout,
        },
      };
    },
  );

  app.post(
    '/portal/logout',
    { schema: { body: PortalLogoutBody, response: { 200: PortalLogoutResponse } } },
    async (request) => {
      const { body } = request;
      const sessionsEnded = await redemption.logout(body.site, body.clientMac, body.voucherCode);
      return { ...SUCCESS, result: { sessionsEnded } };
    },
  );
};

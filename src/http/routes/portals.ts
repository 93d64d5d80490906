import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AUTH_TYPE_HOTSPOT, type PortalService } from '../../domain/portals.js';
import type { PortalRecord } from '../../store/port.js';
import { site } from '../guard.js';
import { EnvelopeWithoutResult, SiteParams } from '../schemas/common.js';
import { AddPortalBody, ModifyPortalBody, PortalDetailResponse, PortalListResponse, PortalParams } from '../schemas/portals.js';

const SUCCESS = { errorCode: 0, msg: 'Success.' } as const;

function summary(record: PortalRecord) {
  return {
    id: record.id,
    name: record.name,
    enable: record.enable,
    ssidList: [...record.ssidList],
    networkList: [...record.networkList],
    authType: record.authType,
    hotspotTypes: [...record.hotspotTypes],
  };
}

/** The portal as getPortalDetail shows it: the fields voucherd keeps, each only while it applies. */
function detail(record: PortalRecord) {
  const { hotspotTypes: _hotspotTypes, ...listed } = summary(record);
  return {
    ...listed,
    authTimeout: { ...record.authTimeout },
    httpsRedirectEnable: record.httpsRedirectEnable,
    landingPage: record.landingPage,
    ...(record.landingUrlScheme !== undefined && { landingUrlScheme: record.landingUrlScheme }),
    ...(record.landingUrl !== undefined && { landingUrl: record.landingUrl }),
    ...(record.authType === AUTH_TYPE_HOTSPOT && { hotspot: { enabledTypes: [...record.hotspotTypes] } }),
  };
}

export const portalRoutes: FastifyPluginAsyncTypebox<{ portals: PortalService }> = async (app, { portals }) => {
  app.post(
    '/openapi/v1/:omadacId/sites/:siteId/portal',
    {
      config: { operation: 'addPortal' },
      schema: { params: SiteParams, body: AddPortalBody, response: { 200: EnvelopeWithoutResult } },
    },
    async (request) => {
      await portals.create(site(request).id, request.body);
      return SUCCESS;
    },
  );

  app.get(
    '/openapi/v1/:omadacId/sites/:siteId/portals',
    { config: { operation: 'getPortalList' }, schema: { params: SiteParams, response: { 200: PortalListResponse } } },
    async (request) => ({ ...SUCCESS, result: (await portals.list(site(request).id)).map(summary) }),
  );

  app.get(
    '/openapi/v1/:omadacId/sites/:siteId/portal/:portalId',
    { config: { operation: 'getPortalDetail' }, schema: { params: PortalParams, response: { 200: PortalDetailResponse } } },
    async (request) => ({ ...SUCCESS, result: detail(await portals.get(site(request).id, request.params.portalId)) }),
  );

  app.patch(
    '/openapi/v1/:omadacId/sites/:siteId/portal/:portalId',
    {
      config: { operation: 'modifyPortal' },
      schema: { params: PortalParams, body: ModifyPortalBody, response: { 200: EnvelopeWithoutResult } },
    },
    async (request) => {
      await portals.modify(site(request).id, request.params.portalId, request.body);
      return SUCCESS;
    },
  );

  app.delete(
    '/openapi/v1/:omadacId/sites/:siteId/portal/:portalId',
    { config: { operation: 'deletePortal' }, schema: { params: PortalParams, response: { 200: EnvelopeWithoutResult } } },
    async (request) => {
      await portals.delete(site(request).id, request.params.portalId);
      return SUCCESS;
    },
  );
};

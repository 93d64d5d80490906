import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { SiteService } from '../../domain/sites.js';
import type { SiteRecord } from '../../store/port.js';
import { principal, site } from '../guard.js';
import { ControllerParams, EnvelopeWithoutResult, SiteParams } from '../schemas/common.js';
import {
  CreatedSiteResponse,
  CreateSiteBody,
  ListSitesQuery,
  SiteEntityResponse,
  SitePageResponse,
  UpdateSiteBody,
} from '../schemas/sites.js';

const SUCCESS = { errorCode: 0, msg: 'Success.' } as const;

function summary(record: SiteRecord) {
  return {
    siteId: record.id,
    name: record.name,
    type: record.type,
    tagIds: [...record.tagIds],
    region: record.region,
    timeZone: record.timeZone,
    scenario: record.scenario,
    longitude: record.longitude,
    latitude: record.latitude,
    address: record.address,
    supportES: record.supportES,
    supportL2: record.supportL2,
  };
}

/** The site as the controller shows it; the device account password never leaves the server. */
function entity(record: SiteRecord) {
  return {
    ...summary(record),
    ntpEnable: record.ntpEnable,
    ntpServers: [...record.ntpServers],
    dst: record.dst && { ...record.dst, timeZone: record.timeZone },
  };
}

export const siteRoutes: FastifyPluginAsyncTypebox<{ sites: SiteService }> = async (app, { sites }) => {
  app.get(
    '/openapi/v1/:omadacId/sites',
    {
      config: { operation: 'getSiteList' },
      schema: { params: ControllerParams, querystring: ListSitesQuery, response: { 200: SitePageResponse } },
      // The spec: when sorts.name comes more than once, the first one takes effect.
      preValidation: async (request) => {
        const query = request.query as Record<string, unknown>;
        const sort = query['sorts.name'];
        if (Array.isArray(sort)) query['sorts.name'] = sort[0];
      },
    },
    async (request) => {
      const { query } = request;
      const page = await sites.list(principal(request), {
        page: query.page,
        pageSize: query.pageSize,
        searchKey: query.searchKey,
        sortName: query['sorts.name'],
        filterType: query['filters.type'],
        filterTag: query['filters.tag'],
      });
      return {
        ...SUCCESS,
        result: {
          totalRows: page.totalRows,
          currentPage: query.page,
          currentSize: query.pageSize,
          data: page.rows.map(summary),
        },
      };
    },
  );

  app.post(
    '/openapi/v1/:omadacId/sites',
    {
      config: { operation: 'createNewSite', allSites: true },
      schema: { params: ControllerParams, body: CreateSiteBody, response: { 200: CreatedSiteResponse } },
    },
    async (request) => ({ ...SUCCESS, result: { siteId: await sites.create(request.body) } }),
  );

  app.get(
    '/openapi/v1/:omadacId/sites/:siteId',
    { config: { operation: 'getSiteEntity' }, schema: { params: SiteParams, response: { 200: SiteEntityResponse } } },
    async (request) => ({ ...SUCCESS, result: entity(site(request)) }),
  );

  app.put(
    '/openapi/v1/:omadacId/sites/:siteId',
    {
      config: { operation: 'updateSiteEntity' },
      schema: { params: SiteParams, body: UpdateSiteBody, response: { 200: EnvelopeWithoutResult } },
    },
    async (request) => {
      await sites.update(site(request).id, request.body);
      return SUCCESS;
    },
  );

  app.delete(
    '/openapi/v1/:omadacId/sites/:siteId',
    { config: { operation: 'deleteSite' }, schema: { params: SiteParams, response: { 200: EnvelopeWithoutResult } } },
    async (request) => {
      await sites.delete(site(request).id);
      return SUCCESS;
    },
  );
};

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Clock } from '../../domain/clock.js';
import { Errors, OmadaError } from '../../domain/errors.js';
import type { RedemptionService } from '../../domain/redemption.js';
import type { SessionQuery, SessionRecord } from '../../store/port.js';
import { site } from '../guard.js';
import { firstSort } from '../query.js';
import {
  AuthClientPageResponse,
  ClientParams,
  DeleteInvalidRecordsBody,
  ExtendRecordBody,
  ListAuthedClientsQuery,
  RecordParams,
} from '../schemas/authed-clients.js';
import { EnvelopeWithoutResult, SiteParams } from '../schemas/common.js';

const SUCCESS = { errorCode: 0, msg: 'Success.' } as const;

type SortField = NonNullable<SessionQuery['sort']>['field'];

/**
 * What each of the controller's `sorts.*` orders by. A client's name is its MAC here; the auth
 * type, SSID/network and status have no stored order, so those sorts are taken and ignored.
 */
const SORTS: Readonly<Record<string, SortField | undefined>> = {
  name: 'mac',
  mac: 'mac',
  ip: 'ip',
  authType: undefined,
  ssidOrNetwork: undefined,
  download: 'download',
  upload: 'upload',
  status: undefined,
  start: 'start',
  end: 'end',
  duration: 'duration',
};

/**
 * A record as AuthClientOpenApiVO shows it. voucherd knows no client names, so `name` is the MAC
 * (as the controller names a client it has no name for); download and upload are the client's,
 * the reverse of the NAS's input and output octets; `end` is when the record ended, or its
 * deadline while it runs; `valid` means the client is let in now.
 */
function recordView(session: SessionRecord, now: number) {
  const until = session.endedAt ?? Math.min(now, session.deadline);
  return {
    id: session.id,
    name: session.clientMac,
    mac: session.clientMac,
    wireless: session.ssid !== undefined,
    ssid: session.ssid,
    authType: session.authType,
    download: session.outputOctets,
    upload: session.inputOctets,
    duration: Math.max(0, Math.floor((until - session.startedAt) / 1000)),
    start: session.startedAt,
    end: session.endedAt ?? session.deadline,
    valid: session.endedAt === undefined && session.deadline > now,
    voucherCode: session.code,
    ip: session.clientIp,
  };
}

/** The Open API's authorized clients (sessions): list, disconnect, extend, delete, authorize. */
export const authedClientRoutes: FastifyPluginAsyncTypebox<{ redemption: RedemptionService; clock: Clock }> = async (
  app,
  { redemption, clock },
) => {
  const base = '/openapi/v1/:omadacId/sites/:siteId/hotspot';

  app.get(
    `${base}/authed-records`,
    {
      config: { operation: 'getHotspotAuthedClients' },
      schema: { params: SiteParams, querystring: ListAuthedClientsQuery, response: { 200: AuthClientPageResponse } },
    },
    async (request) => {
      const { query } = request;
      const sort = firstSort(query, Object.keys(SORTS));
      const field = sort && SORTS[sort.field];
      const page = await redemption.list(site(request).id, {
        page: query.page,
        pageSize: query.pageSize,
        ...(query.searchKey !== undefined && { searchKey: query.searchKey }),
        ...(sort && field && { sort: { field, direction: sort.direction } }),
      });
      const now = clock.now();
      return {
        ...SUCCESS,
        result: {
          totalRows: page.totalRows,
          currentPage: query.page,
          currentSize: query.pageSize,
          data: page.rows.map((session) => recordView(session, now)),
        },
      };
    },
  );

  app.post(
    `${base}/authed-records/delete`,
    {
      config: { operation: 'deleteAllInvalidAuthedClients' },
      schema: { params: SiteParams, body: DeleteInvalidRecordsBody, response: { 200: EnvelopeWithoutResult } },
    },
    async (request) => {
      const { start, end, searchKey } = request.body;
      await redemption.deleteInvalid(site(request).id, start, end, searchKey);
      return SUCCESS;
    },
  );

  app.delete(
    `${base}/authed-records/:id`,
    {
      config: { operation: 'deleteHotspotAuthedClient' },
      schema: { params: RecordParams, response: { 200: EnvelopeWithoutResult } },
    },
    async (request) => {
      await redemption.deleteRecord(site(request).id, request.params.id);
      return SUCCESS;
    },
  );

  app.post(
    `${base}/authed-records/:id/disconnect`,
    {
      config: { operation: 'disconnectHotspotAuthedClient' },
      schema: { params: RecordParams, response: { 200: EnvelopeWithoutResult } },
    },
    async (request) => {
      await redemption.disconnect(site(request).id, request.params.id);
      return SUCCESS;
    },
  );

  app.post(
    `${base}/authed-records/:id/period`,
    {
      config: { operation: 'extendHotspotAuthedClient' },
      schema: { params: RecordParams, body: ExtendRecordBody, response: { 200: EnvelopeWithoutResult } },
    },
    async (request) => {
      await redemption.extend(site(request).id, request.params.id, request.body.period);
      return SUCCESS;
    },
  );

  app.post(
    `${base}/clients/:clientMac/auth`,
    { config: { operation: 'authClient' }, schema: { params: ClientParams, response: { 200: EnvelopeWithoutResult } } },
    async (request) => {
      await redemption.authorize(site(request).id, request.params.clientMac);
      return SUCCESS;
    },
  );

  app.post(
    `${base}/clients/:clientMac/unauth`,
    { config: { operation: 'cancelAuthClient' }, schema: { params: ClientParams, response: { 200: EnvelopeWithoutResult } } },
    async (request) => {
      try {
        await redemption.unauthorize(site(request).id, request.params.clientMac);
      } catch (error) {
        // The controller documents −41006 rather than −41010 for this operation, in the same words.
        if (error instanceof OmadaError && error.def === Errors.CLIENT_NOT_EXIST) throw new OmadaError(Errors.UNAUTH_CLIENT_NOT_EXIST);
        throw error;
      }
      return SUCCESS;
    },
  );
};

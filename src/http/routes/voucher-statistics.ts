import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AllTimeSummary, TimeFilter, VoucherStatisticsService } from '../../domain/voucher-statistics.js';
import { site } from '../guard.js';
import { SiteParams } from '../schemas/common.js';
import { GroupParams } from '../schemas/vouchers.js';
import {
  AllTimeSummaryResponse,
  DurationDistributionResponse,
  GroupSummaryResponse,
  HistoryResponse,
  PagedStatisticsTimeQuery,
  PriceDistributionResponse,
  StatisticsTimeQuery,
} from '../schemas/voucher-statistics.js';

const SUCCESS = { errorCode: 0, msg: 'Success.' } as const;

const filterOf = (query: { 'filters.timeStart': number; 'filters.timeEnd': number }): TimeFilter => ({
  timeStart: query['filters.timeStart'],
  timeEnd: query['filters.timeEnd'],
});

/** The cloud API's spelling of the summary: `inuse` and `expired` besides the spec's three. */
const groupSummaryView = (summary: AllTimeSummary) => ({
  created: summary.created,
  current: summary.current,
  unused: summary.unused,
  inuse: summary.inUse,
  expired: summary.expired,
});

/**
 * Voucher statistics: the site-wide operations of the controller's spec and the per-group ones
 * of the cloud API's docs, which answer in the same shapes.
 */
export const voucherStatisticsRoutes: FastifyPluginAsyncTypebox<{ statistics: VoucherStatisticsService }> = async (
  app,
  { statistics },
) => {
  const base = '/openapi/v1/:omadacId/sites/:siteId/hotspot/vouchers/statistics';

  app.get(
    `${base}/summary`,
    {
      config: { operation: 'getAllTimeVoucherSummary' },
      schema: { params: SiteParams, response: { 200: AllTimeSummaryResponse } },
    },
    async (request) => {
      const { created, current, unused } = await statistics.summary(site(request));
      return { ...SUCCESS, result: { created, current, unused } };
    },
  );

  app.get(
    `${base}/summary/voucher-groups/:groupId`,
    {
      config: { operation: 'getAllTimeVoucherSummaryForGroup' },
      schema: { params: GroupParams, response: { 200: GroupSummaryResponse } },
    },
    async (request) => ({
      ...SUCCESS,
      result: groupSummaryView(await statistics.summary(site(request), request.params.groupId)),
    }),
  );

  app.get(
    `${base}/history`,
    {
      config: { operation: 'getVoucherHistoryStatistics' },
      schema: { params: SiteParams, querystring: StatisticsTimeQuery, response: { 200: HistoryResponse } },
    },
    async (request) => ({ ...SUCCESS, result: await statistics.history(site(request), filterOf(request.query)) }),
  );

  app.get(
    `${base}/history/voucher-groups/:groupId`,
    {
      config: { operation: 'getVoucherHistoryStatisticsForGroup' },
      schema: { params: GroupParams, querystring: StatisticsTimeQuery, response: { 200: HistoryResponse } },
    },
    async (request) => ({
      ...SUCCESS,
      result: await statistics.history(site(request), filterOf(request.query), request.params.groupId),
    }),
  );

  app.get(
    `${base}/history/distribution/duration`,
    {
      config: { operation: 'getVoucherDistributionByDuration' },
      schema: { params: SiteParams, querystring: StatisticsTimeQuery, response: { 200: DurationDistributionResponse } },
    },
    async (request) => ({ ...SUCCESS, result: await statistics.byDuration(site(request), filterOf(request.query)) }),
  );

  app.get(
    `${base}/history/distribution/duration/voucher-groups/:groupId`,
    {
      config: { operation: 'getVoucherDistributionByDurationForGroup' },
      schema: { params: GroupParams, querystring: PagedStatisticsTimeQuery, response: { 200: DurationDistributionResponse } },
    },
    async (request) => {
      const { query } = request;
      const paging = { page: query.page, pageSize: query.pageSize };
      return { ...SUCCESS, result: await statistics.byDuration(site(request), filterOf(query), request.params.groupId, paging) };
    },
  );

  app.get(
    `${base}/history/distribution/unit-price`,
    {
      config: { operation: 'getVoucherDistributionByPrice' },
      schema: { params: SiteParams, querystring: StatisticsTimeQuery, response: { 200: PriceDistributionResponse } },
    },
    async (request) => ({ ...SUCCESS, result: await statistics.byPrice(site(request), filterOf(request.query)) }),
  );

  app.get(
    `${base}/history/distribution/unit-price/voucher-groups/:groupId`,
    {
      config: { operation: 'getVoucherDistributionByPriceForGroup' },
      schema: { params: GroupParams, querystring: PagedStatisticsTimeQuery, response: { 200: PriceDistributionResponse } },
    },
    async (request) => {
      const { query } = request;
      const paging = { page: query.page, pageSize: query.pageSize };
      return { ...SUCCESS, result: await statistics.byPrice(site(request), filterOf(query), request.params.groupId, paging) };
    },
  );
};

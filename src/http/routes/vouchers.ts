import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Clock } from '../../domain/clock.js';
import { describeValidity } from '../../domain/validity.js';
import {
  amountOf,
  effectiveStatus,
  GROUP_AMOUNT_LIMIT,
  groupCounts,
  type GroupCounts,
  type VoucherGroupService,
} from '../../domain/voucher-groups.js';
import type { Metrics } from '../../metrics.js';
import type { SiteRecord, StoredVoucherGroup, VoucherRecord } from '../../store/port.js';
import { AnsweredPages } from '../answered-pages.js';
import { principal, site } from '../guard.js';
import { firstSort } from '../query.js';
import { EnvelopeWithoutResult, SiteParams } from '../schemas/common.js';
import {
  ConfigLimitResponse,
  CreatedIdResponse,
  CreateVoucherGroupBody,
  CurrencyCandidatesResponse,
  GroupParams,
  HotspotSettingBody,
  ListVoucherGroupsQuery,
  VoucherGroupDetailQuery,
  VoucherGroupDetailResponse,
  VoucherGroupPageResponse,
  VoucherParams,
  VoucherResponse,
} from '../schemas/vouchers.js';

const SUCCESS = { errorCode: 0, msg: 'Success.' } as const;
const BYTES_PER_MB = 1024 * 1024;

function rateLimitView(group: StoredVoucherGroup) {
  const { rateLimit } = group;
  if (rateLimit.mode === 1) return { mode: 1, rateLimitProfileId: rateLimit.profileId };
  return {
    mode: 0,
    customRateLimit: {
      downLimitEnable: rateLimit.downLimitEnable,
      downLimit: rateLimit.downLimit,
      upLimitEnable: rateLimit.upLimitEnable,
      upLimit: rateLimit.upLimit,
    },
  };
}

/** The group as VoucherGroupOpenApiVO shows it, with its `counts` at some moment: money as strings, portals by name. */
function groupView(group: StoredVoucherGroup, portalNames: string[], counts: GroupCounts) {
  return {
    id: group.id,
    name: group.name,
    createdTime: group.createdAt,
    creatorName: group.creatorName,
    limitType: group.limitType,
    limitNum: group.limitNum,
    durationType: group.durationType,
    duration: group.duration,
    timingType: group.timingType,
    rateLimit: rateLimitView(group),
    trafficLimitEnable: group.trafficLimitEnable,
    trafficLimit: group.trafficLimit,
    trafficLimitFrequency: group.trafficLimitEnable ? group.trafficLimitFrequency : undefined,
    unitPrice: group.unitPrice === undefined ? undefined : String(group.unitPrice),
    currency: group.currency,
    portalNames,
    applyToAllPortals: group.applyToAllPortals,
    expirationTime: group.expirationTime,
    effectiveTime: group.effectiveTime,
    validityType: group.validityType,
    schedule: group.schedule && {
      ...group.schedule,
      weeklyEnableDays: group.schedule.weeklyEnableDays && [...group.schedule.weeklyEnableDays],
    },
    logout: group.logout,
    description: group.description,
    printComments: group.printComments,
    unusedCount: counts.unused,
    usedCount: counts.used,
    inUseCount: counts.inUse,
    expiredCount: counts.expired,
    totalCount: counts.total,
    totalAmount: amountOf(group.unitPrice, counts.total),
  };
}

/** What a page of the group grid shows besides its groups' own fields. */
interface GridShown {
  readonly totalRows: number;
  readonly currentPage: number;
  readonly currentSize: number;
  /** For each group of the page, in order. */
  readonly portalNames: readonly string[][];
  readonly counts: readonly GroupCounts[];
}

const sameStrings = (a: readonly string[], b: readonly string[]) => a === b || (a.length === b.length && a.every((x, i) => x === b[i]));

const sameCounts = (a: GroupCounts, b: GroupCounts) =>
  a.unused === b.unused && a.inUse === b.inUse && a.expired === b.expired && a.used === b.used && a.total === b.total;

function sameGridShown(a: GridShown, b: GridShown): boolean {
  return (
    a.totalRows === b.totalRows &&
    a.currentPage === b.currentPage &&
    a.currentSize === b.currentSize &&
    a.portalNames.every((names, i) => sameStrings(names, b.portalNames[i]!)) &&
    a.counts.every((counts, i) => sameCounts(counts, b.counts[i]!))
  );
}

function trafficLimitBytes(group: StoredVoucherGroup): number | undefined {
  return group.trafficLimitEnable && group.trafficLimit !== undefined ? group.trafficLimit * BYTES_PER_MB : undefined;
}

/**
 * The voucher's clock at `now`: wall time since its first use (timing by time), or its online
 * time with the running stretch added (timing by usage), within the duration.
 */
function clockOf(voucher: VoucherRecord, group: StoredVoucherGroup, now: number) {
  const total = group.duration * 60;
  let used = 0;
  if (voucher.startTime !== undefined) {
    used =
      group.timingType === 0
        ? Math.floor((now - voucher.startTime) / 1000)
        : voucher.timeUsedSec + (voucher.clockSince === undefined ? 0 : Math.floor((now - voucher.clockSince) / 1000));
  }
  used = Math.min(total, Math.max(0, used));
  return { usedSec: used, leftSec: total - used };
}

function simpleVoucher(voucher: VoucherRecord, group: StoredVoucherGroup, now: number) {
  const limit = trafficLimitBytes(group);
  // Timed per client by usage, a voucher has no single clock to show.
  const byClientUsage = group.timingType === 1 && group.durationType === 0;
  return {
    id: voucher.id,
    code: voucher.code,
    status: effectiveStatus(voucher, group, now),
    trafficUsed: voucher.trafficUsed,
    trafficUnused: limit === undefined ? undefined : Math.max(0, limit - voucher.trafficUsed),
    trafficLimit: group.trafficLimit,
    trafficLimitFrequency: group.trafficLimitEnable ? group.trafficLimitFrequency : undefined,
    downLimit: group.effectiveRate.downLimit,
    upLimit: group.effectiveRate.upLimit,
    startTime: voucher.startTime,
    timeUsedSec: byClientUsage ? undefined : clockOf(voucher, group, now).usedSec,
    timeLeftSec: byClientUsage ? undefined : clockOf(voucher, group, now).leftSec,
    timingByClientUsage: byClientUsage,
  };
}

function voucherView(voucher: VoucherRecord, group: StoredVoucherGroup, portalNames: string[], place: SiteRecord, now: number) {
  const limit = trafficLimitBytes(group);
  return {
    id: voucher.id,
    code: voucher.code,
    createdTime: voucher.createdAt,
    limitType: group.limitType,
    limitNum: group.limitNum,
    used: voucher.used,
    durationType: group.durationType,
    duration: group.duration,
    timingType: group.timingType,
    expirationTime: group.expirationTime,
    effectiveTime: group.effectiveTime,
    description: group.description,
    rateLimit: rateLimitView(group),
    trafficLimitEnable: group.trafficLimitEnable,
    trafficLimit: group.trafficLimit,
    trafficLimitFrequency: group.trafficLimitEnable ? group.trafficLimitFrequency : undefined,
    trafficLeft: limit === undefined || voucher.trafficUsed < limit,
    startTime: voucher.startTime,
    // Valid until expired: a voucher whose uses are spent stays valid while a client of it has time.
    valid: effectiveStatus(voucher, group, now) !== 2,
    trafficUsed: voucher.trafficUsed,
    unitPrice: group.unitPrice === undefined ? undefined : String(group.unitPrice),
    currency: group.currency,
    portalNames,
    logout: group.logout,
    validity: describeValidity(group, place.timeZone),
    printComments: group.printComments,
  };
}

export const voucherRoutes: FastifyPluginAsyncTypebox<{ groups: VoucherGroupService; clock: Clock; metrics: Metrics }> = async (
  app,
  { groups, clock, metrics },
) => {
  const base = '/openapi/v1/:omadacId/sites/:siteId/hotspot';
  /** The grid is what clients poll; see AnsweredPages. */
  const groupPages = new AnsweredPages<StoredVoucherGroup, GridShown>(sameGridShown);

  app.get(
    `${base}/voucher-groups`,
    {
      config: { operation: 'getGridVoucherGroups' },
      schema: { params: SiteParams, querystring: ListVoucherGroupsQuery, response: { 200: VoucherGroupPageResponse } },
    },
    async (request, reply) => {
      const { query } = request;
      const place = site(request);
      const page = await groups.list(place, {
        page: query.page,
        pageSize: query.pageSize,
        searchKey: query.searchKey,
        sort: firstSort(query, ['name', 'createTime'] as const),
        timeStart: query['filters.timeStart'],
        timeEnd: query['filters.timeEnd'],
      });
      const names = await groups.portalNames(place, page.rows);
      const now = clock.now();
      const shown = {
        totalRows: page.totalRows,
        currentPage: query.page,
        currentSize: query.pageSize,
        portalNames: page.rows.map((group) => names.get(group.id) ?? []),
        counts: page.rows.map((group) => groupCounts(group, now)),
      };
      const answered = groupPages.find(page.rows, shown);
      if (answered !== undefined) return answered.send(reply);
      const answer = {
        ...SUCCESS,
        result: {
          totalRows: shown.totalRows,
          currentPage: shown.currentPage,
          currentSize: shown.currentSize,
          data: page.rows.map((group, i) => groupView(group, shown.portalNames[i]!, shown.counts[i]!)),
        },
      };
      if (!groupPages.mayKeep(page.rows)) return answer;
      return groupPages.keep(page.rows, shown, reply.serialize(answer)).send(reply);
    },
  );

  app.post(
    `${base}/voucher-groups`,
    {
      config: { operation: 'createVoucherGroup' },
      schema: { params: SiteParams, body: CreateVoucherGroupBody, response: { 200: CreatedIdResponse } },
    },
    async (request) => {
      const id = await groups.create(site(request), principal(request).name, request.body);
      // Only now: a refused create wrote nothing, so it created no voucher.
      metrics.vouchersCreated.inc(request.body.amount);
      return { ...SUCCESS, result: { id } };
    },
  );

  app.get(
    `${base}/voucher-groups/config-limit`,
    { config: { operation: 'getGroupConfigLimit' }, schema: { params: SiteParams, response: { 200: ConfigLimitResponse } } },
    async () => ({ ...SUCCESS, result: [{ amountLimit: GROUP_AMOUNT_LIMIT }] }),
  );

  app.get(
    `${base}/voucher-groups/currency-list`,
    {
      config: { operation: 'getVoucherCurrencyCandidates' },
      schema: { params: SiteParams, response: { 200: CurrencyCandidatesResponse } },
    },
    async (request) => ({ ...SUCCESS, result: await groups.currencyCandidates(site(request)) }),
  );

  app.get(
    `${base}/voucher-groups/:groupId`,
    {
      config: { operation: 'getVoucherGroupDetail' },
      schema: { params: GroupParams, querystring: VoucherGroupDetailQuery, response: { 200: VoucherGroupDetailResponse } },
    },
    async (request) => {
      const { query } = request;
      const place = site(request);
      const group = await groups.group(place, request.params.groupId);
      const { page, counts, now } = await groups.vouchers(group, {
        page: query.page,
        pageSize: query.pageSize,
        searchKey: query.searchKey,
        status: query['filters.status'],
        sortCode: firstSort(query, ['code'] as const)?.direction,
      });
      const names = await groups.portalNames(place, [group]);
      const totals = groupCounts(group, now);
      return {
        ...SUCCESS,
        result: {
          ...groupView(group, names.get(group.id) ?? [], totals),
          // The plain counts follow the search; statisticsCount and the amounts do not.
          unusedCount: counts.unused,
          usedCount: counts.used,
          inUseCount: counts.inUse,
          expiredCount: counts.expired,
          totalCount: counts.total,
          unusedAmount: amountOf(group.unitPrice, totals.unused),
          usedAmount: amountOf(group.unitPrice, totals.used),
          totalAmount: amountOf(group.unitPrice, totals.total),
          statisticsCount: {
            totalUnusedCount: totals.unused,
            totalInUseCount: totals.inUse,
            totalExpiredCount: totals.expired,
            totalStatisticsCount: totals.total,
          },
          totalRows: page.totalRows,
          currentPage: query.page,
          currentSize: query.pageSize,
          data: page.rows.map((voucher) => simpleVoucher(voucher, group, now)),
        },
      };
    },
  );

  app.get(
    `${base}/vouchers/:id`,
    { config: { operation: 'getVoucher' }, schema: { params: VoucherParams, response: { 200: VoucherResponse } } },
    async (request) => {
      const place = site(request);
      const { voucher, group } = await groups.voucher(place, request.params.id);
      const names = await groups.portalNames(place, [group]);
      return { ...SUCCESS, result: voucherView(voucher, group, names.get(group.id) ?? [], place, clock.now()) };
    },
  );

  app.patch(
    `${base}/setting`,
    {
      config: { operation: 'modifyHotspotSetting' },
      schema: { params: SiteParams, body: HotspotSettingBody, response: { 200: EnvelopeWithoutResult } },
    },
    async (request) => {
      const { currency } = request.body;
      // A PATCH changes what it names: a body without currency leaves it as it is; "" clears it.
      if (currency !== undefined) await groups.setCurrency(site(request), currency || undefined);
      return SUCCESS;
    },
  );
};

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { describeValidity } from '../../domain/validity.js';
import type { VoucherLifecycleService } from '../../domain/voucher-lifecycle.js';
import type { VoucherPrintService } from '../../domain/voucher-print.js';
import type { PrintBatch, PrintPattern, SiteRecord } from '../../store/port.js';
import { site } from '../guard.js';
import { EnvelopeWithoutResult, SiteParams } from '../schemas/common.js';
import { SelectVoucherGroupsBody, SelectVouchersBody, VoucherBriefListResponse } from '../schemas/voucher-lifecycle.js';
import { GroupParams, VoucherParams } from '../schemas/vouchers.js';

const SUCCESS = { errorCode: 0, msg: 'Success.' } as const;

/**
 * The pattern fields VoucherBriefOpenApiVO carries, for a group whose pattern was edited: the
 * lists only when SSIDs and networks print. (Whether duration and limit print is applied to the
 * terms themselves, in `briefs`.)
 */
function patternView(pattern: PrintPattern) {
  return {
    patternType: pattern.patternType,
    position: pattern.position,
    picId: pattern.logoId,
    logoSize: pattern.logoSize,
    title: pattern.title,
    titleSize: pattern.titleSize,
    ...(pattern.ssidNetworkEnable && { ssidNameList: [...pattern.ssidList], networkNameList: [...pattern.networkList] }),
  };
}

/**
 * Each code as VoucherBriefOpenApiVO shows it on paper: its group's terms, validity in the site's
 * time zone, and its group's print pattern once one was edited (a duration or limit the pattern
 * does not print is left out).
 */
function briefs(batches: readonly PrintBatch[], place: SiteRecord, patterns: ReadonlyMap<string, PrintPattern>) {
  return batches.flatMap(({ group, codes }) => {
    const pattern = patterns.get(group.id);
    const terms = {
      ...((pattern?.limitEnable ?? true) && { limitType: group.limitType, limitNum: group.limitNum }),
      ...((pattern?.durationEnable ?? true) && { durationType: group.durationType, duration: group.duration }),
      unitPrice: group.unitPrice === undefined ? undefined : String(group.unitPrice),
      currency: group.currency,
      validity: describeValidity(group, place.timeZone),
      printComments: group.printComments,
      ...(pattern && patternView(pattern)),
    };
    return codes.map((code) => ({ code, ...terms }));
  });
}

/** Deleting groups and vouchers, clearing expired vouchers, and the print operations. */
export const voucherLifecycleRoutes: FastifyPluginAsyncTypebox<{
  lifecycle: VoucherLifecycleService;
  print: VoucherPrintService;
}> = async (app, { lifecycle, print }) => {
  /** The briefs of these batches with their groups' print patterns. */
  const printed = async (batches: readonly PrintBatch[], place: SiteRecord) =>
    briefs(batches, place, await print.patterns(place, batches.map(({ group }) => group.id)));

  const base = '/openapi/v1/:omadacId/sites/:siteId/hotspot';
  const done = { response: { 200: EnvelopeWithoutResult } };
  const printedAnswer = { response: { 200: VoucherBriefListResponse } };

  app.delete(
    `${base}/voucher-groups/:groupId`,
    { config: { operation: 'deleteVoucherGroup' }, schema: { params: GroupParams, ...done } },
    async (request) => {
      await lifecycle.deleteGroup(site(request), request.params.groupId);
      return SUCCESS;
    },
  );

  app.post(
    `${base}/voucher-groups/batch/delete`,
    { config: { operation: 'deleteSelectedVoucherGroups' }, schema: { params: SiteParams, body: SelectVoucherGroupsBody, ...done } },
    async (request) => {
      await lifecycle.deleteGroups(site(request), request.body);
      return SUCCESS;
    },
  );

  app.post(
    `${base}/voucher-groups/batch/clear-invalid`,
    {
      config: { operation: 'clearInvalidVouchersInSelectedGroups' },
      schema: { params: SiteParams, body: SelectVoucherGroupsBody, ...done },
    },
    async (request) => {
      await lifecycle.clearExpired(site(request), request.body);
      return SUCCESS;
    },
  );

  app.delete(
    `${base}/voucher-groups/:groupId/clear-invalid`,
    { config: { operation: 'clearInvalidVouchersInaGroup' }, schema: { params: GroupParams, ...done } },
    async (request) => {
      await lifecycle.clearExpiredInGroup(site(request), request.params.groupId);
      return SUCCESS;
    },
  );

  app.delete(
    `${base}/vouchers/:id`,
    { config: { operation: 'deleteVoucher' }, schema: { params: VoucherParams, ...done } },
    async (request) => {
      await lifecycle.deleteVoucher(site(request), request.params.id);
      return SUCCESS;
    },
  );

  app.post(
    `${base}/vouchers/batch/delete`,
    { config: { operation: 'deleteVouchers' }, schema: { params: SiteParams, body: SelectVouchersBody, ...done } },
    async (request) => {
      await lifecycle.deleteVouchers(site(request), request.body);
      return SUCCESS;
    },
  );

  app.get(
    `${base}/voucher-groups/:groupId/print-unused`,
    { config: { operation: 'printVoucherGroup' }, schema: { params: GroupParams, ...printedAnswer } },
    async (request) => {
      const place = site(request);
      return { ...SUCCESS, result: await printed(await lifecycle.printGroup(place, request.params.groupId), place) };
    },
  );

  app.post(
    `${base}/voucher-groups/batch/print-unused`,
    { config: { operation: 'printSelectedVoucherGroups' }, schema: { params: SiteParams, body: SelectVoucherGroupsBody, ...printedAnswer } },
    async (request) => {
      const place = site(request);
      return { ...SUCCESS, result: await printed(await lifecycle.printGroups(place, request.body), place) };
    },
  );

  app.post(
    `${base}/vouchers/batch/print`,
    { config: { operation: 'printVouchers' }, schema: { params: SiteParams, body: SelectVouchersBody, ...printedAnswer } },
    async (request) => {
      const place = site(request);
      return { ...SUCCESS, result: await printed([await lifecycle.printVouchers(place, request.body)], place) };
    },
  );
};

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { describeValidity } from '../../domain/validity.js';
import type { VoucherLifecycleService } from '../../domain/voucher-lifecycle.js';
import type { PrintBatch, SiteRecord } from '../../store/port.js';
import { site } from '../guard.js';
import { EnvelopeWithoutResult, SiteParams } from '../schemas/common.js';
import { SelectVoucherGroupsBody, SelectVouchersBody, VoucherBriefListResponse } from '../schemas/voucher-lifecycle.js';
import { GroupParams, VoucherParams } from '../schemas/vouchers.js';

const SUCCESS = { errorCode: 0, msg: 'Success.' } as const;

/** Each code as VoucherBriefOpenApiVO shows it on paper: its group's terms, validity in the site's time zone. */
function briefs(batches: readonly PrintBatch[], place: SiteRecord) {
  return batches.flatMap(({ group, codes }) => {
    const terms = {
      limitType: group.limitType,
      limitNum: group.limitNum,
      durationType: group.durationType,
      duration: group.duration,
      unitPrice: group.unitPrice === undefined ? undefined : String(group.unitPrice),
      currency: group.currency,
      validity: describeValidity(group, place.timeZone),
      printComments: group.printComments,
    };
    return codes.map((code) => ({ code, ...terms }));
  });
}

/** Deleting groups and vouchers, clearing expired vouchers, and the print operations. */
export const voucherLifecycleRoutes: FastifyPluginAsyncTypebox<{ lifecycle: VoucherLifecycleService }> = async (
  app,
  { lifecycle },
) => {
  const base = '/openapi/v1/:omadacId/sites/:siteId/hotspot';
  const done = { response: { 200: EnvelopeWithoutResult } };
  const printed = { response: { 200: VoucherBriefListResponse } };

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
    { config: { operation: 'printVoucherGroup' }, schema: { params: GroupParams, ...printed } },
    async (request) => {
      const place = site(request);
      return { ...SUCCESS, result: briefs(await lifecycle.printGroup(place, request.params.groupId), place) };
    },
  );

  app.post(
    `${base}/voucher-groups/batch/print-unused`,
    { config: { operation: 'printSelectedVoucherGroups' }, schema: { params: SiteParams, body: SelectVoucherGroupsBody, ...printed } },
    async (request) => {
      const place = site(request);
      return { ...SUCCESS, result: briefs(await lifecycle.printGroups(place, request.body), place) };
    },
  );

  app.post(
    `${base}/vouchers/batch/print`,
    { config: { operation: 'printVouchers' }, schema: { params: SiteParams, body: SelectVouchersBody, ...printed } },
    async (request) => {
      const place = site(request);
      return { ...SUCCESS, result: briefs([await lifecycle.printVouchers(place, request.body)], place) };
    },
  );
};

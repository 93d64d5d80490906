import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { VoucherExportService } from '../../domain/voucher-export.js';
import { CSV_CONTENT_TYPE, csvStream, XLSX_CONTENT_TYPE, xlsxStream } from '../export-files.js';
import { site } from '../guard.js';
import { SiteParams } from '../schemas/common.js';
import { ExportVouchersBody } from '../schemas/voucher-export.js';

/**
 * `exportVouchersWithSiteByCloudAccess`: the selected groups' vouchers as a CSV or XLSX file.
 * Success answers the file itself, streamed; a refusal (token, permission, site, lock, a bad
 * body) still answers the JSON envelope, since everything it can refuse is checked before the
 * first byte goes out.
 */
export const voucherExportRoutes: FastifyPluginAsyncTypebox<{ exporter: VoucherExportService }> = async (app, { exporter }) => {
  app.post(
    '/openapi/v1/:omadacId/files/hotspot/sites/:siteId/vouchers/export',
    { config: { operation: 'exportVouchersWithSiteByCloudAccess' }, schema: { params: SiteParams, body: ExportVouchersBody } },
    async (request, reply) => {
      const file = await exporter.open(site(request), request.body);
      const body =
        file.format === 'csv' ? csvStream(file.columns, file.batches) : xlsxStream(file.columns, file.batches, 'Vouchers');
      return reply
        .type(file.format === 'csv' ? CSV_CONTENT_TYPE : XLSX_CONTENT_TYPE)
        .header('content-disposition', `attachment; filename="${file.fileName}"`)
        // The file holds live voucher codes: no cache along the way keeps a copy.
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .send(body);
    },
  );
};

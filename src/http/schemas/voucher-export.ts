import { Type } from '@sinclair/typebox';
import { SelectVoucherGroupsBody } from './voucher-lifecycle.js';

/**
 * ExportVoucherOpenApiVO: the file format and the group selection. Of `queryData`
 * (OpenApiQueryDataVO) only `searchKey` selects; an export holds every page, so `page` and
 * `pageSize` are taken but play no part, and the grid's sorts and filters do not apply.
 */
export const ExportVouchersBody = Type.Object({
  format: Type.Integer({ minimum: 0, maximum: 1 }),
  type: SelectVoucherGroupsBody.properties.type,
  groupIds: SelectVoucherGroupsBody.properties.groupIds,
  queryData: Type.Optional(
    Type.Object({
      page: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
      pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
      searchKey: Type.Optional(Type.String({ maxLength: 128 })),
      searchField: Type.Optional(Type.String({ maxLength: 128 })),
      sorts: Type.Optional(Type.Record(Type.String(), Type.String())),
      filters: Type.Optional(Type.Record(Type.String(), Type.Object({}))),
    }),
  ),
});

import { Type } from '@sinclair/typebox';
import { Envelope } from './common.js';

const range = (minimum: number, maximum: number) => Type.Integer({ minimum, maximum });
const Id = Type.String({ maxLength: 64 });

/** SelectVoucherGroupOpenApiVO: which groups a batch acts on. */
export const SelectVoucherGroupsBody = Type.Object({
  type: range(0, 2),
  // A body of 1 MB holds some 37000 ids; a site rarely holds that many groups.
  groupIds: Type.Optional(Type.Array(Id, { maxItems: 20_000 })),
  searchKey: Type.Optional(Type.String({ maxLength: 128 })),
  timeStart: Type.Optional(range(0, Number.MAX_SAFE_INTEGER)),
});

/** SelectIdsOpenApiVO: which vouchers of one group a batch acts on (a group holds at most 5000). */
export const SelectVouchersBody = Type.Object({
  type: range(0, 2),
  ids: Type.Optional(Type.Array(Id, { maxItems: 5000 })),
  groupId: Id,
  searchKey: Type.Optional(Type.String({ maxLength: 128 })),
  status: Type.Optional(range(0, 2)),
});

/**
 * VoucherBriefOpenApiVO: what a printed voucher shows. The limit and duration are left out when
 * the group's print pattern does not print them; the pattern fields come once a pattern was edited.
 */
const VoucherBrief = Type.Object({
  code: Type.String(),
  limitType: Type.Optional(Type.Integer()),
  limitNum: Type.Optional(Type.Integer()),
  durationType: Type.Optional(Type.Integer()),
  duration: Type.Optional(Type.Integer()),
  unitPrice: Type.Optional(Type.String()),
  currency: Type.Optional(Type.String()),
  validity: Type.String(),
  printComments: Type.Optional(Type.String()),
  patternType: Type.Optional(Type.Integer()),
  position: Type.Optional(Type.Integer()),
  picId: Type.Optional(Type.String()),
  logoSize: Type.Optional(Type.Integer()),
  title: Type.Optional(Type.String()),
  titleSize: Type.Optional(Type.Integer()),
  ssidNameList: Type.Optional(Type.Array(Type.String())),
  networkNameList: Type.Optional(Type.Array(Type.String())),
});

export const VoucherBriefListResponse = Envelope(Type.Array(VoucherBrief));

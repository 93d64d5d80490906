import { Type } from '@sinclair/typebox';
import { Envelope, Grid, PageQuery } from './common.js';

const range = (minimum: number, maximum: number) => Type.Integer({ minimum, maximum });

/** getVoucherGroupOptions: a paged list, nothing else to filter by. */
export const GroupOptionsQuery = Type.Object({ ...PageQuery });

/** VoucherGroupOptionOpenApiVO. */
const VoucherGroupOption = Type.Object({ groupId: Type.String(), name: Type.String() });
export const GroupOptionsResponse = Envelope(Grid(VoucherGroupOption));

/**
 * EditVoucherGroupPatternOpenApiVO, ranges as its docs give them (logoSize 50-175, titleSize
 * 12-18); the lengths and list sizes the docs leave open are voucherd's (README "Choices").
 */
export const EditVoucherGroupPatternBody = Type.Object({
  durationEnable: Type.Optional(Type.Boolean()),
  limitEnable: Type.Optional(Type.Boolean()),
  logoPictureId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  logoSize: Type.Optional(range(50, 175)),
  networkList: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32 })),
  patternType: Type.Optional(range(0, 2)),
  position: Type.Optional(range(0, 2)),
  printComments: Type.Optional(Type.String({ maxLength: 256 })),
  ssidList: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 32 })),
  ssidNetworkenable: Type.Optional(Type.Boolean()),
  ssidNetworkEnable: Type.Optional(Type.Boolean()),
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  titleSize: Type.Optional(range(12, 18)),
});

export const LogoParams = Type.Object({ omadacId: Type.String(), siteId: Type.String(), picId: Type.String() });

/** PortalPictureInfo: what uploadVoucherLogo and getVoucherLogo answer. */
export const PortalPictureInfoResponse = Envelope(
  Type.Object({ id: Type.String(), fileName: Type.String(), url: Type.String() }),
);

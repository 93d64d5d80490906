import { Type, type TSchema } from '@sinclair/typebox';

/** `{errorCode, msg, result}`: the envelope every Open API answer travels in. */
export const Envelope = <T extends TSchema>(result: T) =>
  Type.Object({ errorCode: Type.Integer(), msg: Type.String(), result: Type.Optional(result) });

export const EnvelopeWithoutResult = Type.Object({ errorCode: Type.Integer(), msg: Type.String() });

export const Grid = <T extends TSchema>(item: T) =>
  Type.Object({
    totalRows: Type.Integer(),
    currentPage: Type.Integer(),
    currentSize: Type.Integer(),
    data: Type.Array(item),
  });

/** `page` from 1 and `pageSize` 1–1000, both required, as every paged Open API list takes them. */
export const PageQuery = {
  page: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  pageSize: Type.Integer({ minimum: 1, maximum: 1000 }),
};

export const ControllerParams = Type.Object({ omadacId: Type.String() });
export const SiteParams = Type.Object({ omadacId: Type.String(), siteId: Type.String() });

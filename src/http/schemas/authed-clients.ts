import { Type, type Static } from '@sinclair/typebox';
import { Envelope, Grid, PageQuery } from './common.js';

/** A sort parameter: `asc` or `desc`, checked where the first one present is picked. */
const Sort = Type.Optional(Type.String());

/** Seconds since the epoch whose milliseconds still fit a safe integer. */
const EpochSeconds = Type.Integer({ minimum: 0, maximum: Math.floor(Number.MAX_SAFE_INTEGER / 1000) });

/** getHotspotAuthedClients: every `sorts.*` the controller lists; the ones voucherd cannot order by are ignored. */
export const ListAuthedClientsQuery = Type.Object({
  ...PageQuery,
  'sorts.name': Sort,
  'sorts.mac': Sort,
  'sorts.ip': Sort,
  'sorts.authType': Sort,
  'sorts.ssidOrNetwork': Sort,
  'sorts.download': Sort,
  'sorts.upload': Sort,
  'sorts.status': Sort,
  'sorts.start': Sort,
  'sorts.end': Sort,
  'sorts.duration': Sort,
  searchKey: Type.Optional(Type.String({ maxLength: 128 })),
});

/** The spec's "Delete Filter Info": records started within [start, end], in seconds. */
export const DeleteInvalidRecordsBody = Type.Object({
  start: EpochSeconds,
  end: EpochSeconds,
  searchKey: Type.Optional(Type.String({ maxLength: 128 })),
});
export type DeleteInvalidRecordsBody = Static<typeof DeleteInvalidRecordsBody>;

/** ExtendOpenApiVO: milliseconds, 60 s to 1000000 days as documented. */
export const ExtendRecordBody = Type.Object({ period: Type.Integer({ minimum: 60_000, maximum: 86_400_000_000_000 }) });

export const RecordParams = Type.Object({
  omadacId: Type.String(),
  siteId: Type.String(),
  id: Type.String({ pattern: '^[0-9a-f]{24}$', errorMessage: 'must be 24 lowercase hexadecimal characters.' }),
});

/** The MAC is judged by the engine, which takes the usual spellings (colons, dashes, dots, none). */
export const ClientParams = Type.Object({ omadacId: Type.String(), siteId: Type.String(), clientMac: Type.String() });

/** AuthClientOpenApiVO, with the fields voucherd has something to say in. */
export const AuthClientView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  mac: Type.String(),
  wireless: Type.Boolean(),
  ssid: Type.Optional(Type.String()),
  /** 3 voucher, 10 admin authorization. */
  authType: Type.Integer(),
  download: Type.Integer(),
  upload: Type.Integer(),
  duration: Type.Integer(),
  start: Type.Integer(),
  end: Type.Integer(),
  valid: Type.Boolean(),
  voucherCode: Type.Optional(Type.String()),
  ip: Type.Optional(Type.String()),
});

export const AuthClientPageResponse = Envelope(Grid(AuthClientView));

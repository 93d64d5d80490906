import { Type } from '@sinclair/typebox';
import { Envelope } from './common.js';

/** What a captive portal page posts when a client enters a voucher code (authType 3: voucher). */
export const PortalAuthBody = Type.Object({
  /** 3: voucher, the only way in voucherd serves. */
  authType: Type.Literal(3),
  voucherCode: Type.String({ minLength: 1, maxLength: 64 }),
  clientMac: Type.String({ minLength: 1, maxLength: 32 }),
  /** The site's id. */
  site: Type.String({ minLength: 1, maxLength: 64 }),
  portal: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  apMac: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  ssidName: Type.Optional(Type.String({ maxLength: 64 })),
  radioId: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
});

export const PortalLogoutBody = Type.Object({
  clientMac: Type.String({ minLength: 1, maxLength: 32 }),
  site: Type.String({ minLength: 1, maxLength: 64 }),
  voucherCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});

/** The session a redeemed code opened, with the limits the gateway should apply. */
export const PortalAuthResponse = Envelope(
  Type.Object({
    clientMac: Type.String(),
    voucherCode: Type.String(),
    /** Seconds until the session ends. */
    sessionTimeout: Type.Integer(),
    /** When the session ends, epoch ms. */
    expireTime: Type.Integer(),
    /** Kbps; absent when not limited. */
    downLimit: Type.Optional(Type.Integer()),
    upLimit: Type.Optional(Type.Integer()),
    /** Bytes left in the current traffic period; absent without a traffic limit. */
    trafficLeft: Type.Optional(Type.Integer()),
    logout: Type.Boolean(),
  }),
);

export const PortalLogoutResponse = Envelope(Type.Object({ sessionsEnded: Type.Integer() }));

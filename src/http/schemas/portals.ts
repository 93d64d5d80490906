import { Type, type Static } from '@sinclair/typebox';
import { AUTH_TYPES, HOTSPOT_TYPES } from '../../domain/portals.js';
import { Envelope } from './common.js';

/** The controller's portal-name rule: 1–128 characters, not starting or ending with a space. */
const PortalName = Type.String({
  pattern: '^[^ ]$|^[^ ].{0,126}[^ ]$',
  errorMessage: 'must contain 1 to 128 characters and not start or end with a space.',
});

/**
 * SSIDs and LAN networks live on the controller's devices, which voucherd does not manage: their
 * ids are kept as given. The spec sets no bounds; these keep one portal row small.
 */
const BoundIds = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { uniqueItems: true, maxItems: 1000 });

/**
 * AuthTimeoutSetting. The spec's request schema names only the custom span; `authTimeout` (the
 * preset of AuthTimeOpenApiVO, which getPortalDetail answers) is taken too, so a detail can be
 * sent back unchanged. Without a preset, both custom fields are required (see the domain).
 */
const AuthTimeout = Type.Object({
  authTimeout: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 })),
  customTimeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  customTimeoutUnit: Type.Optional(Type.Integer({ minimum: 1, maximum: 3 })),
});

const Hotspot = Type.Object({
  enabledTypes: Type.Array(Type.Integer({ enum: [...HOTSPOT_TYPES] }), {
    minItems: 1,
    maxItems: HOTSPOT_TYPES.length,
    uniqueItems: true,
  }),
});

/** The spec's pattern for a promotional URL: a host name or IPv4 address, an optional port and path, no scheme. */
const LandingUrl = Type.String({
  maxLength: 2048,
  pattern:
    '^(([-a-zA-Z0-9@:%._+~#=]{2,256}\\.[a-z]{2,63})|(((25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)(\\.)){3}(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)))((:([1-9]|[1-9]\\d|[1-9]\\d{2}|[1-9]\\d{3}|[1-5]\\d{4}|6[0-4]\\d{3}|65[0-4]\\d{2}|655[0-2]\\d|6553[0-5]))?)(/([-a-zA-Z0-9@:%_+.~#?&//=]*))?$',
  errorMessage:
    'must be a host name or IPv4 address with an optional port and path, without the scheme, of at most 2048 characters.',
});

/**
 * The PortalSetting fields a voucher portal uses; voucherd keeps them and answers them back.
 * Every other field of PortalSetting is accepted and ignored: the settings of the other ways to
 * authenticate (noAuth, simplePassword, sms, portalFormId, hotspotRadius, externalPortal,
 * externalRadius, ldap) and of the portal page itself (pageType, importedPortalPage,
 * portalCustomize), since voucherd serves no portal page and authenticates only vouchers.
 * Ignored fields are neither checked nor required, even where the spec makes them conditional.
 */
const KeptFields = {
  name: PortalName,
  enable: Type.Boolean(),
  ssidList: Type.Optional(BoundIds),
  networkList: Type.Optional(BoundIds),
  authType: Type.Integer({ enum: [...AUTH_TYPES] }),
  authTimeout: AuthTimeout,
  httpsRedirectEnable: Type.Boolean(),
  landingPage: Type.Integer({ minimum: 1, maximum: 3 }),
  landingUrlScheme: Type.Optional(Type.String({ enum: ['http', 'https'] })),
  landingUrl: Type.Optional(LandingUrl),
  hotspot: Type.Optional(Hotspot),
};

const IgnoredFields = {
  noAuth: Type.Optional(Type.Unknown()),
  simplePassword: Type.Optional(Type.Unknown()),
  sms: Type.Optional(Type.Unknown()),
  portalFormId: Type.Optional(Type.Unknown()),
  hotspotRadius: Type.Optional(Type.Unknown()),
  externalPortal: Type.Optional(Type.Unknown()),
  externalRadius: Type.Optional(Type.Unknown()),
  ldap: Type.Optional(Type.Unknown()),
  pageType: Type.Optional(Type.Unknown()),
  importedPortalPage: Type.Optional(Type.Unknown()),
  portalCustomize: Type.Optional(Type.Unknown()),
};

/** addPortal: PortalSetting with its documented required fields. */
export const AddPortalBody = Type.Object({ ...KeptFields, ...IgnoredFields });
export type AddPortalBody = Static<typeof AddPortalBody>;

/** modifyPortal is a PATCH: every field may be left out, and what is left out stays as it is. */
export const ModifyPortalBody = Type.Partial(AddPortalBody);
export type ModifyPortalBody = Static<typeof ModifyPortalBody>;

export const PortalParams = Type.Object({ omadacId: Type.String(), siteId: Type.String(), portalId: Type.String() });

/** PortalResOpenApiVO: one item of getPortalList. */
export const PortalSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  enable: Type.Boolean(),
  ssidList: Type.Array(Type.String()),
  networkList: Type.Array(Type.String()),
  authType: Type.Integer(),
  hotspotTypes: Type.Array(Type.Integer()),
});

/** PortalDetailResOpenApiVO, cut to the fields voucherd keeps. */
export const PortalDetail = Type.Object({
  id: Type.String(),
  name: Type.String(),
  enable: Type.Boolean(),
  ssidList: Type.Array(Type.String()),
  networkList: Type.Array(Type.String()),
  authType: Type.Integer(),
  authTimeout: Type.Object({
    authTimeout: Type.Integer(),
    customTimeout: Type.Optional(Type.Integer()),
    customTimeoutUnit: Type.Optional(Type.Integer()),
  }),
  httpsRedirectEnable: Type.Boolean(),
  landingPage: Type.Integer(),
  landingUrlScheme: Type.Optional(Type.String()),
  landingUrl: Type.Optional(Type.String()),
  hotspot: Type.Optional(Type.Object({ enabledTypes: Type.Array(Type.Integer()) })),
});

export const PortalListResponse = Envelope(Type.Array(PortalSummary));
export const PortalDetailResponse = Envelope(PortalDetail);

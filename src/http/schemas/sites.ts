import { Type, type Static } from '@sinclair/typebox';
import { Envelope, Grid, PageQuery } from './common.js';

/** Omada's site-name rule: 1–64 characters, not starting with a space, +, -, @ or =, not ending with a space. */
const SiteName = Type.String({
  pattern: '^[^ +\\-@=](?:.{0,62}[^ ])?$',
  errorMessage: 'must contain 1 to 64 characters, not start with a space, +, -, @ or =, and not end with a space.',
});
const SiteType = Type.Integer({ minimum: 0, maximum: 1 });
const TagIds = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { uniqueItems: true, maxItems: 100 });
const Longitude = Type.Number({ minimum: -180, maximum: 180 });
const Latitude = Type.Number({ minimum: -90, maximum: 90 });
const Address = Type.String({ maxLength: 256 });

const DstTime = Type.Object({
  month: Type.Integer({ minimum: 1, maximum: 12 }),
  serial: Type.Integer({ minimum: 1, maximum: 5 }),
  day: Type.Integer({ minimum: 1, maximum: 7 }),
  hour: Type.Integer({ minimum: 0, maximum: 23 }),
  minute: Type.Integer({ minimum: 0, maximum: 59 }),
});

const Dst = Type.Object({
  enable: Type.Boolean(),
  mode: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 })),
  start: Type.Optional(DstTime),
  end: Type.Optional(DstTime),
  offset: Type.Optional(Type.Integer()),
});

const NtpServer = Type.Object({
  address: Type.String({
    pattern: '^(?=.{3,64}$)[a-zA-Z0-9][-a-zA-Z0-9]{0,62}(?:\\.[a-zA-Z0-9][-a-zA-Z0-9]{0,62})+$',
    errorMessage: 'must be a host name or IPv4 address of 3 to 64 characters.',
  }),
});

export const CreateSiteBody = Type.Object({
  name: SiteName,
  type: Type.Optional(SiteType),
  region: Type.String(),
  timeZone: Type.String(),
  scenario: Type.String(),
  tagIds: Type.Optional(TagIds),
  longitude: Type.Optional(Longitude),
  latitude: Type.Optional(Latitude),
  address: Type.Optional(Address),
  deviceAccountSetting: Type.Object({ username: Type.String(), password: Type.String() }),
  supportES: Type.Optional(Type.Boolean()),
  supportL2: Type.Optional(Type.Boolean()),
});
export type CreateSiteBody = Static<typeof CreateSiteBody>;

export const UpdateSiteBody = Type.Object({
  name: Type.Optional(SiteName),
  type: Type.Optional(SiteType),
  region: Type.String(),
  timeZone: Type.String(),
  scenario: Type.String(),
  tagIds: Type.Optional(TagIds),
  ntpEnable: Type.Optional(Type.Boolean()),
  ntpServers: Type.Optional(Type.Array(NtpServer, { maxItems: 5 })),
  dst: Type.Optional(Dst),
  longitude: Type.Optional(Longitude),
  latitude: Type.Optional(Latitude),
  address: Type.Optional(Address),
  supportES: Type.Optional(Type.Boolean()),
  supportL2: Type.Optional(Type.Boolean()),
});
export type UpdateSiteBody = Static<typeof UpdateSiteBody>;

export const ListSitesQuery = Type.Object({
  ...PageQuery,
  'sorts.name': Type.Optional(Type.String()),
  searchKey: Type.Optional(Type.String({ maxLength: 128 })),
  'filters.tag': Type.Optional(Type.String()),
  'filters.type': Type.Optional(Type.String()),
});
export type ListSitesQuery = Static<typeof ListSitesQuery>;

const SiteCommon = {
  siteId: Type.String(),
  name: Type.String(),
  type: Type.Integer(),
  tagIds: Type.Array(Type.String()),
  region: Type.String(),
  timeZone: Type.String(),
  scenario: Type.String(),
  longitude: Type.Optional(Type.Number()),
  latitude: Type.Optional(Type.Number()),
  address: Type.Optional(Type.String()),
  supportES: Type.Boolean(),
  supportL2: Type.Boolean(),
};

export const SiteSummary = Type.Object(SiteCommon);

export const SiteEntity = Type.Object({
  ...SiteCommon,
  ntpEnable: Type.Boolean(),
  ntpServers: Type.Array(Type.String()),
  dst: Type.Optional(
    Type.Object({
      enable: Type.Boolean(),
      mode: Type.Optional(Type.Integer()),
      start: Type.Optional(DstTime),
      end: Type.Optional(DstTime),
      offset: Type.Optional(Type.Integer()),
      timeZone: Type.String(),
    }),
  ),
});

export const SitePageResponse = Envelope(Grid(SiteSummary));
export const SiteEntityResponse = Envelope(SiteEntity);
export const CreatedSiteResponse = Envelope(Type.Object({ siteId: Type.String() }));

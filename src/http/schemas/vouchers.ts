import { Type, type Static } from '@sinclair/typebox';
import { Envelope, Grid, PageQuery } from './common.js';

const range = (minimum: number, maximum: number) => Type.Integer({ minimum, maximum });
const KBPS = range(0, 10_485_760);

const Schedule = Type.Object({
  type: range(0, 1),
  dailyStartHour: Type.Optional(range(0, 23)),
  dailyStartMin: Type.Optional(range(0, 59)),
  dailyEndHour: Type.Optional(range(0, 23)),
  dailyEndMin: Type.Optional(range(0, 59)),
  weeklyEnableDays: Type.Optional(Type.Array(range(1, 7), { maxItems: 7, uniqueItems: true })),
});

const RateLimit = Type.Object({
  mode: range(0, 1),
  rateLimitProfileId: Type.Optional(Type.String({ maxLength: 64 })),
  customRateLimit: Type.Optional(
    Type.Object({
      downLimitEnable: Type.Boolean(),
      downLimit: Type.Optional(KBPS),
      upLimitEnable: Type.Boolean(),
      upLimit: Type.Optional(KBPS),
    }),
  ),
});

/** CreateVoucherGroupOpenApiVO with the ranges of its documentation. */
export const CreateVoucherGroupBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 32 }),
  amount: range(1, 5000),
  codeLength: range(6, 10),
  codeForm: Type.Array(range(0, 1), { minItems: 1, maxItems: 2, uniqueItems: true }),
  limitType: range(0, 2),
  limitNum: Type.Optional(range(1, 999)),
  durationType: range(0, 1),
  duration: range(1, 14_400_000),
  timingType: range(0, 1),
  rateLimit: RateLimit,
  trafficLimitEnable: Type.Boolean(),
  trafficLimit: Type.Optional(range(1, 10_485_760)),
  trafficLimitFrequency: Type.Optional(range(0, 3)),
  unitPrice: Type.Optional(range(1, 999_999_999)),
  currency: Type.Optional(Type.String({ maxLength: 8 })),
  applyToAllPortals: Type.Boolean(),
  portals: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 256 })),
  expirationTime: Type.Optional(range(0, Number.MAX_SAFE_INTEGER)),
  effectiveTime: Type.Optional(range(0, Number.MAX_SAFE_INTEGER)),
  logout: Type.Optional(Type.Boolean()),
  description: Type.Optional(Type.String({ maxLength: 256 })),
  printComments: Type.Optional(Type.String({ maxLength: 256 })),
  validityType: Type.Optional(range(0, 2)),
  schedule: Type.Optional(Schedule),
});
export type CreateVoucherGroupBody = Static<typeof CreateVoucherGroupBody>;

export const HotspotSettingBody = Type.Object({ currency: Type.Optional(Type.String({ maxLength: 8 })) });

export const ListVoucherGroupsQuery = Type.Object({
  ...PageQuery,
  'sorts.name': Type.Optional(Type.String()),
  'sorts.createTime': Type.Optional(Type.String()),
  'filters.timeStart': Type.Optional(range(0, Number.MAX_SAFE_INTEGER)),
  'filters.timeEnd': Type.Optional(range(0, Number.MAX_SAFE_INTEGER)),
  searchKey: Type.Optional(Type.String({ maxLength: 128 })),
});

export const VoucherGroupDetailQuery = Type.Object({
  ...PageQuery,
  'sorts.code': Type.Optional(Type.String()),
  'filters.status': Type.Optional(range(0, 2)),
  searchKey: Type.Optional(Type.String({ maxLength: 128 })),
});

export const GroupParams = Type.Object({ omadacId: Type.String(), siteId: Type.String(), groupId: Type.String() });
export const VoucherParams = Type.Object({ omadacId: Type.String(), siteId: Type.String(), id: Type.String() });

const RateLimitView = Type.Object({
  mode: Type.Integer(),
  rateLimitProfileId: Type.Optional(Type.String()),
  customRateLimit: Type.Optional(
    Type.Object({
      downLimitEnable: Type.Boolean(),
      downLimit: Type.Optional(Type.Integer()),
      upLimitEnable: Type.Boolean(),
      upLimit: Type.Optional(Type.Integer()),
    }),
  ),
});

const ScheduleView = Type.Object({
  type: Type.Integer(),
  dailyStartHour: Type.Optional(Type.Integer()),
  dailyStartMin: Type.Optional(Type.Integer()),
  dailyEndHour: Type.Optional(Type.Integer()),
  dailyEndMin: Type.Optional(Type.Integer()),
  weeklyEnableDays: Type.Optional(Type.Array(Type.Integer())),
});

/** The fields a group shows in both the grid and its detail. */
const GroupFields = {
  id: Type.String(),
  name: Type.String(),
  createdTime: Type.Integer(),
  creatorName: Type.String(),
  limitType: Type.Integer(),
  limitNum: Type.Optional(Type.Integer()),
  durationType: Type.Integer(),
  duration: Type.Integer(),
  timingType: Type.Integer(),
  rateLimit: RateLimitView,
  trafficLimitEnable: Type.Boolean(),
  trafficLimit: Type.Optional(Type.Integer()),
  trafficLimitFrequency: Type.Optional(Type.Integer()),
  unitPrice: Type.Optional(Type.String()),
  currency: Type.Optional(Type.String()),
  portalNames: Type.Array(Type.String()),
  applyToAllPortals: Type.Boolean(),
  expirationTime: Type.Optional(Type.Integer()),
  effectiveTime: Type.Optional(Type.Integer()),
  validityType: Type.Integer(),
  schedule: Type.Optional(ScheduleView),
  logout: Type.Boolean(),
  description: Type.Optional(Type.String()),
  printComments: Type.Optional(Type.String()),
  unusedCount: Type.Integer(),
  usedCount: Type.Integer(),
  inUseCount: Type.Integer(),
  expiredCount: Type.Integer(),
  totalCount: Type.Integer(),
  totalAmount: Type.String(),
};

export const VoucherGroupView = Type.Object(GroupFields);

const SimpleVoucher = Type.Object({
  id: Type.String(),
  code: Type.String(),
  status: Type.Integer(),
  trafficUsed: Type.Integer(),
  trafficUnused: Type.Optional(Type.Integer()),
  trafficLimit: Type.Optional(Type.Integer()),
  trafficLimitFrequency: Type.Optional(Type.Integer()),
  downLimit: Type.Optional(Type.Integer()),
  upLimit: Type.Optional(Type.Integer()),
  startTime: Type.Optional(Type.Integer()),
  timeUsedSec: Type.Optional(Type.Integer()),
  timeLeftSec: Type.Optional(Type.Integer()),
  timingByClientUsage: Type.Boolean(),
});

export const VoucherGroupDetailView = Type.Object({
  ...GroupFields,
  unusedAmount: Type.String(),
  usedAmount: Type.String(),
  statisticsCount: Type.Object({
    totalUnusedCount: Type.Integer(),
    totalInUseCount: Type.Integer(),
    totalExpiredCount: Type.Integer(),
    totalStatisticsCount: Type.Integer(),
  }),
  totalRows: Type.Integer(),
  currentPage: Type.Integer(),
  currentSize: Type.Integer(),
  data: Type.Array(SimpleVoucher),
});

export const VoucherView = Type.Object({
  id: Type.String(),
  code: Type.String(),
  createdTime: Type.Integer(),
  limitType: Type.Integer(),
  limitNum: Type.Optional(Type.Integer()),
  used: Type.Integer(),
  durationType: Type.Integer(),
  duration: Type.Integer(),
  timingType: Type.Integer(),
  expirationTime: Type.Optional(Type.Integer()),
  effectiveTime: Type.Optional(Type.Integer()),
  description: Type.Optional(Type.String()),
  rateLimit: RateLimitView,
  trafficLimitEnable: Type.Boolean(),
  trafficLimit: Type.Optional(Type.Integer()),
  trafficLimitFrequency: Type.Optional(Type.Integer()),
  trafficLeft: Type.Boolean(),
  startTime: Type.Optional(Type.Integer()),
  valid: Type.Boolean(),
  trafficUsed: Type.Integer(),
  unitPrice: Type.Optional(Type.String()),
  currency: Type.Optional(Type.String()),
  portalNames: Type.Array(Type.String()),
  logout: Type.Boolean(),
  validity: Type.String(),
  printComments: Type.Optional(Type.String()),
});

export const CreatedIdResponse = Envelope(Type.Object({ id: Type.String() }));
export const VoucherGroupPageResponse = Envelope(Grid(VoucherGroupView));
export const VoucherGroupDetailResponse = Envelope(VoucherGroupDetailView);
export const VoucherResponse = Envelope(VoucherView);
export const CurrencyCandidatesResponse = Envelope(
  Type.Object({ currencyList: Type.Array(Type.String()), selectedCurrency: Type.Optional(Type.String()) }),
);
export const ConfigLimitResponse = Envelope(Type.Array(Type.Object({ amountLimit: Type.Integer() })));

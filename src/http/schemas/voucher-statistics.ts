import { Type } from '@sinclair/typebox';
import { Envelope, Grid, PageQuery } from './common.js';

/** Epoch seconds whose milliseconds are still exact integers. */
const SECONDS = Type.Integer({ minimum: 0, maximum: Math.floor(Number.MAX_SAFE_INTEGER / 1000) - 1 });

/** `filters.timeStart` and `filters.timeEnd`, epoch seconds, both required as the spec says. */
const TimeFilters = { 'filters.timeStart': SECONDS, 'filters.timeEnd': SECONDS };

export const StatisticsTimeQuery = Type.Object(TimeFilters);
/** The per-group distributions of the cloud API page their rows. */
export const PagedStatisticsTimeQuery = Type.Object({ ...PageQuery, ...TimeFilters });

/** VoucherSummaryOpenApiVO: a count with its amount (money as a string) and total minutes. */
const VoucherSummary = Type.Object({
  count: Type.Integer(),
  amount: Type.String(),
  duration: Type.Integer(),
  currency: Type.Optional(Type.String()),
});

/** AllTimeVoucherSummaryOpenApiVO as the controller's spec gives it: created, current, unused. */
export const AllTimeSummaryResponse = Envelope(
  Type.Object({ created: VoucherSummary, current: VoucherSummary, unused: VoucherSummary }),
);

/** AllTimeVoucherSummaryOpenApiVO as the cloud API documents it, which adds inuse and expired. */
export const GroupSummaryResponse = Envelope(
  Type.Object({
    created: VoucherSummary,
    current: VoucherSummary,
    unused: VoucherSummary,
    inuse: VoucherSummary,
    expired: VoucherSummary,
  }),
);

/** VoucherUsageOpenApiVO: one data point. */
const VoucherUsage = Type.Object({
  count: Type.Integer(),
  amount: Type.String(),
  currency: Type.Optional(Type.String()),
  time: Type.Integer(),
  timeInterval: Type.Integer(),
});

export const HistoryResponse = Envelope(Type.Object({ summary: VoucherSummary, usage: Type.Array(VoucherUsage) }));

export const DurationDistributionResponse = Envelope(
  Grid(
    Type.Object({
      duration: Type.Integer(),
      durationType: Type.Integer(),
      totalDuration: Type.Integer(),
      usedCount: Type.Integer(),
    }),
  ),
);

export const PriceDistributionResponse = Envelope(
  Grid(
    Type.Object({
      unitPrice: Type.String(),
      totalAmount: Type.String(),
      usedCount: Type.Integer(),
      currency: Type.Optional(Type.String()),
    }),
  ),
);

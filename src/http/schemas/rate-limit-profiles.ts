import { Type, type Static } from '@sinclair/typebox';
import { Envelope } from './common.js';

/**
 * The controller's profile-name rule, `^[^ ]$|^[^ ].{0,62}[^ ]$`: 1–64 characters, not starting
 * or ending with a space. Written as one anchored group so it reads the same under Ajv's `u` flag,
 * where `.` and the length count code points.
 */
const ProfileName = Type.String({
  pattern: '^[^ ](?:.{0,62}[^ ])?$',
  errorMessage: 'must contain 1 to 64 characters and not start or end with a space.',
});

/** Kbps; the controller's range for both directions. */
export const RATE_LIMIT_MAX_KBPS = 10_485_760;
const Limit = Type.Integer({ minimum: 1, maximum: RATE_LIMIT_MAX_KBPS });

/**
 * CreateRateLimitProfileOpenApiVO and UpdateRateLimitProfileOpenApiVO, which carry the same
 * fields. A limit is required while its direction is enabled: the domain's `checkLimits` says so.
 */
export const RateLimitProfileBody = Type.Object({
  name: ProfileName,
  downLimitEnable: Type.Boolean(),
  downLimit: Type.Optional(Limit),
  upLimitEnable: Type.Boolean(),
  upLimit: Type.Optional(Limit),
});
export type RateLimitProfileBody = Static<typeof RateLimitProfileBody>;

export const RateLimitProfileParams = Type.Object({
  omadacId: Type.String(),
  siteId: Type.String(),
  profileId: Type.String(),
});

/** RateLimitProfileOpenApiVO: a limit is shown only while its direction is enabled. */
export const RateLimitProfileSchema = Type.Object({
  profileId: Type.String(),
  name: Type.String(),
  downLimitEnable: Type.Boolean(),
  downLimit: Type.Optional(Type.Integer()),
  upLimitEnable: Type.Boolean(),
  upLimit: Type.Optional(Type.Integer()),
  defaultProfile: Type.Boolean(),
});

/** OperationResponseListRateLimitProfileOpenApiVO: the whole list, not a page. */
export const RateLimitProfileListResponse = Envelope(Type.Array(RateLimitProfileSchema));

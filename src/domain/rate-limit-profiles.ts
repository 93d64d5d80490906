import type { RateLimitProfileChange, RateLimitProfileRecord, Store } from '../store/port.js';
import { newId, type Clock, type Random } from './clock.js';
import { Errors, invalidField, OmadaError } from './errors.js';

/**
 * How many rate limit profiles one site may hold, its default profile included (−33734 past it).
 * The controller documents a limit without its number; 64 is far beyond what a hotspot needs.
 */
export const RATE_LIMIT_PROFILES_PER_SITE = 64;

/** Name and limits as a client sends them to create or modify a profile. */
export interface RateLimitProfileInput {
  readonly name: string;
  readonly downLimitEnable: boolean;
  readonly downLimit?: number | undefined;
  readonly upLimitEnable: boolean;
  readonly upLimit?: number | undefined;
}

/**
 * The rule JSON Schema cannot say: a limit is required while its direction is enabled. Its range
 * (1–10485760 Kbps) is the schema's. A limit sent for a disabled direction is dropped, not kept.
 */
export function checkLimits(input: RateLimitProfileInput): RateLimitProfileChange {
  if (input.downLimitEnable && input.downLimit === undefined) {
    throw invalidField('downLimit is required when downLimitEnable is true.');
  }
  if (input.upLimitEnable && input.upLimit === undefined) {
    throw invalidField('upLimit is required when upLimitEnable is true.');
  }
  return {
    name: input.name,
    downLimitEnable: input.downLimitEnable,
    downLimit: input.downLimitEnable ? input.downLimit : undefined,
    upLimitEnable: input.upLimitEnable,
    upLimit: input.upLimitEnable ? input.upLimit : undefined,
  };
}

/** Rate limit profiles: named download/upload limits that voucher groups of a site refer to. */
export class RateLimitProfileService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly perSiteLimit: number = RATE_LIMIT_PROFILES_PER_SITE,
  ) {}

  /** The new profile's id; the Open API answers without it, so clients find it in the list. */
  async create(siteId: string, input: RateLimitProfileInput): Promise<string> {
    const fields = checkLimits(input);
    const now = this.clock.now();
    const profile: RateLimitProfileRecord = {
      id: newId(this.clock, this.random),
      siteId,
      ...fields,
      isDefault: false,
      createdAt: now,
    };
    await this.store.rateLimitProfiles.insert(profile, this.perSiteLimit, now);
    return profile.id;
  }

  list(siteId: string): Promise<RateLimitProfileRecord[]> {
    return this.store.rateLimitProfiles.list(siteId);
  }

  /** The profile `id` of `siteId`; −33732 when the site holds no such profile (a voucher group naming one, say). */
  async getProfile(siteId: string, id: string): Promise<RateLimitProfileRecord> {
    const profile = await this.store.rateLimitProfiles.getProfile(siteId, id);
    if (!profile) throw new OmadaError(Errors.RATE_LIMIT_PROFILE_NOT_EXIST);
    return profile;
  }

  /**
   * Replaces a profile's name and limits. The default profile's limits may change but its name
   * may not: it is the profile every site is created with and is known by that name, and the
   * controller offers no way to tell it apart other than `defaultProfile`.
   */
  async modify(siteId: string, id: string, input: RateLimitProfileInput): Promise<void> {
    const change = checkLimits(input);
    // Being the default never changes and the default is never deleted, so reading it ahead of
    // the write cannot go stale; the write itself still answers −33732 for a profile gone since.
    const current = await this.getProfile(siteId, id);
    if (current.isDefault && change.name !== current.name) {
      throw invalidField('name cannot be changed on the default profile.');
    }
    await this.store.rateLimitProfiles.update(siteId, id, change, this.clock.now());
  }

  /** −33736 for the default profile, −33737 naming a voucher code while a voucher group uses it. */
  delete(siteId: string, id: string): Promise<void> {
    return this.store.rateLimitProfiles.delete(siteId, id, this.clock.now());
  }
}

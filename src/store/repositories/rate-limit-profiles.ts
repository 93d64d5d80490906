import { type Kysely, type Selectable, type Transaction } from 'kysely';
import { Errors, messageWith, OmadaError } from '../../domain/errors.js';
import type { RateLimitProfileChange, RateLimitProfileRecord, RateLimitProfileRepository } from '../port.js';
import type { Database } from '../schema.js';
import { assertSiteUnlocked } from '../site-lock.js';
import { type Dialect, flag, insertionOrder, isUniqueViolation, optional, serializeOn } from '../sql-helpers.js';

function toProfile(row: Selectable<Database['rate_limit_profiles']>): RateLimitProfileRecord {
  const downLimit = optional(row.down_limit);
  const upLimit = optional(row.up_limit);
  return {
    id: row.id,
    siteId: row.site_id,
    name: row.name,
    downLimitEnable: Boolean(row.down_enable),
    downLimit: downLimit === undefined ? undefined : Number(downLimit),
    upLimitEnable: Boolean(row.up_enable),
    upLimit: upLimit === undefined ? undefined : Number(upLimit),
    isDefault: Boolean(row.is_default),
    createdAt: Number(row.created_at),
  };
}

/** A limit is stored only while it is enabled, so a disabled one never resurfaces later. */
function limitColumns(change: RateLimitProfileChange) {
  return {
    name: change.name,
    down_enable: flag(change.downLimitEnable),
    down_limit: change.downLimitEnable ? (change.downLimit ?? null) : null,
    up_enable: flag(change.upLimitEnable),
    up_limit: change.upLimitEnable ? (change.upLimit ?? null) : null,
  };
}

/** The unique (site_id, name) constraint is the one judge of a taken name, under races too. */
async function mappingNameTaken<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw new OmadaError(Errors.RATE_LIMIT_PROFILE_EXISTS);
    throw error;
  }
}

export class KyselyRateLimitProfileRepository implements RateLimitProfileRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  async insert(profile: RateLimitProfileRecord, limit: number, now: number): Promise<void> {
    await mappingNameTaken(() =>
      this.db.transaction().execute(async (trx) => {
        await assertSiteUnlocked(trx, profile.siteId, now);
        await serializeOn(trx, this.dialect, `voucherd:profiles:${profile.siteId}`);
        const { n } = await trx
          .selectFrom('rate_limit_profiles')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('site_id', '=', profile.siteId)
          .executeTakeFirstOrThrow();
        if (Number(n) >= limit) throw new OmadaError(Errors.RATE_LIMIT_PROFILE_LIMIT_REACHED);
        await trx
          .insertInto('rate_limit_profiles')
          .values({
            id: profile.id,
            site_id: profile.siteId,
            ...limitColumns(profile),
            is_default: flag(profile.isDefault),
            created_at: profile.createdAt,
          })
          .execute();
      }),
    );
  }

  async list(siteId: string): Promise<RateLimitProfileRecord[]> {
    const rows = await this.db
      .selectFrom('rate_limit_profiles')
      .selectAll()
      .where('site_id', '=', siteId)
      .orderBy('is_default', 'desc')
      .orderBy('created_at')
      .orderBy(insertionOrder('rate_limit_profiles'))
      .execute();
    return rows.map(toProfile);
  }

  async getProfile(siteId: string, id: string): Promise<RateLimitProfileRecord | undefined> {
    const row = await this.find(this.db, siteId, id);
    return row && toProfile(row);
  }

  async update(siteId: string, id: string, change: RateLimitProfileChange, now: number): Promise<void> {
    await mappingNameTaken(() =>
      this.db.transaction().execute(async (trx) => {
        await assertSiteUnlocked(trx, siteId, now);
        const result = await trx
          .updateTable('rate_limit_profiles')
          .set(limitColumns(change))
          .where('site_id', '=', siteId)
          .where('id', '=', id)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) throw new OmadaError(Errors.RATE_LIMIT_PROFILE_NOT_EXIST);
      }),
    );
  }

  async delete(siteId: string, id: string, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await assertSiteUnlocked(trx, siteId, now);
      const profile = await this.find(trx, siteId, id);
      if (!profile) throw new OmadaError(Errors.RATE_LIMIT_PROFILE_NOT_EXIST);
      if (profile.is_default) throw new OmadaError(Errors.RATE_LIMIT_PROFILE_DEFAULT_UNDELETABLE);
      const user = await this.voucherUsing(trx, id);
      if (user !== undefined) throw messageWith(Errors.RATE_LIMIT_PROFILE_USED_BY_VOUCHER, { code: user });
      await trx.deleteFrom('rate_limit_profiles').where('site_id', '=', siteId).where('id', '=', id).execute();
    });
  }

  private find(db: Kysely<Database> | Transaction<Database>, siteId: string, id: string) {
    return db
      .selectFrom('rate_limit_profiles')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /**
   * What −33737 names for a profile in use: the code of a voucher of the oldest group using it
   * that holds any, or else the name of the oldest group using it (one whose vouchers are all
   * deleted still keeps the profile in use). Undefined when no group uses it. Groups are not
   * filtered by site: any group naming the profile would break the foreign key if it went.
   */
  private async voucherUsing(trx: Transaction<Database>, profileId: string): Promise<string | undefined> {
    const voucher = await trx
      .selectFrom('vouchers')
      .innerJoin('voucher_groups', 'voucher_groups.id', 'vouchers.group_id')
      .select('vouchers.code')
      .where('voucher_groups.rate_profile_id', '=', profileId)
      .orderBy('voucher_groups.created_at')
      .orderBy('voucher_groups.id')
      .orderBy('vouchers.code')
      .limit(1)
      .executeTakeFirst();
    if (voucher) return voucher.code;
    const group = await trx
      .selectFrom('voucher_groups')
      .select('name')
      .where('rate_profile_id', '=', profileId)
      .orderBy('created_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return group?.name;
  }

}

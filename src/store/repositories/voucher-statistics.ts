import { sql, type Kysely } from 'kysely';
import type { FirstUse, StatusCount, VoucherCreation, VoucherStatisticsRepository } from '../port.js';
import type { Database } from '../schema.js';
import { optional } from '../sql-helpers.js';

const num = (value: number | null): number | undefined => (value === null ? undefined : Number(value));

/**
 * Reads for the voucher statistics. Money is never summed here: rows come back per group (a
 * handful per group at most, or one per use) and the domain adds them up exactly with BigInt.
 */
export class KyselyVoucherStatisticsRepository implements VoucherStatisticsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async creations(siteId: string, groupId?: string): Promise<VoucherCreation[]> {
    let query = this.db.selectFrom('voucher_creations').selectAll().where('site_id', '=', siteId);
    if (groupId !== undefined) query = query.where('group_id', '=', groupId);
    const rows = await query.orderBy('created_at').orderBy('group_id').execute();
    return rows.map((row) => ({
      groupId: row.group_id,
      name: row.group_name,
      count: Number(row.count),
      unitPrice: num(row.unit_price),
      currency: optional(row.currency),
      duration: Number(row.duration),
      durationType: Number(row.duration_type),
      createdAt: Number(row.created_at),
    }));
  }

  async firstUses(siteId: string, from: number, to: number, groupId?: string): Promise<FirstUse[]> {
    let query = this.db
      .selectFrom('voucher_uses as u')
      .leftJoin('voucher_creations as c', 'c.group_id', 'u.group_id')
      .select(['u.group_id', 'u.used_at', 'c.unit_price', 'c.currency', 'c.duration', 'c.duration_type'])
      .where('u.site_id', '=', siteId)
      // One row per voucher: its own first use (009-voucher-first-use).
      .where('u.voucher_first', '=', 1)
      .where('u.used_at', '>=', from)
      .where('u.used_at', '<', to);
    if (groupId !== undefined) query = query.where('u.group_id', '=', groupId);
    const rows = await query.orderBy('u.used_at').execute();
    return rows.map((row) => ({
      groupId: row.group_id,
      usedAt: Number(row.used_at),
      creation:
        row.duration === null || row.duration_type === null
          ? undefined
          : {
              unitPrice: num(row.unit_price),
              currency: optional(row.currency),
              duration: Number(row.duration),
              durationType: Number(row.duration_type),
            },
    }));
  }

  async statusCounts(siteId: string, now: number, groupId?: string): Promise<StatusCount[]> {
    // The same rule as effectiveStatus: a closed window expires every voucher of the group, and
    // an in-use voucher whose time ran out is expired whether or not a step has written so yet.
    const status = sql<number>`case
      when g.validity_type = 1 and g.expiration_time <= ${now} then 2
      when v.status = 1 and v.expires_at <= ${now} then 2
      else v.status end`;
    let query = this.db
      .selectFrom('vouchers as v')
      .innerJoin('voucher_groups as g', 'g.id', 'v.group_id')
      .select((eb) => [
        'g.id as group_id',
        'g.unit_price',
        'g.currency',
        'g.duration',
        status.as('status'),
        eb.fn.countAll<number>().as('n'),
      ])
      .where('g.site_id', '=', siteId);
    if (groupId !== undefined) query = query.where('g.id', '=', groupId);
    // By position: PostgreSQL would not match a repeated expression, whose bound `now` is another parameter.
    const rows = await query.groupBy(sql`1, 2, 3, 4, 5`).execute();
    return rows.map((row) => ({
      groupId: row.group_id,
      status: Number(row.status),
      count: Number(row.n),
      unitPrice: num(row.unit_price),
      currency: optional(row.currency),
      duration: Number(row.duration),
    }));
  }
}

import { CompiledQuery, sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { Errors, OmadaError } from '../../domain/errors.js';
import type {
  CodeSource,
  Page,
  StoredVoucherGroup,
  VoucherGroupQuery,
  VoucherGroupRecord,
  VoucherQuery,
  VoucherRecord,
  VoucherRepository,
} from '../port.js';
import type { Database } from '../schema.js';
import { assertSiteUnlocked } from '../site-lock.js';
import { convertOnce, PreparedQuery } from '../prepared-query.js';
import { containsIgnoringCase, flag, insertionOrder, isUniqueViolation, likeIgnoringCase, likePattern, optional, siteNumber } from '../sql-helpers.js';

/** Rows per INSERT: well inside SQLite's and PostgreSQL's limits on bound parameters. */
const INSERT_CHUNK = 2500;
/** The columns a new voucher sets, in the order its INSERT binds them; the rest take their defaults. */
const VOUCHER_INSERT_COLUMNS = ['id', 'site_number', 'group_id', 'code', 'created_at'] as const;
/** How many compiled voucher INSERTs (one per row count) are kept. */
const VOUCHER_INSERT_SHAPES = 16;
/** How many codes a create may draw in all before it calls the code space too full (−42010). */
const drawBudget = (amount: number) => amount * 100 + 1000;

export type GroupRow = Selectable<Database['voucher_groups']> & {
  profile_down_enable: number | null;
  profile_down_limit: number | null;
  profile_up_enable: number | null;
  profile_up_limit: number | null;
};

const num = (value: number | null): number | undefined => (value === null ? undefined : Number(value));

export function toGroup(row: GroupRow): StoredVoucherGroup {
  const custom = row.rate_mode === 0;
  const downEnabled = custom ? row.down_enable === 1 : row.profile_down_enable === 1;
  const upEnabled = custom ? row.up_enable === 1 : row.profile_up_enable === 1;
  return {
    id: row.id,
    siteId: row.site_id,
    name: row.name,
    amount: Number(row.amount),
    codeLength: Number(row.code_length),
    codeForm: row.code_form === '01' ? [0, 1] : [Number(row.code_form)],
    limitType: Number(row.limit_type),
    limitNum: num(row.limit_num),
    durationType: Number(row.duration_type),
    duration: Number(row.duration),
    timingType: Number(row.timing_type),
    rateLimit: {
      mode: Number(row.rate_mode),
      profileId: optional(row.rate_profile_id),
      downLimitEnable: row.down_enable === 1,
      downLimit: num(row.down_limit),
      upLimitEnable: row.up_enable === 1,
      upLimit: num(row.up_limit),
    },
    trafficLimitEnable: row.traffic_enable === 1,
    trafficLimit: num(row.traffic_limit),
    trafficLimitFrequency: Number(row.traffic_frequency),
    unitPrice: num(row.unit_price),
    currency: optional(row.currency),
    applyToAllPortals: row.apply_all_portals === 1,
    portalIds: [],
    validityType: Number(row.validity_type),
    effectiveTime: num(row.effective_time),
    expirationTime: num(row.expiration_time),
    schedule: row.schedule === null ? undefined : JSON.parse(row.schedule),
    logout: row.logout === 1,
    description: optional(row.description),
    printComments: optional(row.print_comments),
    creatorName: row.creator_name,
    createdAt: Number(row.created_at),
    totalCount: Number(row.total_count),
    usedCount: Number(row.used_count),
    inUseCount: Number(row.in_use_count),
    expiredCount: Number(row.expired_count),
    effectiveRate: {
      downLimit: downEnabled ? num(custom ? row.down_limit : row.profile_down_limit) : undefined,
      upLimit: upEnabled ? num(custom ? row.up_limit : row.profile_up_limit) : undefined,
    },
  };
}

/**
 * The groups of a page of the prepared group list, converted once while its rows are kept: the
 * same frozen array for every read until the database changes (see AnsweredPages).
 */
const keptGroups = convertOnce((rows: readonly GroupRow[]) => rows.map(toGroup));

/** The names of a site's portals from the prepared read, converted once while its rows are kept. */
const keptNames = convertOnce((rows: readonly { name: string }[]) => rows.map((row) => row.name));

export function toVoucher(row: Selectable<Database['vouchers']>): VoucherRecord {
  return {
    id: row.id,
    groupId: row.group_id,
    code: row.code,
    createdAt: Number(row.created_at),
    status: Number(row.status),
    used: Number(row.used),
    startTime: num(row.start_time),
    timeUsedSec: Number(row.time_used_sec),
    trafficUsed: Number(row.traffic_used),
    expiresAt: num(row.expires_at),
    clockSince: num(row.clock_since),
  };
}

/** A voucher's status at `now`: an in-use voucher whose time ran out is expired, written or not. */
function statusAt(now: number) {
  return sql<number>`case when status = 1 and expires_at <= ${now} then 2 else status end`;
}

/** The creation log row of a new group. */
const creationRow = (group: VoucherGroupRecord) => ({
  group_id: group.id,
  site_id: group.siteId,
  group_name: group.name,
  count: group.amount,
  unit_price: group.unitPrice ?? null,
  currency: group.currency ?? null,
  duration: group.duration,
  duration_type: group.durationType,
  created_at: group.createdAt,
});

export class KyselyVoucherRepository implements VoucherRepository {
  private readonly voucherInserts = new Map<number, string>();
  /** Group list queries by shape (see groupPageQueries): at most 2 × 2 × 2 × 3 × 2 of them. */
  private readonly groupPages = new Map<string, { count: PreparedQuery<{ n: number }>; page: PreparedQuery<unknown> }>();
  /** The names of a site's portals in list order, asked with every group list. */
  private readonly sitePortalNames = new PreparedQuery(
    (db, slot) =>
      db
        .selectFrom('portals')
        .select('name')
        .where('site_id', '=', slot<string>('siteId'))
        .orderBy('created_at')
        .orderBy(insertionOrder('portals')),
    { reuseRows: true },
  );

  constructor(private readonly db: Kysely<Database>) {}

  async createGroup(
    group: VoucherGroupRecord,
    codes: CodeSource,
    limits: { readonly perSite: number; readonly now: number },
  ): Promise<void> {
    try {
      await this.db.transaction().execute(async (trx) => {
        await assertSiteUnlocked(trx, group.siteId, limits.now);
        await this.assertReferences(trx, group);
        const sameName = await trx
          .selectFrom('voucher_groups')
          .select('id')
          .where('site_id', '=', group.siteId)
          .where('name', '=', group.name)
          .executeTakeFirst();
        if (sameName) throw new OmadaError(Errors.DUPLICATED_VOUCHER_GROUP_NAME);
        if (group.currency !== undefined) {
          const current = await this.currencyIn(trx, group.siteId);
          if (current !== undefined && current !== group.currency) throw new OmadaError(Errors.VOUCHER_CURRENCY_CONFLICT);
        }
        const siteNumber = await this.claimRoom(trx, group, codes, limits.perSite);
        await trx.insertInto('voucher_groups').values(this.groupRow(group)).execute();
        // The statistics' creation log, which outlives the group (see 006-voucher-statistics).
        await trx.insertInto('voucher_creations').values(creationRow(group)).execute();
        if (!group.applyToAllPortals && group.portalIds.length > 0) {
          await trx
            .insertInto('voucher_group_portals')
            .values(group.portalIds.map((portalId) => ({ group_id: group.id, portal_id: portalId })))
            .execute();
        }
        await this.insertVouchers(trx, group, siteNumber, codes);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new OmadaError(Errors.DUPLICATED_VOUCHER_GROUP_NAME);
      throw error;
    }
  }

  /**
   * The profile and portals a group names must be the site's, checked where the group is written,
   * so one deleted a moment before cannot leave the group pointing at nothing.
   */
  private async assertReferences(trx: Transaction<Database>, group: VoucherGroupRecord) {
    const profileId = group.rateLimit.profileId;
    if (profileId !== undefined) {
      const profile = await trx
        .selectFrom('rate_limit_profiles')
        .select('id')
        .where('site_id', '=', group.siteId)
        .where('id', '=', profileId)
        .executeTakeFirst();
      if (!profile) throw new OmadaError(Errors.RATE_LIMIT_PROFILE_NOT_EXIST);
    }
    if (group.portalIds.length > 0) {
      const portals = await trx
        .selectFrom('portals')
        .select('id')
        .where('site_id', '=', group.siteId)
        .where('id', 'in', [...group.portalIds])
        .execute();
      if (portals.length !== group.portalIds.length) throw new OmadaError(Errors.VOUCHER_PORTALS_NOT_EXIST);
    }
  }

  /**
   * Counts the new vouchers against the site cap and the code space, or refuses with −42010;
   * answers the site's number, which the new vouchers are written with.
   */
  private async claimRoom(trx: Transaction<Database>, group: VoucherGroupRecord, codes: CodeSource, perSite: number) {
    const claimed = await trx
      .updateTable('sites')
      .set((eb) => ({ voucher_count: eb('voucher_count', '+', group.amount) }))
      .where('id', '=', group.siteId)
      .where('voucher_count', '<=', perSite - group.amount)
      .returning('number')
      .executeTakeFirst();
    if (!claimed) throw new OmadaError(Errors.VOUCHER_LIMIT_REACHED);
    // Codes of one length and form can only collide with codes of the same length and form.
    const { occupied } = await trx
      .selectFrom('voucher_groups')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('total_count'), eb.lit(0)).as('occupied'))
      .where('site_id', '=', group.siteId)
      .where('code_length', '=', codes.length)
      .where('code_form', '=', codes.form)
      .executeTakeFirstOrThrow();
    if (Number(occupied) + group.amount > codes.space) throw new OmadaError(Errors.VOUCHER_LIMIT_REACHED);
    return Number(claimed.number);
  }

  /**
   * Draws and inserts codes until the group holds `amount` vouchers. A code another group already
   * holds is skipped by the unique index and drawn again; the draw budget bounds the work when the
   * space is nearly full.
   */
  private async insertVouchers(trx: Transaction<Database>, group: VoucherGroupRecord, siteNumber: number, codes: CodeSource) {
    const taken = new Set<string>();
    let missing = group.amount;
    while (missing > 0) {
      if (taken.size + missing > Math.min(codes.space, drawBudget(group.amount))) {
        throw new OmadaError(Errors.VOUCHER_LIMIT_REACHED);
      }
      // In code order, the (site_number, code) and (group_id, code) indexes take the new entries in
      // one sweep from left to right instead of at random places, each page visited once.
      const batch = codes.draw(missing, taken).sort();
      for (let start = 0; start < batch.length; start += INSERT_CHUNK) {
        const chunk = batch.slice(start, start + INSERT_CHUNK);
        const parameters: unknown[] = [];
        // In the order of VOUCHER_INSERT_COLUMNS.
        for (const code of chunk) parameters.push(codes.newId(), siteNumber, group.id, code, group.createdAt);
        const inserted = await trx.executeQuery(CompiledQuery.raw(this.voucherInsertSql(trx, chunk.length), parameters));
        missing -= Number(inserted.numAffectedRows ?? 0);
      }
    }
  }

  /**
   * The SQL of an INSERT of `rows` vouchers that skips codes already taken, compiled by Kysely for
   * this dialect once per row count: building and compiling a 2500-row INSERT anew cost more than
   * the database spent running it.
   */
  private voucherInsertSql(trx: Transaction<Database>, rows: number): string {
    let text = this.voucherInserts.get(rows);
    if (text === undefined) {
      const row = { id: '', site_number: 0, group_id: '', code: '', created_at: 0 } satisfies Record<
        (typeof VOUCHER_INSERT_COLUMNS)[number],
        unknown
      >;
      const query = trx
        .insertInto('vouchers')
        .values(Array.from({ length: rows }, () => row))
        .onConflict((oc) => oc.columns(['site_number', 'code']).doNothing())
        .compile();
      if (query.parameters.length !== rows * VOUCHER_INSERT_COLUMNS.length) {
        throw new Error('the voucher INSERT does not bind one parameter per column and row');
      }
      text = query.sql;
      // Redraws insert odd counts; keep the cache small rather than hold every count ever seen.
      if (this.voucherInserts.size >= VOUCHER_INSERT_SHAPES) this.voucherInserts.clear();
      this.voucherInserts.set(rows, text);
    }
    return text;
  }

  private groupRow(group: VoucherGroupRecord) {
    const { rateLimit } = group;
    return {
      id: group.id,
      site_id: group.siteId,
      name: group.name,
      amount: group.amount,
      code_length: group.codeLength,
      code_form: group.codeForm.includes(0) && group.codeForm.includes(1) ? '01' : String(group.codeForm[0]),
      limit_type: group.limitType,
      limit_num: group.limitNum ?? null,
      duration_type: group.durationType,
      duration: group.duration,
      timing_type: group.timingType,
      rate_mode: rateLimit.mode,
      rate_profile_id: rateLimit.profileId ?? null,
      down_enable: flag(rateLimit.downLimitEnable),
      down_limit: rateLimit.downLimit ?? null,
      up_enable: flag(rateLimit.upLimitEnable),
      up_limit: rateLimit.upLimit ?? null,
      traffic_enable: flag(group.trafficLimitEnable),
      traffic_limit: group.trafficLimit ?? null,
      traffic_frequency: group.trafficLimitFrequency,
      unit_price: group.unitPrice ?? null,
      currency: group.currency ?? null,
      apply_all_portals: flag(group.applyToAllPortals),
      validity_type: group.validityType,
      effective_time: group.effectiveTime ?? null,
      expiration_time: group.expirationTime ?? null,
      schedule: group.schedule === undefined ? null : JSON.stringify(group.schedule),
      logout: flag(group.logout),
      description: group.description ?? null,
      print_comments: group.printComments ?? null,
      creator_name: group.creatorName,
      created_at: group.createdAt,
      total_count: group.amount,
    };
  }

  private async currencyIn(db: Kysely<Database> | Transaction<Database>, siteId: string): Promise<string | undefined> {
    const site = await db.selectFrom('sites').select('currency').where('id', '=', siteId).executeTakeFirst();
    if (site?.currency) return site.currency;
    const group = await db
      .selectFrom('voucher_groups')
      .select('currency')
      .where('site_id', '=', siteId)
      .where('currency', 'is not', null)
      .orderBy('created_at')
      .limit(1)
      .executeTakeFirst();
    return group?.currency ?? undefined;
  }

  siteCurrency(siteId: string): Promise<string | undefined> {
    return this.currencyIn(this.db, siteId);
  }

  async setSiteCurrency(siteId: string, currency: string | undefined, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await assertSiteUnlocked(trx, siteId, now);
      await trx.updateTable('sites').set({ currency: currency ?? null }).where('id', '=', siteId).execute();
    });
  }

  private groups(db: Kysely<Database> = this.db) {
    return db
      .selectFrom('voucher_groups as g')
      .leftJoin('rate_limit_profiles as p', 'p.id', 'g.rate_profile_id')
      .selectAll('g')
      .select([
        'p.down_enable as profile_down_enable',
        'p.down_limit as profile_down_limit',
        'p.up_enable as profile_up_enable',
        'p.up_limit as profile_up_limit',
      ]);
  }

  async listGroups(siteId: string, query: VoucherGroupQuery): Promise<Page<StoredVoucherGroup>> {
    const { count, page } = this.groupPageQueries(query);
    const values = {
      siteId,
      pattern: query.searchKey && likePattern(query.searchKey),
      timeStart: query.timeStart,
      timeEnd: query.timeEnd,
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
    };
    const [counted] = await count.execute(this.db, values);
    const rows = await page.execute(this.db, values);
    return { totalRows: Number(counted!.n), rows: keptGroups(rows as GroupRow[]) };
  }

  /**
   * The count and page queries of a group list of this shape (which filters, which order), built
   * once: every client polling its groups asks the same few.
   */
  private groupPageQueries(query: VoucherGroupQuery) {
    const search = Boolean(query.searchKey);
    const from = query.timeStart !== undefined;
    const to = query.timeEnd !== undefined;
    const byName = query.sort?.field === 'name' ? query.sort.direction : undefined;
    const newestFirst = query.sort?.field === 'createTime' ? query.sort.direction : 'desc';
    const shape = `${search}/${from}/${to}/${byName}/${newestFirst}`;
    let queries = this.groupPages.get(shape);
    if (queries === undefined) {
      const filtered = (db: Kysely<Database>, slot: <T>(name: string) => T) => {
        let base = this.groups(db).where('g.site_id', '=', slot<string>('siteId'));
        if (search) base = base.where(likeIgnoringCase('g.name', slot('pattern')));
        if (from) base = base.where('g.created_at', '>=', slot<number>('timeStart'));
        if (to) base = base.where('g.created_at', '<=', slot<number>('timeEnd'));
        return base;
      };
      queries = {
        count: new PreparedQuery(
          (db, slot) => filtered(db, slot).clearSelect().select((eb) => eb.fn.countAll<number>().as('n')),
          { reuseRows: true },
        ),
        page: new PreparedQuery(
          (db, slot) => {
            let rows = filtered(db, slot);
            if (byName) rows = rows.orderBy('g.name', byName);
            return rows
              .orderBy('g.created_at', newestFirst)
              .orderBy(insertionOrder('g'), newestFirst)
              .limit(slot<number>('limit'))
              .offset(slot<number>('offset'));
          },
          { reuseRows: true },
        ),
      };
      this.groupPages.set(shape, queries);
    }
    return queries;
  }

  async getGroup(siteId: string, groupId: string): Promise<StoredVoucherGroup | undefined> {
    const row = await this.groups().where('g.site_id', '=', siteId).where('g.id', '=', groupId).executeTakeFirst();
    if (!row) return undefined;
    const group = toGroup(row as GroupRow);
    const links = await this.db
      .selectFrom('voucher_group_portals')
      .select('portal_id')
      .where('group_id', '=', groupId)
      .execute();
    return { ...group, portalIds: links.map((link) => link.portal_id) };
  }

  async portalNames(siteId: string, groups: readonly VoucherGroupRecord[]): Promise<Map<string, string[]>> {
    const listed: string[] = [];
    for (const group of groups) if (!group.applyToAllPortals) listed.push(group.id);
    // One array, the same while the site's portals are unchanged, for every group that applies to all.
    const allNames = listed.length < groups.length ? keptNames(await this.sitePortalNames.execute(this.db, { siteId })) : [];
    const names = new Map<string, string[]>();
    for (const group of groups) names.set(group.id, group.applyToAllPortals ? allNames : []);
    if (listed.length > 0) {
      const links = await this.db
        .selectFrom('voucher_group_portals as l')
        .innerJoin('portals as p', 'p.id', 'l.portal_id')
        .select(['l.group_id', 'p.name'])
        .where('l.group_id', 'in', listed)
        .orderBy('p.created_at')
        .orderBy(insertionOrder('p'))
        .execute();
      for (const link of links) names.get(link.group_id)!.push(link.name);
    }
    return names;
  }

  async listVouchers(groupId: string, query: VoucherQuery): Promise<Page<VoucherRecord>> {
    let base = this.db.selectFrom('vouchers').where('group_id', '=', groupId);
    if (query.searchKey) base = base.where(containsIgnoringCase('code', query.searchKey));
    if (query.status !== undefined) base = base.where(statusAt(query.now), '=', query.status);
    const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await base
      .selectAll()
      .orderBy('code', query.sortCode ?? 'asc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .execute();
    return { totalRows: Number(n), rows: rows.map(toVoucher) };
  }

  async countVouchers(groupId: string, searchKey: string | undefined, now: number) {
    let base = this.db.selectFrom('vouchers').where('group_id', '=', groupId);
    if (searchKey) base = base.where(containsIgnoringCase('code', searchKey));
    const rows = await base
      .select((eb) => [
        statusAt(now).as('status'),
        eb.fn.countAll<number>().as('n'),
        eb.fn.sum<number>(sql<number>`case when used > 0 then 1 else 0 end`).as('used'),
      ])
      // By position: PostgreSQL would not match a repeated expression, whose bound `now` is another parameter.
      .groupBy(sql`1`)
      .execute();
    const byStatus: Record<number, number> = { 0: 0, 1: 0, 2: 0 };
    let used = 0;
    let total = 0;
    for (const row of rows) {
      byStatus[Number(row.status)] = Number(row.n);
      used += Number(row.used ?? 0);
      total += Number(row.n);
    }
    return { byStatus, used, total };
  }

  async getVoucher(siteId: string, voucherId: string): Promise<VoucherRecord | undefined> {
    const row = await this.db
      .selectFrom('vouchers')
      .selectAll()
      .where('site_number', '=', siteNumber(siteId))
      .where('id', '=', voucherId)
      .executeTakeFirst();
    return row && toVoucher(row);
  }
}

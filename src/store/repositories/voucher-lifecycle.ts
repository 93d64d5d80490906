import { sql, type Expression, type Kysely, type SqlBool, type Transaction } from 'kysely';
import type {
  DeleteOutcome,
  GroupSelection,
  PrintBatch,
  SessionRecord,
  StoredVoucherGroup,
  VoucherLifecycleRepository,
  VoucherRecord,
  VoucherSelection,
} from '../port.js';
import type { Database } from '../schema.js';
import { assertSiteUnlocked } from '../site-lock.js';
import { containsIgnoringCase, type Dialect } from '../sql-helpers.js';
import { toSession } from './redemptions.js';
import { toGroup, toVoucher, type GroupRow } from './vouchers.js';

/** Ids bound per statement: far inside SQLite's and PostgreSQL's limits on bound parameters. */
const ID_CHUNK = 1000;

type Db = Kysely<Database> | Transaction<Database>;
type Condition = Expression<SqlBool>;

/** A deleted voucher, as much of it as the counters need. */
interface Removed {
  readonly id: string;
  readonly group_id: string;
  readonly status: number;
  readonly used: number;
}

/** A selected group, and whether its validity window has closed (every voucher of it is then expired). */
interface SelectedGroup {
  readonly id: string;
  readonly closed: boolean;
}

function chunked<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += ID_CHUNK) out.push(items.slice(start, start + ID_CHUNK));
  return out;
}

const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const allOf = (conditions: readonly Condition[]) => sql<SqlBool>`(${sql.join(conditions, sql` and `)})`;
const idIn = (column: 'id' | 'group_id', ids: readonly string[]) => sql<SqlBool>`${sql.ref(column)} in (${sql.join(ids)})`;

/** The window of validityType 1 has closed at `now` (see windowClosed in domain/validity.ts). */
const closedAt = (row: { validity_type: number; expiration_time: number | null }, now: number) =>
  Number(row.validity_type) === 1 && row.expiration_time !== null && Number(row.expiration_time) <= now;

/** A voucher's status at `now` as its row says: an in-use voucher whose time ran out is expired (as statusAt in vouchers.ts). */
const statusAt = (now: number) => sql<number>`case when status = 1 and expires_at <= ${now} then 2 else status end`;

const NOTHING: DeleteOutcome = { groups: 0, vouchers: 0, ended: [] };

export class KyselyVoucherLifecycleRepository implements VoucherLifecycleRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  async deleteGroups(siteId: string, selection: GroupSelection, now: number): Promise<DeleteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      await assertSiteUnlocked(trx, siteId, now);
      const groups = await this.selectGroups(trx, siteId, selection, now);
      if (groups.length === 0) return NOTHING;
      const ids = groups.map((group) => group.id);
      const removed: Removed[] = [];
      const ended: SessionRecord[] = [];
      for (const chunk of chunked(ids)) removed.push(...(await this.deleteWhere(trx, [idIn('group_id', chunk)], now, ended)));
      await this.settle(trx, siteId, removed, false);
      // Their portal links go with them (foreign key cascade).
      for (const chunk of chunked(ids)) await trx.deleteFrom('voucher_groups').where('id', 'in', chunk).execute();
      return { groups: groups.length, vouchers: removed.length, ended };
    });
  }

  async deleteVouchers(siteId: string, selection: VoucherSelection, now: number): Promise<DeleteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      await assertSiteUnlocked(trx, siteId, now);
      let closed = false;
      if (selection.groupId !== undefined) {
        const group = await trx
          .selectFrom('voucher_groups')
          .select(['validity_type', 'expiration_time'])
          .where('site_id', '=', siteId)
          .where('id', '=', selection.groupId)
          .executeTakeFirst();
        if (!group) return NOTHING;
        closed = closedAt(group, now);
      }
      const groups = selection.groupId === undefined ? 0 : 1;
      const conditions = voucherConditions(siteId, selection, closed, now);
      if (!conditions) return { ...NOTHING, groups };
      const ids = (await this.selectVouchers(trx, conditions, selection)).map((voucher) => voucher.id);
      const removed: Removed[] = [];
      const ended: SessionRecord[] = [];
      // The conditions again: on PostgreSQL a redemption may have changed a status since the read.
      for (const chunk of chunked(ids)) removed.push(...(await this.deleteWhere(trx, [...conditions, idIn('id', chunk)], now, ended)));
      await this.settle(trx, siteId, removed, true);
      return { groups, vouchers: removed.length, ended };
    });
  }

  async deleteExpired(siteId: string, selection: GroupSelection, now: number): Promise<DeleteOutcome> {
    return this.db.transaction().execute(async (trx) => {
      await assertSiteUnlocked(trx, siteId, now);
      const groups = await this.selectGroups(trx, siteId, selection, now);
      const removed: Removed[] = [];
      const ended: SessionRecord[] = [];
      // Every voucher of a group whose window has closed is expired; elsewhere those whose time or uses ran out.
      for (const chunk of chunked(groups.filter((group) => group.closed).map((group) => group.id))) {
        removed.push(...(await this.deleteWhere(trx, [idIn('group_id', chunk)], now, ended)));
      }
      for (const chunk of chunked(groups.filter((group) => !group.closed).map((group) => group.id))) {
        removed.push(...(await this.deleteWhere(trx, [idIn('group_id', chunk), sql<SqlBool>`${statusAt(now)} = 2`], now, ended)));
      }
      await this.settle(trx, siteId, removed, true);
      return { groups: groups.length, vouchers: removed.length, ended };
    });
  }

  async unusedCodes(siteId: string, selection: GroupSelection, now: number): Promise<PrintBatch[]> {
    // A group whose window has closed has no unused voucher left.
    const open = (await this.selectGroups(this.db, siteId, selection, now)).filter((group) => !group.closed);
    const groups: StoredVoucherGroup[] = [];
    const codes = new Map<string, string[]>(open.map((group) => [group.id, []]));
    for (const chunk of chunked(open.map((group) => group.id))) {
      const rows = await this.groupRows().where('g.id', 'in', chunk).execute();
      groups.push(...rows.map((row) => toGroup(row as GroupRow)));
      // Status 0 never runs out by time: only an in-use voucher carries a time that ends.
      const vouchers = await this.db
        .selectFrom('vouchers')
        .select(['group_id', 'code'])
        .where('group_id', 'in', chunk)
        .where('status', '=', 0)
        .execute();
      for (const voucher of vouchers) codes.get(voucher.group_id)!.push(voucher.code);
    }
    // Newest group first, as the grid lists them by default; codes in order within a group.
    groups.sort((a, b) => b.createdAt - a.createdAt || byCode(b.id, a.id));
    return groups.map((group) => ({ group, codes: codes.get(group.id)!.sort(byCode) }));
  }

  async selectedCodes(
    siteId: string,
    selection: VoucherSelection & { readonly groupId: string },
    now: number,
  ): Promise<PrintBatch | undefined> {
    const row = await this.groupRows().where('g.site_id', '=', siteId).where('g.id', '=', selection.groupId).executeTakeFirst();
    if (!row) return undefined;
    const group = toGroup(row as GroupRow);
    const conditions = voucherConditions(siteId, selection, closedAt(row, now), now);
    if (!conditions) return { group, codes: [] };
    const vouchers = await this.selectVouchers(this.db, conditions, selection);
    return { group, codes: vouchers.map((voucher) => voucher.code).sort(byCode) };
  }

  async exportGroups(siteId: string, selection: GroupSelection, now: number): Promise<StoredVoucherGroup[]> {
    const ids = (await this.selectGroups(this.db, siteId, selection, now)).map((group) => group.id);
    const groups: StoredVoucherGroup[] = [];
    for (const chunk of chunked(ids)) {
      const rows = await this.groupRows().where('g.id', 'in', chunk).execute();
      groups.push(...rows.map((row) => toGroup(row as GroupRow)));
    }
    return groups.sort((a, b) => a.createdAt - b.createdAt || byCode(a.id, b.id));
  }

  async *voucherBatches(groupId: string, batchSize: number): AsyncGenerator<VoucherRecord[]> {
    // Keyset over the (group_id, code) index: each batch starts after the last code read, so a
    // batch costs the same at the end of a group as at its start, and no cursor stays open.
    let after: string | undefined;
    for (;;) {
      let query = this.db.selectFrom('vouchers').selectAll().where('group_id', '=', groupId);
      if (after !== undefined) query = query.where('code', '>', after);
      const rows = await query.orderBy('code').limit(batchSize).execute();
      if (rows.length === 0) return;
      yield rows.map(toVoucher);
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1]!.code;
    }
  }

  // ---- inside ------------------------------------------------------------------------------------

  /** The site's groups matching the filters, then those asked for (type 1) or not excluded (type 2). */
  private async selectGroups(db: Db, siteId: string, selection: GroupSelection, now: number): Promise<SelectedGroup[]> {
    const filtered = () => {
      let query = db
        .selectFrom('voucher_groups as g')
        .select(['g.id', 'g.validity_type', 'g.expiration_time'])
        .where('g.site_id', '=', siteId);
      const key = selection.searchKey;
      if (key) {
        // The controller's selection searches group names and voucher codes.
        query = query.where((eb) =>
          eb.or([
            containsIgnoringCase('g.name', key),
            eb.exists(
              eb
                .selectFrom('vouchers as v')
                .select(sql.lit(1).as('one'))
                .whereRef('v.group_id', '=', 'g.id')
                .where(containsIgnoringCase('v.code', key)),
            ),
          ]),
        );
      }
      if (selection.createdFrom !== undefined) query = query.where('g.created_at', '>=', selection.createdFrom);
      return query;
    };
    const rows: { id: string; validity_type: number; expiration_time: number | null }[] = [];
    if (selection.ids) {
      for (const chunk of chunked([...new Set(selection.ids)])) rows.push(...(await filtered().where('g.id', 'in', chunk).execute()));
    } else {
      const except = new Set(selection.except);
      rows.push(...(await filtered().execute()).filter((row) => !except.has(row.id)));
    }
    return rows.map((row) => ({ id: row.id, closed: closedAt(row, now) }));
  }

  /** The vouchers matching `conditions`, then those asked for (type 1) or not excluded (type 2). */
  private async selectVouchers(db: Db, conditions: readonly Condition[], selection: VoucherSelection) {
    const rows: { id: string; code: string }[] = [];
    if (selection.ids) {
      for (const chunk of chunked([...new Set(selection.ids)])) {
        rows.push(...(await db.selectFrom('vouchers').select(['id', 'code']).where(allOf([...conditions, idIn('id', chunk)])).execute()));
      }
      return rows;
    }
    const except = new Set(selection.except);
    return (await db.selectFrom('vouchers').select(['id', 'code']).where(allOf(conditions)).execute()).filter(
      (row) => !except.has(row.id),
    );
  }

  /**
   * Deletes the vouchers matching `conditions`, ending their open sessions first ('deleted'); the
   * sessions that were live go into `ended`. A voucher's sessions are found through its clients'
   * rows (VoucherClient.sessionId): its first client's row goes here, the others with it (foreign
   * key cascade); voucher_uses stay for statistics.
   */
  private async deleteWhere(
    trx: Transaction<Database>,
    conditions: readonly Condition[],
    now: number,
    ended: SessionRecord[],
  ): Promise<Removed[]> {
    const matching = () => trx.selectFrom('vouchers').select('id').where(allOf(conditions));
    const firstClients = () =>
      trx
        .selectFrom('vouchers')
        .select('first_client')
        .where(allOf(conditions))
        .where('first_client', 'is not', null)
        .$narrowType<{ first_client: number }>();
    // On PostgreSQL a redemption under way on one of them finishes first, and its session is seen
    // below; SQLite's transactions run one at a time.
    if (this.dialect === 'postgres') await matching().forUpdate().execute();
    const sessions = await trx
      .updateTable('sessions')
      // A session whose deadline passed unseen ended then, not now.
      .set({ ended_at: sql<number>`case when deadline < ${now} then deadline else ${now} end`, end_reason: 'deleted' })
      .where('ended_at', 'is', null)
      .where((eb) =>
        eb.or([
          eb('id', 'in', trx.selectFrom('voucher_clients').select('session_id').where('voucher_id', 'in', matching())),
          eb('id', 'in', trx.selectFrom('voucher_first_clients').select('session_id').where('id', 'in', firstClients())),
        ]),
      )
      .returningAll()
      .execute();
    for (const row of sessions) if (Number(row.deadline) > now) ended.push(toSession(row));
    // Their first clients are found through them, so they go first; later clients go with them.
    await trx.deleteFrom('voucher_first_clients').where('id', 'in', firstClients()).execute();
    const rows = await trx.deleteFrom('vouchers').where(allOf(conditions)).returning(['id', 'group_id', 'status', 'used']).execute();
    return rows.map((row) => ({ id: row.id, group_id: row.group_id, status: Number(row.status), used: Number(row.used) }));
  }

  /** After vouchers are deleted: the counters of the site and, when they stay, of the groups drop by what went. */
  private async settle(trx: Transaction<Database>, siteId: string, removed: readonly Removed[], groupsStay: boolean): Promise<void> {
    if (removed.length === 0) return;
    if (groupsStay) {
      const delta = new Map<string, { total: number; used: number; inUse: number; expired: number }>();
      for (const voucher of removed) {
        let d = delta.get(voucher.group_id);
        if (!d) delta.set(voucher.group_id, (d = { total: 0, used: 0, inUse: 0, expired: 0 }));
        d.total++;
        if (voucher.used > 0) d.used++;
        // The counters follow the status as written (see VoucherChange.groupDelta).
        if (voucher.status === 1) d.inUse++;
        if (voucher.status === 2) d.expired++;
      }
      for (const [groupId, d] of delta) {
        await trx
          .updateTable('voucher_groups')
          .set((eb) => ({
            total_count: eb('total_count', '-', d.total),
            used_count: eb('used_count', '-', d.used),
            in_use_count: eb('in_use_count', '-', d.inUse),
            expired_count: eb('expired_count', '-', d.expired),
          }))
          .where('id', '=', groupId)
          .execute();
      }
    }
    await trx
      .updateTable('sites')
      .set((eb) => ({ voucher_count: eb('voucher_count', '-', removed.length) }))
      .where('id', '=', siteId)
      .execute();
  }

  /** Groups with their profile's limits, as toGroup reads them. */
  private groupRows() {
    return this.db
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
}

/**
 * The conditions a voucher of the selection meets: its site and group, its code, its status as a
 * client sees it at `now`; undefined when none can (a status other than expired in a closed window).
 */
function voucherConditions(siteId: string, selection: VoucherSelection, closed: boolean, now: number): Condition[] | undefined {
  const site = sql<number>`(select number from sites where id = ${siteId})`;
  // With a group, its (group_id, code) index finds the vouchers; the unary plus keeps the site's
  // index, which would walk every voucher of the site, out of the planner's choice.
  const conditions: Condition[] =
    selection.groupId === undefined
      ? [sql<SqlBool>`site_number = ${site}`]
      : [sql<SqlBool>`group_id = ${selection.groupId}`, sql<SqlBool>`+site_number = ${site}`];
  if (selection.searchKey) conditions.push(containsIgnoringCase('code', selection.searchKey));
  if (selection.status !== undefined) {
    // Once the window has closed every voucher reads as expired, whatever redemption left.
    if (closed) {
      if (selection.status !== 2) return undefined;
    } else {
      conditions.push(sql<SqlBool>`${statusAt(now)} = ${selection.status}`);
    }
  }
  return conditions;
}

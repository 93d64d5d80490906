import { sql, type Kysely, type Selectable, type SelectQueryBuilder } from 'kysely';
import type {
  Page,
  RedemptionGroup,
  RedemptionRepository,
  SessionQuery,
  SessionRecord,
  VoucherChange,
  VoucherClient,
  VoucherLookup,
  VoucherState,
} from '../port.js';
import { PreparedQuery, rowsOf, runAtOnce, runThrough, type ImmediateSql, type QueryWork } from '../prepared-query.js';
import type { ClientColumns, Database } from '../schema.js';
import { containsIgnoringCase, type Dialect, insertionOrder, optional, siteNumber } from '../sql-helpers.js';
import { toGroup, toVoucher, type GroupRow } from './vouchers.js';

type SessionRow = Selectable<Database['sessions']>;
type OpenSessionsQuery = SelectQueryBuilder<Database, 'sessions', SessionRow>;

const num = (value: number | null): number | undefined => (value === null ? undefined : Number(value));

export function toSession(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    siteId: row.site_id,
    voucherId: optional(row.voucher_id),
    groupId: optional(row.group_id),
    code: optional(row.code),
    clientMac: row.client_mac,
    authType: Number(row.auth_type),
    via: row.via as SessionRecord['via'],
    portalId: optional(row.portal_id),
    nasId: optional(row.nas_id),
    ssid: optional(row.ssid),
    apMac: optional(row.ap_mac),
    radioId: num(row.radio_id),
    clientIp: optional(row.client_ip),
    startedAt: Number(row.started_at),
    deadline: Number(row.deadline),
    endedAt: num(row.ended_at),
    endReason: optional(row.end_reason),
    acctSessionId: optional(row.acct_session_id),
    sessionTimeSec: Number(row.session_time_sec),
    inputOctets: Number(row.input_octets),
    outputOctets: Number(row.output_octets),
    lastAcctAt: num(row.last_acct_at),
  };
}

function sessionRow(session: SessionRecord): SessionRow {
  return {
    id: session.id,
    site_id: session.siteId,
    voucher_id: session.voucherId ?? null,
    group_id: session.groupId ?? null,
    code: session.code ?? null,
    client_mac: session.clientMac,
    auth_type: session.authType,
    via: session.via,
    portal_id: session.portalId ?? null,
    nas_id: session.nasId ?? null,
    ssid: session.ssid ?? null,
    ap_mac: session.apMac ?? null,
    radio_id: session.radioId ?? null,
    client_ip: session.clientIp ?? null,
    started_at: session.startedAt,
    deadline: session.deadline,
    ended_at: session.endedAt ?? null,
    end_reason: session.endReason ?? null,
    acct_session_id: session.acctSessionId ?? null,
    session_time_sec: session.sessionTimeSec,
    input_octets: session.inputOctets,
    output_octets: session.outputOctets,
    last_acct_at: session.lastAcctAt ?? null,
  };
}

/** A session's columns, each a slot named after the column, for the prepared session writes. */
function sessionSlots(slot: <T>(name: string) => T): Record<keyof SessionRow, unknown> {
  const columns = {} as Record<keyof SessionRow, unknown>;
  for (const column of SESSION_COLUMNS) columns[column] = slot(column);
  return columns;
}

const SESSION_COLUMNS: readonly (keyof SessionRow)[] = [
  'id', 'site_id', 'voucher_id', 'group_id', 'code', 'client_mac', 'auth_type', 'via', 'portal_id', 'nas_id', 'ssid',
  'ap_mac', 'radio_id', 'client_ip', 'started_at', 'deadline', 'ended_at', 'end_reason', 'acct_session_id',
  'session_time_sec', 'input_octets', 'output_octets', 'last_acct_at',
];

function toClient(row: Selectable<ClientColumns>): VoucherClient {
  return {
    mac: row.client_mac,
    firstAuthAt: Number(row.first_auth_at),
    timeUsedSec: Number(row.time_used_sec),
    trafficUsed: Number(row.traffic_used),
    trafficPeriodStart: Number(row.traffic_period_start),
    sessionId: optional(row.session_id),
  };
}

/** A client's figures, each a slot named after VoucherClient's field, for the prepared client writes. */
function clientSlots(slot: <T>(name: string) => T) {
  return {
    first_auth_at: slot<number>('firstAuthAt'),
    time_used_sec: slot<number>('timeUsedSec'),
    traffic_used: slot<number>('trafficUsed'),
    traffic_period_start: slot<number>('trafficPeriodStart'),
    session_id: slot<string | null>('sessionId'),
  };
}

/** What each sort orders by: the end shown (when it ended, or its deadline) and the span to it. */
const SORT_COLUMNS = {
  mac: sql.ref('client_mac'),
  ip: sql.ref('client_ip'),
  start: sql.ref('started_at'),
  end: sql`coalesce(ended_at, deadline)`,
  duration: sql`coalesce(ended_at, deadline) - started_at`,
  download: sql.ref('output_octets'),
  upload: sql.ref('input_octets'),
} as const;

/** Open sessions oldest first, as the sessions-through-clients read orders them. */
function byStart(a: SessionRecord, b: SessionRecord): number {
  return a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Steps on vouchers run together in one SQLite transaction at most this many at a time. */
const MAX_BATCH = 256;

interface PendingStep {
  readonly siteId: string;
  readonly lookup: VoucherLookup;
  readonly decide: (state: VoucherState | undefined) => { readonly change?: VoucherChange; readonly result: unknown };
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

interface GroupRead {
  readonly group: RedemptionGroup;
  readonly timeZone: string;
}

/** Group reads kept between batches at most; past this they are read again. */
const MAX_KEPT_GROUPS = 4096;

/** Marks a step of a batch whose promise was rejected already. */
const FAILED = Symbol('failed');

/**
 * Redemption's reads and writes. Every step on a voucher runs in a transaction that holds the
 * voucher's row: SQLite's transactions take the write lock at their start (BEGIN IMMEDIATE), and
 * on PostgreSQL the row is read FOR UPDATE, so two steps on one voucher never interleave.
 *
 * On SQLite, where writers take turns anyway, the steps waiting for their turn run together in
 * one transaction: one commit then writes the pages many redemptions share (the group's row, the
 * indexes) once. Should any step fail, the batch is undone and each step runs again alone, so a
 * step's answer is always that of its own transaction.
 */
export class KyselyRedemptionRepository implements RedemptionRepository {
  private readonly queue: PendingStep[] = [];
  private draining = false;
  /**
   * On SQLite, the groups batches read, kept for the next batches while nothing but batches has
   * written (ImmediateSql.changeMark): a batch writes none of what a group read reads (the
   * group's settings, its site's time zone, its profile, its portals), only the group's counters,
   * which a RedemptionGroup leaves out.
   */
  readonly #keptGroups = new Map<string, GroupRead>();
  #keptGroupsMark: string | undefined;
  /** The row of voucher_first_clients a state read holds its first client in (014-first-clients). */
  readonly #firstClientOf = new WeakMap<VoucherState, { readonly id: number; readonly mac: string }>();

  readonly #voucherByCode = new PreparedQuery((db, slot) =>
    db.selectFrom('vouchers').selectAll().where('site_number', '=', siteNumber(slot<string>('site'))).where('code', '=', slot<string>('code')),
  );
  readonly #voucherById = new PreparedQuery((db, slot) =>
    db.selectFrom('vouchers').selectAll().where('site_number', '=', siteNumber(slot<string>('site'))).where('id', '=', slot<string>('id')),
  );
  readonly #voucherByCodeForUpdate = new PreparedQuery((db, slot) =>
    db.selectFrom('vouchers').selectAll().where('site_number', '=', siteNumber(slot<string>('site'))).where('code', '=', slot<string>('code')).forUpdate(),
  );
  readonly #voucherByIdForUpdate = new PreparedQuery((db, slot) =>
    db.selectFrom('vouchers').selectAll().where('site_number', '=', siteNumber(slot<string>('site'))).where('id', '=', slot<string>('id')).forUpdate(),
  );
  readonly #group = new PreparedQuery((db, slot) =>
    db
      .selectFrom('voucher_groups as g')
      .innerJoin('sites as s', 's.id', 'g.site_id')
      .leftJoin('rate_limit_profiles as p', 'p.id', 'g.rate_profile_id')
      .selectAll('g')
      .select([
        's.time_zone as time_zone',
        'p.down_enable as profile_down_enable',
        'p.down_limit as profile_down_limit',
        'p.up_enable as profile_up_enable',
        'p.up_limit as profile_up_limit',
      ])
      .where('g.id', '=', slot<string>('id')),
  );
  readonly #portalLinks = new PreparedQuery((db, slot) =>
    db.selectFrom('voucher_group_portals').select('portal_id').where('group_id', '=', slot<string>('group')),
  );
  readonly #clients = new PreparedQuery((db, slot) =>
    db.selectFrom('voucher_clients').selectAll().where('voucher_id', '=', slot<string>('voucher')),
  );
  readonly #firstClient = new PreparedQuery((db, slot) =>
    db.selectFrom('voucher_first_clients').selectAll().where('id', '=', slot<number>('id')),
  );
  readonly #openSession = new PreparedQuery((db, slot) =>
    db.selectFrom('sessions').selectAll().where('id', '=', slot<string>('id')).where('ended_at', 'is', null),
  );
  /** Through the clients' rows: a client's latest session is the only one of its sessions that can be open. */
  readonly #openSessions = new PreparedQuery((db, slot) =>
    db
      .selectFrom('voucher_clients as c')
      .innerJoin('sessions as s', 's.id', 'c.session_id')
      .selectAll('s')
      .where('c.voucher_id', '=', slot<string>('voucher'))
      .where('s.ended_at', 'is', null)
      .orderBy('s.started_at')
      .orderBy('s.id'),
  );
  readonly #updateVoucher = new PreparedQuery((db, slot) =>
    db
      .updateTable('vouchers')
      .set({
        status: slot<number>('status'),
        used: slot<number>('used'),
        start_time: slot<number | null>('startTime'),
        time_used_sec: slot<number>('timeUsedSec'),
        traffic_used: slot<number>('trafficUsed'),
        expires_at: slot<number | null>('expiresAt'),
        clock_since: slot<number | null>('clockSince'),
        first_client: slot<number | null>('firstClient'),
      })
      .where('id', '=', slot<string>('id')),
  );
  readonly #putClient = new PreparedQuery((db, slot) => {
    const columns = clientSlots(slot);
    return db
      .insertInto('voucher_clients')
      .values({ voucher_id: slot<string>('voucher'), client_mac: slot<string>('mac'), ...columns })
      .onConflict((oc) => oc.columns(['voucher_id', 'client_mac']).doUpdateSet(columns));
  });
  readonly #insertFirstClient = new PreparedQuery((db, slot) =>
    db
      .insertInto('voucher_first_clients')
      .values({ site_id: slot<string>('site'), voucher_id: slot<string>('voucher'), client_mac: slot<string>('mac'), ...clientSlots(slot) })
      .returning('id'),
  );
  readonly #updateFirstClient = new PreparedQuery((db, slot) =>
    db.updateTable('voucher_first_clients').set(clientSlots(slot)).where('id', '=', slot<number>('id')),
  );
  readonly #insertSession = new PreparedQuery((db, slot) =>
    db.insertInto('sessions').values(sessionSlots(slot) as SessionRow),
  );
  readonly #updateSession = new PreparedQuery((db, slot) => {
    const { id: _id, ...columns } = sessionSlots(slot);
    return db.updateTable('sessions').set(columns as Omit<SessionRow, 'id'>).where('id', '=', slot<string>('id'));
  });
  readonly #countGroup = new PreparedQuery((db, slot) =>
    db
      .updateTable('voucher_groups')
      .set((eb) => ({
        used_count: eb('used_count', '+', slot<number>('used')),
        in_use_count: eb('in_use_count', '+', slot<number>('inUse')),
        expired_count: eb('expired_count', '+', slot<number>('expired')),
      }))
      .where('id', '=', slot<string>('id')),
  );
  readonly #insertUse = new PreparedQuery((db, slot) =>
    db.insertInto('voucher_uses').values({
      site_id: slot<string>('site'),
      group_id: slot<string>('group'),
      voucher_id: slot<string>('voucher'),
      client_mac: slot<string>('mac'),
      first_use: slot<number>('firstUse'),
      voucher_first: slot<number>('voucherFirst'),
      used_at: slot<number>('usedAt'),
    }),
  );

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    /** SQLite's connection, whose statements a batch runs at once inside its transaction. */
    private readonly immediate?: ImmediateSql,
  ) {}

  withVoucher<T>(
    siteId: string,
    lookup: VoucherLookup,
    decide: (state: VoucherState | undefined) => { readonly change?: VoucherChange; readonly result: T },
  ): Promise<T> {
    if (this.dialect === 'postgres') {
      return this.db.transaction().execute((trx) => runThrough(this.step(siteId, lookup, decide), trx));
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ siteId, lookup, decide, resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Runs the waiting steps one after the other in one transaction, and answers each after the commit. */
  private async drain(): Promise<void> {
    const batch = this.queue.splice(0, MAX_BATCH);
    try {
      let values: unknown[];
      try {
        values = await this.db.transaction().execute(async (trx) => this.runBatch(trx, batch));
      } catch {
        // A step failed (a refusal its decision threw, or the database): nothing of the batch was
        // written. Each step runs again alone, so only the one that fails fails.
        values = [];
        for (const pending of batch) {
          try {
            values.push(await this.db.transaction().execute(async (trx) => (await this.runBatch(trx, [pending]))[0]));
          } catch (error) {
            pending.reject(error);
            values.push(FAILED);
          }
        }
      }
      batch.forEach((pending, i) => {
        if (values[i] !== FAILED) pending.resolve(values[i]);
      });
    } finally {
      if (this.queue.length > 0) setImmediate(() => void this.drain());
      else this.draining = false;
    }
  }

  /**
   * Runs steps one after the other in `trx`; the groups' counters move once, at the end, by what
   * all the steps added up to. On SQLite the transaction holds the one connection, so its
   * statements run at once on it (ImmediateSql), with no promise between them.
   */
  private runBatch(trx: Kysely<Database>, batch: readonly PendingStep[]): unknown[] | Promise<unknown[]> {
    const work = this.batchWork(batch);
    return this.immediate ? runAtOnce(work, this.immediate) : runThrough(work, trx);
  }

  private *batchWork(batch: readonly PendingStep[]): QueryWork<unknown[]> {
    // A group's settings cannot change within the transaction: steps of one group read it once.
    const groups = this.groupsKept();
    const deltas = new Map<string, { used: number; inUse: number; expired: number }>();
    const values: unknown[] = [];
    for (const pending of batch) values.push(yield* this.step(pending.siteId, pending.lookup, pending.decide, groups, deltas));
    yield* this.countGroups(deltas);
    return values;
  }

  /** The group reads a batch may use: those kept since nothing else wrote, or none. */
  private groupsKept(): Map<string, GroupRead> {
    if (!this.immediate) return new Map();
    const mark = this.immediate.changeMark();
    if (mark !== this.#keptGroupsMark || this.#keptGroups.size >= MAX_KEPT_GROUPS) {
      this.#keptGroups.clear();
      this.#keptGroupsMark = mark;
    }
    return this.#keptGroups;
  }

  private *countGroups(deltas: Map<string, { used: number; inUse: number; expired: number }>): QueryWork<void> {
    for (const [id, delta] of deltas) {
      if (delta.used !== 0 || delta.inUse !== 0 || delta.expired !== 0) yield* rowsOf(this.#countGroup, { id, ...delta });
    }
  }

  private *step<T>(
    siteId: string,
    lookup: VoucherLookup,
    decide: (state: VoucherState | undefined) => { readonly change?: VoucherChange; readonly result: T },
    groups?: Map<string, GroupRead>,
    deltas?: Map<string, { used: number; inUse: number; expired: number }>,
  ): QueryWork<T> {
    const state = yield* this.readState(siteId, lookup, groups);
    const { change, result } = decide(state);
    if (state && change) {
      yield* this.write(state, change);
      const own = deltas ?? new Map();
      const sum = own.get(state.group.id) ?? { used: 0, inUse: 0, expired: 0 };
      sum.used += change.groupDelta.used;
      sum.inUse += change.groupDelta.inUse;
      sum.expired += change.groupDelta.expired;
      own.set(state.group.id, sum);
      if (!deltas) yield* this.countGroups(own);
    }
    return result;
  }

  private *readGroup(groupId: string): QueryWork<GroupRead> {
    const [row] = yield* rowsOf(this.#group, { id: groupId });
    const { totalCount: _total, usedCount: _used, inUseCount: _inUse, expiredCount: _expired, ...settings } = toGroup(row as GroupRow);
    let group: RedemptionGroup = settings;
    if (!group.applyToAllPortals) {
      const links = yield* rowsOf(this.#portalLinks, { group: group.id });
      group = { ...group, portalIds: links.map((link) => link.portal_id) };
    }
    return { group, timeZone: row!.time_zone };
  }

  private *readState(siteId: string, lookup: VoucherLookup, groups?: Map<string, GroupRead>): QueryWork<VoucherState | undefined> {
    const forUpdate = this.dialect === 'postgres';
    const [voucherRow] =
      'code' in lookup
        ? yield* rowsOf(forUpdate ? this.#voucherByCodeForUpdate : this.#voucherByCode, { site: siteId, code: lookup.code })
        : yield* rowsOf(forUpdate ? this.#voucherByIdForUpdate : this.#voucherById, { site: siteId, id: lookup.voucherId });
    if (!voucherRow) return undefined;

    let read = groups?.get(voucherRow.group_id);
    if (!read) {
      read = yield* this.readGroup(voucherRow.group_id);
      groups?.set(voucherRow.group_id, read);
    }
    const { group, timeZone } = read;
    const voucher = toVoucher(voucherRow);
    // A voucher has as many clients as it counts uses (`used`: VoucherWork.admit). Its first, when
    // written since 014-first-clients, is found through its row, and voucher_clients holds the
    // rest: that table and the sessions through it are read only when it holds some. Two reads
    // saved on every first use, and on every step of a voucher with one client since.
    const firstId = voucherRow.first_client === null ? undefined : Number(voucherRow.first_client);
    const inTable = voucher.used - (firstId === undefined ? 0 : 1) > 0;
    const clients = inTable ? (yield* rowsOf(this.#clients, { voucher: voucher.id })).map(toClient) : [];
    const open = inTable ? (yield* rowsOf(this.#openSessions, { voucher: voucher.id })).map(toSession) : [];
    const [first] = firstId === undefined ? [] : yield* rowsOf(this.#firstClient, { id: firstId });
    if (first) {
      clients.unshift(toClient(first));
      const [session] = first.session_id === null ? [] : yield* rowsOf(this.#openSession, { id: first.session_id });
      if (session) {
        open.push(toSession(session));
        open.sort(byStart);
      }
    }
    const state: VoucherState = { siteId, timeZone, group, voucher, clients, open };
    if (first) this.#firstClientOf.set(state, { id: Number(first.id), mac: first.client_mac });
    return state;
  }

  private *write(state: VoucherState, change: VoucherChange): QueryWork<void> {
    const { voucher } = change;
    // A voucher's first client goes in voucher_first_clients, and the voucher's row keeps its id;
    // later clients, and those of vouchers whose first client predates that table, in voucher_clients.
    const first = this.#firstClientOf.get(state);
    let newFirst: number | undefined;
    for (const client of change.clients) {
      const values = { voucher: state.voucher.id, ...client, sessionId: client.sessionId ?? null };
      if (first?.mac === client.mac) {
        yield* rowsOf(this.#updateFirstClient, { id: first.id, ...values });
      } else if (!first && newFirst === undefined && state.clients.length === 0) {
        const [row] = yield* rowsOf(this.#insertFirstClient, { site: state.siteId, ...values });
        newFirst = Number(row!.id);
      } else {
        yield* rowsOf(this.#putClient, values);
      }
    }
    if (change.voucherChanged || newFirst !== undefined) yield* rowsOf(this.#updateVoucher, {
      id: state.voucher.id,
      status: voucher.status,
      used: voucher.used,
      startTime: voucher.startTime ?? null,
      timeUsedSec: voucher.timeUsedSec,
      trafficUsed: voucher.trafficUsed,
      expiresAt: voucher.expiresAt ?? null,
      clockSince: voucher.clockSince ?? null,
      firstClient: newFirst ?? first?.id ?? null,
    });
    for (const session of change.newSessions) yield* rowsOf(this.#insertSession, sessionRow(session));
    for (const session of change.sessions) yield* rowsOf(this.#updateSession, sessionRow(session));
    for (const use of change.uses) {
      yield* rowsOf(this.#insertUse, {
        site: state.siteId,
        group: state.group.id,
        voucher: state.voucher.id,
        mac: use.clientMac,
        firstUse: use.firstUse ? 1 : 0,
        voucherFirst: use.voucherFirst ? 1 : 0,
        usedAt: use.usedAt,
      });
    }
  }

  private async upsertSession(db: Kysely<Database>, session: SessionRecord): Promise<void> {
    const { id, ...columns } = sessionRow(session);
    const updated = await db.updateTable('sessions').set(columns).where('id', '=', id).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) await db.insertInto('sessions').values({ id, ...columns }).execute();
  }

  async getSession(siteId: string, id: string): Promise<SessionRecord | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('site_id', '=', siteId).where('id', '=', id).executeTakeFirst();
    return row && toSession(row);
  }

  async findByAcctSessionId(nasId: string, acctSessionId: string): Promise<SessionRecord | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('acct_session_id', '=', acctSessionId)
      .where('nas_id', '=', nasId)
      .orderBy('started_at', 'desc')
      .executeTakeFirst();
    return row && toSession(row);
  }

  openSessionsOf(siteId: string, clientMac: string): Promise<SessionRecord[]> {
    return this.openSessions(siteId, (query) => query.where('client_mac', '=', clientMac));
  }

  openVoucherSessionsOfNas(siteId: string, nasId: string): Promise<SessionRecord[]> {
    // Read when a NAS starts or stops accounting, rarely: the site's sessions are searched, and
    // no index on the NAS is written at every redemption for it.
    return this.openSessions(siteId, (query) => query.where('nas_id', '=', nasId).where('voucher_id', 'is not', null));
  }

  /** The site's sessions that have not ended and that `narrow` keeps, oldest first. */
  private async openSessions(siteId: string, narrow: (query: OpenSessionsQuery) => OpenSessionsQuery): Promise<SessionRecord[]> {
    const rows = await narrow(this.db.selectFrom('sessions').selectAll().where('site_id', '=', siteId).where('ended_at', 'is', null))
      .orderBy('started_at')
      .orderBy(insertionOrder('sessions'))
      .execute();
    return rows.map(toSession);
  }

  async putSession(session: SessionRecord): Promise<void> {
    await this.upsertSession(this.db, session);
  }

  async listSessions(siteId: string, query: SessionQuery): Promise<Page<SessionRecord>> {
    let base = this.db.selectFrom('sessions').where('site_id', '=', siteId);
    if (query.searchKey) {
      const key = query.searchKey;
      base = base.where((eb) =>
        eb.or([
          containsIgnoringCase('client_mac', key),
          containsIgnoringCase('code', key),
          containsIgnoringCase('ssid', key),
          containsIgnoringCase('client_ip', key),
        ]),
      );
    }
    if (query.timeStart !== undefined) base = base.where('started_at', '>=', query.timeStart);
    if (query.timeEnd !== undefined) base = base.where('started_at', '<=', query.timeEnd);
    const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    let rows = base.selectAll();
    if (query.sort) rows = rows.orderBy(SORT_COLUMNS[query.sort.field], query.sort.direction);
    const page = await rows
      .orderBy('started_at', 'desc')
      .orderBy(insertionOrder('sessions'), 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize)
      .execute();
    return { totalRows: Number(n), rows: page.map(toSession) };
  }

  async deleteSession(siteId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('sessions').where('site_id', '=', siteId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async deleteInvalidSessions(siteId: string, from: number, to: number, searchKey: string | undefined, now: number): Promise<number> {
    let query = this.db
      .deleteFrom('sessions')
      .where('site_id', '=', siteId)
      .where('started_at', '>=', from)
      .where('started_at', '<=', to)
      .where((eb) => eb.or([eb('ended_at', 'is not', null), eb('deadline', '<=', now)]));
    if (searchKey) {
      query = query.where((eb) =>
        eb.or([
          containsIgnoringCase('client_mac', searchKey),
          containsIgnoringCase('code', searchKey),
          containsIgnoringCase('ssid', searchKey),
          containsIgnoringCase('client_ip', searchKey),
        ]),
      );
    }
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async vouchersWithSessionsDue(siteId: string, now: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('sessions')
      .select('voucher_id')
      .distinct()
      .where('site_id', '=', siteId)
      .where('ended_at', 'is', null)
      .where('deadline', '<=', now)
      .where('voucher_id', 'is not', null)
      .execute();
    return rows.map((row) => row.voucher_id!);
  }

  async dueCounts(groupIds: readonly string[], now: number): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (groupIds.length === 0) return counts;
    const rows = await this.db
      .selectFrom('vouchers')
      .select((eb) => ['group_id', eb.fn.countAll<number>().as('n')])
      .where('group_id', 'in', groupIds)
      // Written out, not bound: the partial index vouchers_group_due is for exactly this term.
      .where(sql<boolean>`status = 1`)
      .where('expires_at', '<=', now)
      .groupBy('group_id')
      .execute();
    for (const row of rows) counts.set(row.group_id, Number(row.n));
    return counts;
  }
}

import type {
  RedeemableVoucher,
  RedemptionGroup,
  SessionRecord,
  VoucherChange,
  VoucherClient,
  VoucherSchedule,
  VoucherState,
  VoucherUse,
} from '../store/port.js';
import { instantOf, localDayAfter, localParts, startOfLocalDay, startOfLocalMonth, startOfLocalWeek } from './local-time.js';

/**
 * The rules of redemption as pure functions of a voucher's state and the time: which clients
 * get in, for how long, with what left, and what that changes. The service around them reads
 * and writes the state in one transaction; nothing here touches a store or a clock.
 */

export type RejectReason = 'code-incorrect' | 'expired' | 'traffic-exceeded' | 'user-limit' | 'not-effective' | 'throttled';

/** What a gateway shows the client (Reply-Message), by reason. */
export const REJECT_MESSAGES: Readonly<Record<RejectReason, string>> = {
  'code-incorrect': 'The voucher code is incorrect.',
  expired: 'The voucher has expired.',
  'traffic-exceeded': 'The voucher has used up its traffic.',
  'user-limit': 'The number of users of this voucher has reached the limit.',
  'not-effective': 'The voucher is not effective at this time.',
  throttled: 'Too many wrong codes. Please try again later.',
};

export const BYTES_PER_MB = 1024 * 1024;
const MINUTE_MS = 60_000;

/** A client's way in, as every front door hands it to its gateway. */
export interface Grant {
  readonly sessionId: string;
  readonly voucherId: string;
  readonly code: string;
  readonly clientMac: string;
  /** Seconds until the first clock or window that ends the session; at least 1. */
  readonly sessionTimeoutSec: number;
  readonly deadline: number;
  /** Kbps; undefined when not limited. */
  readonly downLimitKbps: number | undefined;
  readonly upLimitKbps: number | undefined;
  /** Bytes the client may still move in the current period; undefined without a traffic limit. */
  readonly trafficLeftBytes: number | undefined;
  /** Whether the client may end its session itself (the group's `logout`). */
  readonly logout: boolean;
}

export type RedeemOutcome = { readonly ok: true; readonly grant: Grant } | { readonly ok: false; readonly reason: RejectReason };

/** Where and how a client asks; the front door fills in what it knows. */
export interface ClientContext {
  readonly clientMac: string;
  readonly via: 'radius' | 'portal';
  readonly portalId?: string | undefined;
  readonly nasId?: string | undefined;
  readonly ssid?: string | undefined;
  readonly apMac?: string | undefined;
  readonly radioId?: number | undefined;
  readonly clientIp?: string | undefined;
}

// ---- windows ------------------------------------------------------------------------------------

/** Whether the group's validity lets clients in at `now`, and until when. */
export type WindowCheck =
  | { readonly open: true; readonly closesAt: number | undefined }
  | { readonly open: false; readonly reason: 'not-effective' | 'expired' };

export function validityAt(group: RedemptionGroup, now: number, timeZone: string): WindowCheck {
  if (group.validityType === 1) {
    if (group.effectiveTime !== undefined && now < group.effectiveTime) return { open: false, reason: 'not-effective' };
    if (group.expirationTime !== undefined && now >= group.expirationTime) return { open: false, reason: 'expired' };
    return { open: true, closesAt: group.expirationTime };
  }
  if (group.validityType === 2 && group.schedule) return scheduleAt(group.schedule, now, timeZone);
  return { open: true, closesAt: undefined };
}

/**
 * A daily schedule opens from its start to its end time every day (across midnight when the end
 * is earlier than the start; all day when they are equal); a weekly one opens on its weekdays,
 * whole days, in the site's time zone.
 */
export function scheduleAt(schedule: VoucherSchedule, now: number, timeZone: string): WindowCheck {
  const local = localParts(now, timeZone);
  if (schedule.type === 0) {
    const start = (schedule.dailyStartHour ?? 0) * 60 + (schedule.dailyStartMin ?? 0);
    const end = (schedule.dailyEndHour ?? 0) * 60 + (schedule.dailyEndMin ?? 0);
    if (start === end) return { open: true, closesAt: undefined };
    const minute = local.hour * 60 + local.minute + local.second / 60;
    const endOn = (dayOffset: number) => instantOf(local.year, local.month, local.day + dayOffset, end, timeZone);
    if (start < end) {
      return start <= minute && minute < end ? { open: true, closesAt: endOn(0) } : { open: false, reason: 'not-effective' };
    }
    if (minute < end) return { open: true, closesAt: endOn(0) };
    if (minute >= start) return { open: true, closesAt: endOn(1) };
    return { open: false, reason: 'not-effective' };
  }
  const days = new Set(schedule.weeklyEnableDays ?? []);
  if (!days.has(local.weekday)) return { open: false, reason: 'not-effective' };
  for (let ahead = 1; ahead <= 7; ahead++) {
    const weekday = ((local.weekday - 1 + ahead) % 7) + 1;
    if (!days.has(weekday)) return { open: true, closesAt: localDayAfter(now, ahead, timeZone) };
  }
  return { open: true, closesAt: undefined };
}

/** The last period found per zone and frequency, with when it ends: most redemptions fall in it. */
const periods = new Map<string, { readonly start: number; readonly end: number }>();

/** The start of the traffic period holding `now`: 0 total, 1 daily, 2 weekly, 3 monthly. */
export function trafficPeriodStart(frequency: number, now: number, timeZone: string): number {
  if (frequency < 1 || frequency > 3) return 0;
  const key = `${frequency}|${timeZone}`;
  const known = periods.get(key);
  if (known && known.start <= now && now < known.end) return known.start;
  let start: number;
  let end: number;
  if (frequency === 1) {
    start = startOfLocalDay(now, timeZone);
    end = localDayAfter(now, 1, timeZone);
  } else if (frequency === 2) {
    start = startOfLocalWeek(now, timeZone);
    end = localDayAfter(start, 7, timeZone);
  } else {
    start = startOfLocalMonth(now, timeZone);
    const local = localParts(start, timeZone);
    end = instantOf(local.year, local.month + 1, 1, 0, timeZone);
  }
  if (periods.size > 1000) periods.clear();
  periods.set(key, { start, end });
  return start;
}

export function trafficLimitBytes(group: RedemptionGroup): number | undefined {
  return group.trafficLimitEnable && group.trafficLimit !== undefined ? group.trafficLimit * BYTES_PER_MB : undefined;
}

// ---- the working state ----------------------------------------------------------------------------

/** A session just opened: nothing reported on it yet, nothing known of where it is. */
export function newSession(
  opened: Pick<SessionRecord, 'id' | 'siteId' | 'voucherId' | 'groupId' | 'code' | 'clientMac' | 'authType' | 'via' | 'startedAt' | 'deadline'>,
): Mutable<SessionRecord> {
  // Field by field, in the record's order: every session then shares one object shape.
  return {
    id: opened.id,
    siteId: opened.siteId,
    voucherId: opened.voucherId,
    groupId: opened.groupId,
    code: opened.code,
    clientMac: opened.clientMac,
    authType: opened.authType,
    via: opened.via,
    portalId: undefined,
    nasId: undefined,
    ssid: undefined,
    apMac: undefined,
    radioId: undefined,
    clientIp: undefined,
    startedAt: opened.startedAt,
    deadline: opened.deadline,
    endedAt: undefined,
    endReason: undefined,
    acctSessionId: undefined,
    sessionTimeSec: 0,
    inputOctets: 0,
    outputOctets: 0,
    lastAcctAt: undefined,
  };
}

function sameRecord(a: object, b: object | undefined): boolean {
  if (b === undefined) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  for (const key of Object.keys(left)) if (left[key] !== right[key]) return false;
  return true;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A voucher's state being changed by one step: settle what time has ended, then a redemption,
 * an accounting update or an ending. `change()` answers what to write.
 */
export class VoucherWork {
  readonly group: RedemptionGroup;
  readonly voucher: Mutable<RedeemableVoucher>;
  private readonly clients = new Map<string, Mutable<VoucherClient>>();
  private readonly sessions = new Map<string, Mutable<SessionRecord>>();
  private readonly changedClients = new Set<string>();
  private readonly changedSessions = new Set<string>();
  private readonly createdSessions = new Set<string>();
  /** Sessions as read, to write back only those a step changed. */
  private readonly originals = new Map<string, SessionRecord>();
  private readonly uses: VoucherUse[] = [];
  /** Sessions this step ended that the gateway should be told to drop. */
  readonly ended: SessionRecord[] = [];

  constructor(
    readonly state: VoucherState,
    readonly now: number,
  ) {
    this.group = state.group;
    this.voucher = { ...state.voucher };
    for (const client of state.clients) this.clients.set(client.mac, { ...client });
    for (const session of state.open) {
      this.sessions.set(session.id, { ...session });
      this.originals.set(session.id, session);
    }
    this.settle();
  }

  get durationMs(): number {
    return this.group.duration * MINUTE_MS;
  }

  client(mac: string): Mutable<VoucherClient> | undefined {
    return this.clients.get(mac);
  }

  session(id: string): Mutable<SessionRecord> | undefined {
    return this.sessions.get(id);
  }

  /** Adds a session this step did not read (an ended one accounting still reports on). */
  adopt(session: SessionRecord): Mutable<SessionRecord> {
    const own = { ...session };
    this.originals.set(session.id, session);
    this.sessions.set(own.id, own);
    return own;
  }

  /** Sessions not ended whose deadline is ahead. */
  live(): Mutable<SessionRecord>[] {
    return [...this.sessions.values()].filter((s) => s.endedAt === undefined && s.deadline > this.now);
  }

  liveOf(mac: string): Mutable<SessionRecord> | undefined {
    return this.live().find((s) => s.clientMac === mac);
  }

  /** Ends, at their deadline, the sessions whose time ran out, in the order they ran out. */
  private settle(): void {
    const due = [...this.sessions.values()]
      .filter((s) => s.endedAt === undefined && s.deadline <= this.now)
      .sort((a, b) => a.deadline - b.deadline);
    for (const session of due) this.end(session, session.deadline, 'timeout', false);
  }

  /**
   * Ends a session at `at`: with timing by usage its online time is spent from the client's
   * clock, or from the voucher's when no other client of it is still online.
   */
  end(session: Mutable<SessionRecord>, at: number, reason: string, tellGateway: boolean): void {
    if (session.endedAt !== undefined) return;
    session.endedAt = at;
    session.endReason = reason;
    this.changedSessions.add(session.id);
    if (tellGateway) this.ended.push(session);
    if (this.group.timingType !== 1) return;
    if (this.group.durationType === 0) {
      const client = this.clients.get(session.clientMac);
      if (client) {
        client.timeUsedSec += Math.max(0, Math.round((at - session.startedAt) / 1000));
        this.changedClients.add(client.mac);
      }
      return;
    }
    const othersOnline = [...this.sessions.values()].some(
      (s) => s !== session && s.endedAt === undefined && s.deadline > at,
    );
    if (!othersOnline && this.voucher.clockSince !== undefined) {
      this.voucher.timeUsedSec += Math.max(0, Math.round((at - this.voucher.clockSince) / 1000));
      this.voucher.clockSince = undefined;
    }
  }

  /** Milliseconds left on the clock a client of this voucher runs on (its own, or the voucher's). */
  remainingMs(client: VoucherClient | undefined): number {
    const duration = this.durationMs;
    if (this.group.durationType === 1) {
      if (this.group.timingType === 0) {
        return this.voucher.startTime === undefined ? duration : this.voucher.startTime + duration - this.now;
      }
      const running = this.voucher.clockSince === undefined ? 0 : this.now - this.voucher.clockSince;
      return duration - this.voucher.timeUsedSec * 1000 - running;
    }
    if (!client) return duration;
    if (this.group.timingType === 0) return client.firstAuthAt + duration - this.now;
    const live = this.liveOf(client.mac);
    return duration - client.timeUsedSec * 1000 - (live ? this.now - live.startedAt : 0);
  }

  /** The client's traffic in the current period (a past period's count is reset). */
  trafficOf(client: Mutable<VoucherClient>): number {
    const periodStart = trafficPeriodStart(this.group.trafficLimitFrequency, this.now, this.state.timeZone);
    if (client.trafficPeriodStart < periodStart) {
      client.trafficUsed = 0;
      client.trafficPeriodStart = periodStart;
      this.changedClients.add(client.mac);
    }
    return client.trafficUsed;
  }

  addTraffic(client: Mutable<VoucherClient> | undefined, bytes: number): void {
    if (bytes <= 0) return;
    this.voucher.trafficUsed += bytes;
    if (client) {
      this.trafficOf(client);
      client.trafficUsed += bytes;
      this.changedClients.add(client.mac);
    }
  }

  /**
   * When the voucher is expired by time alone if nothing else happens: its own clock's end, or,
   * once its uses are spent, the end of the last client's time. Undefined while a client can
   * still come (or come back) and use time.
   */
  expiry(): number | undefined {
    const { group, voucher, now } = this;
    const duration = this.durationMs;
    if (voucher.used === 0) return undefined;
    if (group.durationType === 1) {
      if (group.timingType === 0) return voucher.startTime === undefined ? undefined : voucher.startTime + duration;
      if (voucher.clockSince !== undefined) return voucher.clockSince + duration - voucher.timeUsedSec * 1000;
      return voucher.timeUsedSec * 1000 >= duration ? now : undefined;
    }
    const usesSpent = group.limitType === 0 && group.limitNum !== undefined && voucher.used >= group.limitNum;
    if (!usesSpent) return undefined;
    let last = Number.NEGATIVE_INFINITY;
    for (const client of this.clients.values()) {
      if (group.timingType === 0) {
        last = Math.max(last, client.firstAuthAt + duration);
        continue;
      }
      const live = this.liveOf(client.mac);
      if (live) {
        last = Math.max(last, live.deadline);
      } else if (client.timeUsedSec * 1000 < duration) {
        return undefined;
      }
    }
    return Number.isFinite(last) ? last : now;
  }

  /** 0 unused, 1 in use, 2 expired, by what happened (the group's window is applied on reading). */
  status(): number {
    if (this.voucher.used === 0) return 0;
    const expiresAt = this.expiry();
    return expiresAt !== undefined && expiresAt <= this.now ? 2 : 1;
  }

  /** Grants `client` a session: a new one, or the client's live one refreshed with where it asks from. */
  open(client: Mutable<VoucherClient>, context: ClientContext, newId: () => string, closesAt: number | undefined): Grant {
    const { group, now } = this;
    const existing = this.liveOf(client.mac);
    let deadline: number;
    if (existing) {
      deadline = existing.deadline;
    } else {
      deadline = now + this.remainingMs(client);
      if (group.durationType === 1 && group.timingType === 1 && this.voucher.clockSince === undefined) {
        this.voucher.clockSince = now;
      }
    }
    if (closesAt !== undefined) deadline = Math.min(deadline, closesAt);
    const session: Mutable<SessionRecord> =
      existing ??
      newSession({
        id: newId(),
        siteId: this.state.siteId,
        voucherId: this.voucher.id,
        groupId: group.id,
        code: this.voucher.code,
        clientMac: client.mac,
        authType: 3,
        via: context.via,
        startedAt: now,
        deadline,
      });
    session.deadline = deadline;
    session.via = context.via;
    session.portalId = context.portalId ?? session.portalId;
    session.nasId = context.nasId ?? session.nasId;
    session.ssid = context.ssid ?? session.ssid;
    session.apMac = context.apMac ?? session.apMac;
    session.radioId = context.radioId ?? session.radioId;
    session.clientIp = context.clientIp ?? session.clientIp;
    this.sessions.set(session.id, session);
    if (existing) {
      this.changedSessions.add(session.id);
    } else {
      this.createdSessions.add(session.id);
      client.sessionId = session.id;
      this.changedClients.add(client.mac);
    }

    const limit = trafficLimitBytes(group);
    return {
      sessionId: session.id,
      voucherId: this.voucher.id,
      code: this.voucher.code,
      clientMac: client.mac,
      sessionTimeoutSec: Math.max(1, Math.floor((deadline - now) / 1000)),
      deadline,
      downLimitKbps: group.effectiveRate.downLimit,
      upLimitKbps: group.effectiveRate.upLimit,
      trafficLeftBytes: limit === undefined ? undefined : Math.max(0, limit - this.trafficOf(client)),
      logout: group.logout,
    };
  }

  /** A client taking its first use of the voucher. */
  admit(mac: string): Mutable<VoucherClient> {
    const client: Mutable<VoucherClient> = {
      mac,
      firstAuthAt: this.now,
      timeUsedSec: 0,
      trafficUsed: 0,
      trafficPeriodStart: trafficPeriodStart(this.group.trafficLimitFrequency, this.now, this.state.timeZone),
      sessionId: undefined,
    };
    this.clients.set(mac, client);
    this.changedClients.add(mac);
    this.voucher.used += 1;
    this.voucher.startTime ??= this.now;
    return client;
  }

  /** A use by `mac`, its first of the voucher when `firstUse`; call it after admit for a new client. */
  recordUse(mac: string, firstUse: boolean): void {
    // Admitted just now as the only client ever: the voucher's own first use.
    const voucherFirst = firstUse && this.voucher.used === 1;
    this.uses.push({ clientMac: mac, firstUse, voucherFirst, usedAt: this.now });
  }

  touchSession(session: Mutable<SessionRecord>): void {
    this.changedSessions.add(session.id);
  }

  /** What to write; the group's counters move with the voucher's status. */
  change(): VoucherChange {
    const before = this.state.voucher;
    const status = this.status();
    const expiresAt = status === 1 ? this.expiry() : undefined;
    const voucher = { ...this.voucher, status, expiresAt };
    const was = (s: number) => (before.status === s ? 1 : 0);
    const is = (s: number) => (status === s ? 1 : 0);
    return {
      voucherChanged: !sameRecord(voucher, before),
      voucher: {
        status: voucher.status,
        used: voucher.used,
        startTime: voucher.startTime,
        timeUsedSec: voucher.timeUsedSec,
        trafficUsed: voucher.trafficUsed,
        expiresAt: voucher.expiresAt,
        clockSince: voucher.clockSince,
      },
      clients: [...this.changedClients].map((mac) => this.clients.get(mac)!),
      newSessions: [...this.createdSessions].map((id) => this.sessions.get(id)!),
      sessions: [...this.changedSessions]
        .filter((id) => !this.createdSessions.has(id))
        .map((id) => this.sessions.get(id)!)
        .filter((session) => !sameRecord(session, this.originals.get(session.id))),
      groupDelta: {
        used: before.used === 0 && voucher.used > 0 ? 1 : 0,
        inUse: is(1) - was(1),
        expired: is(2) - was(2),
      },
      uses: this.uses,
    };
  }
}

/**
 * A redemption, first failing reason first: the portal, the validity window, then for a client
 * with a live session nothing more than its traffic; for others the voucher's time, its uses or
 * online slots, the client's own clock and traffic.
 */
export function redeemIn(
  work: VoucherWork,
  context: ClientContext,
  newId: () => string,
): RedeemOutcome {
  const { group, now } = work;
  if (!group.applyToAllPortals && context.portalId !== undefined && !group.portalIds.includes(context.portalId)) {
    return { ok: false, reason: 'code-incorrect' };
  }
  const window = validityAt(group, now, work.state.timeZone);
  if (!window.open) return { ok: false, reason: window.reason };

  const limit = trafficLimitBytes(group);
  const overTraffic = (client: Mutable<VoucherClient>) => limit !== undefined && work.trafficOf(client) >= limit;
  const mac = context.clientMac;
  let client = work.client(mac);

  if (client && work.liveOf(mac)) {
    if (overTraffic(client)) return { ok: false, reason: 'traffic-exceeded' };
    return { ok: true, grant: work.open(client, context, newId, window.closesAt) };
  }
  if (work.status() === 2) return { ok: false, reason: 'expired' };
  if (group.limitType === 1 && group.limitNum !== undefined) {
    const online = new Set(work.live().map((s) => s.clientMac));
    if (online.size >= group.limitNum) return { ok: false, reason: 'user-limit' };
  }
  if (client) {
    if (work.remainingMs(client) <= 0) return { ok: false, reason: 'expired' };
    if (overTraffic(client)) return { ok: false, reason: 'traffic-exceeded' };
    work.recordUse(mac, false);
  } else {
    if (group.limitType === 0 && group.limitNum !== undefined && work.voucher.used >= group.limitNum) {
      return { ok: false, reason: 'user-limit' };
    }
    if (work.remainingMs(undefined) <= 0) return { ok: false, reason: 'expired' };
    client = work.admit(mac);
    work.recordUse(mac, true);
  }
  return { ok: true, grant: work.open(client, context, newId, window.closesAt) };
}

/** Accounting figures as a NAS reports them for one session (octets already joined with gigawords). */
export interface AccountingFigures {
  readonly kind: 'start' | 'interim' | 'stop';
  readonly acctSessionId: string;
  readonly sessionTimeSec: number | undefined;
  readonly inputOctets: number | undefined;
  readonly outputOctets: number | undefined;
  readonly clientIp: string | undefined;
}

/**
 * Applies a NAS's accounting to a session. Counters only grow (a repeated or late packet adds
 * nothing twice); the traffic they add is spent from the client's quota, and a client past it
 * has its session ended. Answers whether the session is over for the gateway.
 */
export function accountIn(work: VoucherWork, target: SessionRecord, figures: AccountingFigures, nasId?: string): { ended: boolean } {
  const session = work.session(target.id) ?? work.adopt(target);
  const client = work.client(session.clientMac);
  const input = Math.max(session.inputOctets, figures.inputOctets ?? 0);
  const output = Math.max(session.outputOctets, figures.outputOctets ?? 0);
  work.addTraffic(client, input - session.inputOctets + (output - session.outputOctets));
  session.inputOctets = input;
  session.outputOctets = output;
  session.sessionTimeSec = Math.max(session.sessionTimeSec, figures.sessionTimeSec ?? 0);
  session.acctSessionId = figures.acctSessionId;
  // A session opened elsewhere (the portal endpoint) belongs from now on to the NAS that accounts for it.
  session.nasId ??= nasId;
  session.clientIp = figures.clientIp ?? session.clientIp;
  session.lastAcctAt = work.now;
  work.touchSession(session);

  if (session.endedAt !== undefined) return { ended: true };
  if (figures.kind === 'stop') {
    work.end(session, work.now, 'stop', false);
    return { ended: true };
  }
  const limit = trafficLimitBytes(work.group);
  if (limit !== undefined && client && work.trafficOf(client) >= limit) {
    work.end(session, work.now, 'traffic', true);
    return { ended: true };
  }
  return { ended: false };
}

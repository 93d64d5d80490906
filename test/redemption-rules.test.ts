import { describe, expect, it } from 'vitest';
import {
  accountIn,
  BYTES_PER_MB,
  redeemIn,
  scheduleAt,
  trafficPeriodStart,
  validityAt,
  VoucherWork,
  type ClientContext,
  type RedeemOutcome,
} from '../src/domain/redemption-rules.js';
import type { SessionRecord, StoredVoucherGroup, VoucherChange, VoucherState } from '../src/store/port.js';

// The engine's rules as pure functions of a voucher's state and the time, with a clock a test
// sets by hand. Each step applies its change to the state, as the repository would.

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Thursday 15 January 2026, 12:00 UTC (07:00 in New York). */
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const NY = 'America/New_York';

function group(overrides: Partial<StoredVoucherGroup> = {}): StoredVoucherGroup {
  return {
    id: 'g'.repeat(24),
    siteId: 's'.repeat(24),
    name: 'Rules',
    amount: 1,
    codeLength: 6,
    codeForm: [0],
    limitType: 2,
    limitNum: undefined,
    durationType: 0,
    duration: 60,
    timingType: 0,
    rateLimit: { mode: 0, profileId: undefined, downLimitEnable: false, downLimit: undefined, upLimitEnable: false, upLimit: undefined },
    trafficLimitEnable: false,
    trafficLimit: undefined,
    trafficLimitFrequency: 0,
    unitPrice: undefined,
    currency: undefined,
    applyToAllPortals: true,
    portalIds: [],
    validityType: 0,
    effectiveTime: undefined,
    expirationTime: undefined,
    schedule: undefined,
    logout: true,
    description: undefined,
    printComments: undefined,
    creatorName: 'test',
    createdAt: T0 - DAY,
    totalCount: 1,
    usedCount: 0,
    inUseCount: 0,
    expiredCount: 0,
    effectiveRate: { downLimit: undefined, upLimit: undefined },
    ...overrides,
  };
}

/** A voucher's state that steps move forward, applying each change as the repository does. */
class Voucher {
  state: VoucherState;
  /** The group's counters, as the repository moves them by each change's groupDelta. */
  counts = { usedCount: 0, inUseCount: 0, expiredCount: 0 };
  private ids = 0;

  constructor(groupOverrides: Partial<StoredVoucherGroup> = {}, timeZone = 'UTC') {
    this.state = {
      siteId: 's'.repeat(24),
      timeZone,
      group: group(groupOverrides),
      voucher: {
        id: 'v'.repeat(24),
        groupId: 'g'.repeat(24),
        code: '123456',
        createdAt: T0 - DAY,
        status: 0,
        used: 0,
        startTime: undefined,
        timeUsedSec: 0,
        trafficUsed: 0,
        expiresAt: undefined,
        clockSince: undefined,
      },
      clients: [],
      open: [],
    };
  }

  private apply(change: VoucherChange): void {
    const clients = new Map(this.state.clients.map((c) => [c.mac, c]));
    for (const client of change.clients) clients.set(client.mac, client);
    const sessions = new Map(this.state.open.map((s) => [s.id, s]));
    for (const session of [...change.newSessions, ...change.sessions]) sessions.set(session.id, session);
    this.state = {
      ...this.state,
      voucher: change.voucherChanged ? { ...this.state.voucher, ...change.voucher } : this.state.voucher,
      clients: [...clients.values()],
      open: [...sessions.values()].filter((s) => s.endedAt === undefined),
    };
    this.counts = {
      usedCount: this.counts.usedCount + change.groupDelta.used,
      inUseCount: this.counts.inUseCount + change.groupDelta.inUse,
      expiredCount: this.counts.expiredCount + change.groupDelta.expired,
    };
  }

  redeem(mac: string, at: number, context: Partial<ClientContext> = {}): RedeemOutcome {
    const work = new VoucherWork(this.state, at);
    const outcome = redeemIn(work, { clientMac: mac, via: 'portal', ...context }, () => `id${++this.ids}`.padEnd(24, '0'));
    this.apply(work.change());
    return outcome;
  }

  account(mac: string, at: number, kind: 'start' | 'interim' | 'stop', octets: { input?: number; output?: number } = {}) {
    const session = this.state.open.find((s) => s.clientMac === mac) as SessionRecord;
    const work = new VoucherWork(this.state, at);
    const result = accountIn(work, session, {
      kind,
      acctSessionId: `acct-${mac}`,
      sessionTimeSec: Math.round((at - session.startedAt) / 1000),
      inputOctets: octets.input,
      outputOctets: octets.output,
      clientIp: undefined,
    });
    this.apply(work.change());
    return { over: result.ended, told: work.ended.map((s) => s.id) };
  }

  /** Ends the client's session at `at` the way a logout does. */
  logout(mac: string, at: number): void {
    const work = new VoucherWork(this.state, at);
    const session = work.liveOf(mac);
    if (session) work.end(session, at, 'logout', true);
    this.apply(work.change());
  }

  /** Settles the voucher at `at` and answers its status then. */
  statusAt(at: number): number {
    const work = new VoucherWork(this.state, at);
    return work.status();
  }
}

const timeout = (outcome: RedeemOutcome) => (outcome.ok ? outcome.grant.sessionTimeoutSec : outcome.reason);
const A = 'AA-AA-AA-AA-AA-01';
const B = 'AA-AA-AA-AA-AA-02';
const C = 'AA-AA-AA-AA-AA-03';
const D = 'AA-AA-AA-AA-AA-04';

describe('usage limits', () => {
  it('limitType 0 spends one use per new client; a client with a live session comes back free', () => {
    const v = new Voucher({ limitType: 0, limitNum: 2 });
    expect(timeout(v.redeem(A, T0))).toBe(3600);
    expect(timeout(v.redeem(A, T0 + MIN))).toBe(3540);
    expect(v.state.voucher.used).toBe(1);
    expect(timeout(v.redeem(B, T0 + 2 * MIN))).toBe(3600);
    expect(v.state.voucher.used).toBe(2);
    expect(v.redeem(C, T0 + 3 * MIN)).toEqual({ ok: false, reason: 'user-limit' });
    expect(v.state.voucher.used).toBe(2);
  });

  it('limitType 0: once every use is spent and every client is out of time, the voucher is expired', () => {
    const v = new Voucher({ limitType: 0, limitNum: 1, duration: 10 });
    v.redeem(A, T0);
    expect(v.state.voucher.status).toBe(1);
    expect(v.state.voucher.expiresAt).toBe(T0 + 10 * MIN);
    expect(v.statusAt(T0 + 10 * MIN - 1)).toBe(1);
    expect(v.statusAt(T0 + 10 * MIN)).toBe(2);
    expect(v.redeem(A, T0 + 10 * MIN)).toEqual({ ok: false, reason: 'expired' });
    expect(v.redeem(B, T0 + 10 * MIN)).toEqual({ ok: false, reason: 'expired' });
    expect(v.state.voucher.status).toBe(2);
    expect(v.counts.inUseCount).toBe(0);
    expect(v.counts.expiredCount).toBe(1);
  });

  it('limitType 1 lets at most limitNum clients online at once and frees a slot when one leaves', () => {
    const v = new Voucher({ limitType: 1, limitNum: 3 });
    const outcomes = [A, B, C, D].map((mac, i) => v.redeem(mac, T0 + i * 1000).ok);
    expect(outcomes).toEqual([true, true, true, false]);
    expect(v.redeem(D, T0 + 5000)).toEqual({ ok: false, reason: 'user-limit' });
    expect(v.redeem(A, T0 + 6000).ok).toBe(true);
    v.logout(B, T0 + 7000);
    expect(v.redeem(D, T0 + 8000).ok).toBe(true);
    expect(v.state.voucher.used).toBe(4);
  });

  it('limitType 2 lets any number of clients in', () => {
    const v = new Voucher({ limitType: 2 });
    for (let i = 0; i < 50; i++) expect(v.redeem(`AA-AA-AA-AA-01-${String(i).padStart(2, '0')}`, T0).ok).toBe(true);
    expect(v.state.voucher.used).toBe(50);
    expect(v.state.voucher.status).toBe(1);
  });
});

describe('clocks', () => {
  it('durationType 0, timingType 0: each client has its own wall clock from its first use', () => {
    const v = new Voucher({ durationType: 0, timingType: 0, duration: 60 });
    expect(timeout(v.redeem(A, T0))).toBe(3600);
    expect(timeout(v.redeem(B, T0 + 30 * MIN))).toBe(3600);
    v.logout(A, T0 + 40 * MIN);
    // A's clock kept running while it was away.
    expect(timeout(v.redeem(A, T0 + 50 * MIN))).toBe(600);
    expect(v.redeem(A, T0 + 60 * MIN)).toEqual({ ok: false, reason: 'expired' });
    expect(timeout(v.redeem(B, T0 + 60 * MIN))).toBe(1800);
  });

  it('durationType 0, timingType 1: only online time counts, per client', () => {
    const v = new Voucher({ durationType: 0, timingType: 1, duration: 60 });
    v.redeem(A, T0);
    v.logout(A, T0 + 20 * MIN);
    expect(v.state.clients.find((c) => c.mac === A)!.timeUsedSec).toBe(1200);
    expect(timeout(v.redeem(A, T0 + 5 * HOUR))).toBe(2400);
    // Offline time after a session's end is not spent; the session ends at its deadline by itself.
    expect(v.statusAt(T0 + 5 * HOUR + 40 * MIN)).toBe(1);
    expect(v.redeem(A, T0 + 6 * HOUR)).toEqual({ ok: false, reason: 'expired' });
  });

  it('durationType 1, timingType 0: the voucher clock starts at first use and ends every client with it', () => {
    const v = new Voucher({ durationType: 1, timingType: 0, duration: 60 });
    expect(timeout(v.redeem(A, T0))).toBe(3600);
    expect(timeout(v.redeem(B, T0 + 45 * MIN))).toBe(900);
    expect(v.state.open.map((s) => s.deadline)).toEqual([T0 + HOUR, T0 + HOUR]);
    expect(v.state.voucher.expiresAt).toBe(T0 + HOUR);
    expect(v.redeem(C, T0 + HOUR)).toEqual({ ok: false, reason: 'expired' });
  });

  it('durationType 1, timingType 1: the voucher clock runs while any client is online, once for all', () => {
    const v = new Voucher({ durationType: 1, timingType: 1, duration: 60 });
    v.redeem(A, T0);
    v.redeem(B, T0 + 10 * MIN); // online together: the clock still runs once
    v.logout(A, T0 + 20 * MIN);
    v.logout(B, T0 + 30 * MIN);
    expect(v.state.voucher.timeUsedSec).toBe(1800);
    expect(v.state.voucher.clockSince).toBeUndefined();
    expect(v.state.voucher.expiresAt).toBeUndefined();
    // Hours later, half the hour is left.
    expect(timeout(v.redeem(C, T0 + 10 * HOUR))).toBe(1800);
    expect(v.statusAt(T0 + 10 * HOUR + 30 * MIN)).toBe(2);
    expect(v.redeem(D, T0 + 10 * HOUR + 30 * MIN)).toEqual({ ok: false, reason: 'expired' });
  });
});

describe('validity windows', () => {
  it('validityType 1: before effectiveTime not effective, from expirationTime expired, sessions end with the window', () => {
    const v = new Voucher({ validityType: 1, effectiveTime: T0, expirationTime: T0 + 30 * MIN });
    expect(v.redeem(A, T0 - 1)).toEqual({ ok: false, reason: 'not-effective' });
    expect(timeout(v.redeem(A, T0 + 20 * MIN))).toBe(600);
    expect(v.redeem(B, T0 + 30 * MIN)).toEqual({ ok: false, reason: 'expired' });
  });

  const daily = (start: [number, number], end: [number, number]) => ({
    type: 0,
    dailyStartHour: start[0],
    dailyStartMin: start[1],
    dailyEndHour: end[0],
    dailyEndMin: end[1],
  });

  // Times are New York wall clock on Thursday 15 January 2026 (UTC−5).
  const ny = (day: number, hour: number, minute = 0) => Date.UTC(2026, 0, day, hour + 5, minute);

  it.each([
    ['inside a daytime window', daily([9, 0], [17, 0]), ny(15, 12), { open: true, closesAt: ny(15, 17) }],
    ['at its start', daily([9, 0], [17, 0]), ny(15, 9), { open: true, closesAt: ny(15, 17) }],
    ['a minute before its start', daily([9, 0], [17, 0]), ny(15, 8, 59), { open: false, reason: 'not-effective' }],
    ['at its end', daily([9, 0], [17, 0]), ny(15, 17), { open: false, reason: 'not-effective' }],
    ['in a night window before midnight', daily([22, 0], [6, 0]), ny(15, 23), { open: true, closesAt: ny(16, 6) }],
    ['in a night window after midnight', daily([22, 0], [6, 0]), ny(16, 1), { open: true, closesAt: ny(16, 6) }],
    ['outside a night window', daily([22, 0], [6, 0]), ny(16, 12), { open: false, reason: 'not-effective' }],
    ['all day when start equals end', daily([8, 0], [8, 0]), ny(16, 3), { open: true, closesAt: undefined }],
  ])('daily schedule in the site time zone: %s', (_name, schedule, at, expected) => {
    expect(scheduleAt(schedule, at, NY)).toEqual(expected);
  });

  it.each([
    // 15 January 2026 is a Thursday (4).
    ['an enabled day', [4], ny(15, 12), { open: true, closesAt: ny(16, 0) }],
    ['a disabled day', [1, 2, 3], ny(15, 12), { open: false, reason: 'not-effective' }],
    ['late on an enabled day, in UTC already the next', [4], ny(15, 23, 30), { open: true, closesAt: ny(16, 0) }],
    ['across the week end: Saturday and Sunday open until Monday', [6, 7], ny(17, 10), { open: true, closesAt: ny(19, 0) }],
    ['Sunday, wrapping into Monday', [7, 1], ny(18, 10), { open: true, closesAt: ny(20, 0) }],
    ['every day', [1, 2, 3, 4, 5, 6, 7], ny(15, 12), { open: true, closesAt: undefined }],
  ])('weekly schedule in the site time zone: %s', (_name, days, at, expected) => {
    expect(scheduleAt({ type: 1, weeklyEnableDays: days }, at, NY)).toEqual(expected);
  });

  it('a session opened in a schedule ends when the schedule closes', () => {
    const v = new Voucher({ validityType: 2, schedule: daily([22, 0], [6, 0]), duration: 24 * 60 }, NY);
    expect(timeout(v.redeem(A, ny(16, 5, 30)))).toBe(1800);
    expect(v.redeem(B, ny(16, 7))).toEqual({ ok: false, reason: 'not-effective' });
  });

  it('validity is computed in the site time zone, across a daylight saving change', () => {
    // 8 March 2026: New York moves from UTC−5 to UTC−4 at 02:00.
    const before = Date.UTC(2026, 2, 8, 6, 30); // 01:30 EST
    expect(scheduleAt(daily([0, 0], [12, 0]), before, NY)).toEqual({ open: true, closesAt: Date.UTC(2026, 2, 8, 16, 0) });
    expect(validityAt(group(), before, NY)).toEqual({ open: true, closesAt: undefined });
  });
});

describe('traffic', () => {
  it('a client past its quota is refused and told what is left while under it', () => {
    const v = new Voucher({ trafficLimitEnable: true, trafficLimit: 10, trafficLimitFrequency: 0 });
    const first = v.redeem(A, T0);
    expect(first.ok && first.grant.trafficLeftBytes).toBe(10 * BYTES_PER_MB);
    expect(v.account(A, T0 + MIN, 'interim', { input: 2 * BYTES_PER_MB, output: 3 * BYTES_PER_MB })).toEqual({ over: false, told: [] });
    const again = v.redeem(A, T0 + 2 * MIN);
    expect(again.ok && again.grant.trafficLeftBytes).toBe(5 * BYTES_PER_MB);
  });

  it('accounting counts octets once however often a packet repeats, and ends a session past its quota', () => {
    const v = new Voucher({ trafficLimitEnable: true, trafficLimit: 10, trafficLimitFrequency: 0 });
    v.redeem(A, T0);
    v.account(A, T0 + MIN, 'start');
    v.account(A, T0 + 2 * MIN, 'interim', { input: BYTES_PER_MB, output: 4 * BYTES_PER_MB });
    v.account(A, T0 + 2 * MIN, 'interim', { input: BYTES_PER_MB, output: 4 * BYTES_PER_MB });
    expect(v.state.voucher.trafficUsed).toBe(5 * BYTES_PER_MB);
    const again = v.redeem(A, T0 + 3 * MIN);
    expect(again.ok && again.grant.trafficLeftBytes).toBe(5 * BYTES_PER_MB);
    const over = v.account(A, T0 + 4 * MIN, 'interim', { input: 2 * BYTES_PER_MB, output: 8 * BYTES_PER_MB });
    expect(over).toEqual({ over: true, told: [expect.stringMatching(/^id/)] });
    expect(v.state.open).toEqual([]);
    expect(v.redeem(A, T0 + 5 * MIN)).toEqual({ ok: false, reason: 'traffic-exceeded' });
    // Another client has a quota of its own.
    expect(v.redeem(B, T0 + 5 * MIN).ok).toBe(true);
  });

  it.each([
    ['daily', 1, Date.UTC(2026, 0, 15, 5), Date.UTC(2026, 0, 16, 5)],
    ['weekly (Monday)', 2, Date.UTC(2026, 0, 12, 5), Date.UTC(2026, 0, 19, 5)],
    ['monthly', 3, Date.UTC(2026, 0, 1, 5), Date.UTC(2026, 1, 1, 5)],
  ])('a %s quota resets at the start of the next period in the site time zone', (_name, frequency, periodStart, nextPeriod) => {
    expect(trafficPeriodStart(frequency, T0, NY)).toBe(periodStart);
    const v = new Voucher({ trafficLimitEnable: true, trafficLimit: 1, trafficLimitFrequency: frequency, durationType: 0, duration: 14_400_000 }, NY);
    v.redeem(A, T0);
    v.account(A, T0 + MIN, 'interim', { output: 2 * BYTES_PER_MB });
    expect(v.redeem(A, nextPeriod - 1)).toEqual({ ok: false, reason: 'traffic-exceeded' });
    const next = v.redeem(A, nextPeriod);
    expect(next.ok && next.grant.trafficLeftBytes).toBe(BYTES_PER_MB);
  });

  it('a total quota never resets', () => {
    expect(trafficPeriodStart(0, T0, NY)).toBe(0);
  });
});

describe('status and counters', () => {
  it('moves unused → in use → expired, and the group counters with it', () => {
    const v = new Voucher({ limitType: 0, limitNum: 1, durationType: 1, timingType: 0, duration: 10 });
    expect(v.state.voucher.status).toBe(0);
    v.redeem(A, T0);
    expect(v.state.voucher).toMatchObject({ status: 1, used: 1, startTime: T0, expiresAt: T0 + 10 * MIN });
    expect(v.counts).toEqual({ usedCount: 1, inUseCount: 1, expiredCount: 0 });
    v.redeem(B, T0 + 11 * MIN);
    expect(v.state.voucher).toMatchObject({ status: 2, expiresAt: undefined });
    expect(v.counts).toEqual({ usedCount: 1, inUseCount: 0, expiredCount: 1 });
  });

  it('a portal not among the group\'s answers as a wrong code', () => {
    const v = new Voucher({ applyToAllPortals: false, portalIds: ['p'.repeat(24)] });
    expect(v.redeem(A, T0, { portalId: 'q'.repeat(24) })).toEqual({ ok: false, reason: 'code-incorrect' });
    expect(v.redeem(A, T0, { portalId: 'p'.repeat(24) }).ok).toBe(true);
  });
});

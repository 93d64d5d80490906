import type { Page, SessionQuery, SessionRecord, Store } from '../store/port.js';
import { idSource, newId, type Clock, type Random } from './clock.js';
import { Errors, invalidField, OmadaError } from './errors.js';
import { bucketKey } from './rate-limiter.js';
import {
  accountIn,
  newSession,
  redeemIn,
  VoucherWork,
  type AccountingFigures,
  type ClientContext,
  type Grant,
  type RedeemOutcome,
} from './redemption-rules.js';

export { REJECT_MESSAGES, type Grant, type RedeemOutcome, type RejectReason } from './redemption-rules.js';

export interface RedemptionSettings {
  /** Wrong codes a client MAC may try in a site within the throttle window; 0 turns it off. */
  readonly failuresPerClient: number;
  /** Wrong codes one address (the asking IP) may try within the throttle window; 0 turns it off. */
  readonly failuresPerAddress: number;
  /** How long an admin's authorization of a client (authClient) lasts. */
  readonly adminAuthMinutes: number;
}

export const DEFAULT_REDEMPTION_SETTINGS: RedemptionSettings = {
  failuresPerClient: 5,
  failuresPerAddress: 30,
  adminAuthMinutes: 480,
};

/** Guessing is counted in one-minute windows; the current and the previous one count together. */
const THROTTLE_WINDOW_MS = 60_000;

/** A client asking to be let in with a code, through any front door. */
export interface RedeemRequest extends ClientContext {
  readonly siteId: string;
  readonly code: string;
  /** The address the attempt comes from, for the guessing throttle (not the NAS's address). */
  readonly address?: string | undefined;
}

export interface AccountingRequest extends AccountingFigures {
  readonly siteId: string;
  readonly nasId: string;
  /** User-Name: the code the session was opened with. */
  readonly code: string | undefined;
  readonly clientMac: string | undefined;
  /** The session's id as the Access-Accept's Class gave it to the gateway, when it sends it back. */
  readonly sessionId?: string | undefined;
}

/** What a captive portal page posts to /portal/auth. */
export interface PortalAuthRequest {
  readonly site: string;
  readonly portal?: string | undefined;
  readonly voucherCode: string;
  readonly clientMac: string;
  readonly apMac?: string | undefined;
  readonly ssidName?: string | undefined;
  readonly radioId?: number | undefined;
  /** The address the request came from. */
  readonly address?: string | undefined;
}

export type SessionEndedListener = (session: SessionRecord) => void;

const MAC = /^([0-9A-F]{2})[-:.]?([0-9A-F]{2})[-:.]?([0-9A-F]{2})[-:.]?([0-9A-F]{2})[-:.]?([0-9A-F]{2})[-:.]?([0-9A-F]{2})$/;

/** AA-BB-CC-DD-EE-FF from the usual spellings (colons, dashes, dots, none); undefined if not a MAC. */
export function normalizeMac(text: string): string | undefined {
  const match = MAC.exec(text.trim().toUpperCase().replace(/^([0-9A-F]{4})\.([0-9A-F]{4})\.([0-9A-F]{4})$/, '$1$2$3'));
  return match ? match.slice(1).join('-') : undefined;
}

/**
 * The one redemption engine every front door (RADIUS, the portal endpoint, the Open API) goes
 * through. Each step on a voucher runs in a transaction that holds the voucher, so limits hold
 * under any concurrency, across instances too.
 */
export class RedemptionService {
  private readonly listeners: SessionEndedListener[] = [];
  /** Throttle windows before this one are pruned already, by this process. */
  private prunedBefore = Number.NEGATIVE_INFINITY;
  /** The window of the last wrong code this process counted, by throttle key. */
  private readonly failures = new Map<string, number>();
  private failuresLoaded: Promise<void> | undefined;
  /** Session ids, their random bytes drawn many at a time. */
  private readonly ids: () => string;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly settings: RedemptionSettings = DEFAULT_REDEMPTION_SETTINGS,
  ) {
    this.ids = idSource(clock, random);
  }

  /** Called after a step ends sessions a gateway should drop (an admin's disconnect, spent traffic, a logout). */
  onSessionEnded(listener: SessionEndedListener): void {
    this.listeners.push(listener);
  }

  async redeem(request: RedeemRequest): Promise<RedeemOutcome> {
    const mac = normalizeMac(request.clientMac) ?? request.clientMac.toUpperCase();
    const keys = this.throttleKeys(request.siteId, mac, request.address);
    if (await this.throttled(keys)) return { ok: false, reason: 'throttled' };
    const code = request.code.trim().toUpperCase();
    const context: ClientContext = { ...request, clientMac: mac };
    const now = this.clock.now();
    const outcome = await this.store.redemptions.withVoucher<RedeemOutcome>(request.siteId, { code }, (state) => {
      if (!state) return { result: { ok: false, reason: 'code-incorrect' } };
      const work = new VoucherWork(state, now);
      const result = redeemIn(work, context, this.ids);
      return { change: work.change(), result };
    });
    if (!outcome.ok && outcome.reason === 'code-incorrect') {
      const admin = await this.adminGrant(request.siteId, code, mac, now);
      if (admin) return { ok: true, grant: admin };
      await this.countFailure(keys);
    }
    return outcome;
  }

  /**
   * A captive portal page sending a client's code: the site must exist, a named portal must be
   * one of the site's, and the MAC must be one; then it is a redemption like any other.
   */
  async redeemAtPortal(request: PortalAuthRequest): Promise<RedeemOutcome> {
    const mac = normalizeMac(request.clientMac);
    if (!mac) throw invalidField('clientMac must be a MAC address such as AA-BB-CC-DD-EE-FF.');
    const apMac = request.apMac === undefined ? undefined : normalizeMac(request.apMac);
    if (request.apMac !== undefined && apMac === undefined) {
      throw invalidField('apMac must be a MAC address such as AA-BB-CC-DD-EE-FF.');
    }
    if (!(await this.store.sites.get(request.site))) throw new OmadaError(Errors.SITE_NOT_EXIST);
    if (request.portal !== undefined) {
      const portal = await this.store.portals.get(request.site, request.portal);
      if (!portal) throw invalidField('portal does not name a portal of this site.');
    }
    return this.redeem({
      siteId: request.site,
      code: request.voucherCode,
      clientMac: mac,
      via: 'portal',
      portalId: request.portal,
      apMac,
      ssid: request.ssidName,
      radioId: request.radioId,
      clientIp: request.address,
      address: request.address,
    });
  }

  /** Accounting from a NAS; answers whether the session is known and whether it is over. */
  async account(request: AccountingRequest): Promise<{ known: boolean; ended: boolean }> {
    const session = await this.sessionFor(request);
    if (!session) return { known: false, ended: false };
    const now = this.clock.now();
    if (session.voucherId === undefined) {
      const updated = {
        ...session,
        acctSessionId: request.acctSessionId,
        nasId: session.nasId ?? request.nasId,
        inputOctets: Math.max(session.inputOctets, request.inputOctets ?? 0),
        outputOctets: Math.max(session.outputOctets, request.outputOctets ?? 0),
        sessionTimeSec: Math.max(session.sessionTimeSec, request.sessionTimeSec ?? 0),
        lastAcctAt: now,
        ...(request.kind === 'stop' && session.endedAt === undefined && { endedAt: now, endReason: 'stop' }),
      };
      await this.store.redemptions.putSession(updated);
      return { known: true, ended: updated.endedAt !== undefined || updated.deadline <= now };
    }
    const ended: SessionRecord[] = [];
    const result = await this.store.redemptions.withVoucher(request.siteId, { voucherId: session.voucherId }, (state) => {
      if (!state) {
        return { result: { known: true, ended: true } };
      }
      const work = new VoucherWork(state, now);
      const answer = accountIn(work, session, request, request.nasId);
      ended.push(...work.ended);
      return { change: work.change(), result: { known: true, ...answer } };
    });
    this.announce(ended);
    return result;
  }

  /** A client leaving through the portal's logout: allowed only where its voucher allows it. */
  async logout(siteId: string, clientMac: string, code?: string): Promise<number> {
    const mac = normalizeMac(clientMac) ?? clientMac.toUpperCase();
    const open = (await this.store.redemptions.openSessionsOf(siteId, mac)).filter(
      (s) => code === undefined || s.code === code.trim().toUpperCase(),
    );
    if (open.length === 0) throw new OmadaError(Errors.CLIENT_NOT_EXIST);
    let count = 0;
    for (const session of open) {
      if (await this.endSession(session, 'logout', true)) count++;
    }
    return count;
  }

  /**
   * A NAS saying it started or stopped accounting (Accounting-On/Off, as it boots or shuts down)
   * has dropped its clients: their voucher sessions end now, which stops usage clocks and frees
   * online places, and a client coming back signs in anew. The NAS is not told (it holds none of
   * them); an admin's authorization of a client is not a session of the NAS and stays. Answers
   * how many ended.
   */
  async endSessionsOfNas(siteId: string, nasId: string): Promise<number> {
    let count = 0;
    for (const session of await this.store.redemptions.openVoucherSessionsOfNas(siteId, nasId)) {
      if (await this.endSession(session, 'nas-restart', false, false)) count++;
    }
    return count;
  }

  /** Ends a session (an admin's disconnect); the gateway is told to drop it. */
  async disconnect(siteId: string, id: string): Promise<void> {
    const session = await this.store.redemptions.getSession(siteId, id);
    if (!session) throw new OmadaError(Errors.CLIENT_NOT_EXIST);
    await this.endSession(session, 'admin', false);
  }

  /** Moves a live session's end `periodMs` later. */
  async extend(siteId: string, id: string, periodMs: number): Promise<void> {
    const session = await this.store.redemptions.getSession(siteId, id);
    const now = this.clock.now();
    if (!session || session.endedAt !== undefined || session.deadline <= now) throw new OmadaError(Errors.CLIENT_NOT_EXIST);
    if (session.voucherId === undefined) {
      await this.store.redemptions.putSession({ ...session, deadline: session.deadline + periodMs });
      return;
    }
    await this.store.redemptions.withVoucher(siteId, { voucherId: session.voucherId }, (state) => {
      if (!state) return { result: undefined };
      const work = new VoucherWork(state, now);
      const own = work.session(session.id);
      if (!own || own.endedAt !== undefined) return { result: undefined };
      own.deadline += periodMs;
      work.touchSession(own);
      return { change: work.change(), result: undefined };
    });
  }

  /** Deletes an authorization record, ending the session first when it is live. */
  async deleteRecord(siteId: string, id: string): Promise<void> {
    const session = await this.store.redemptions.getSession(siteId, id);
    if (!session) throw new OmadaError(Errors.CLIENT_NOT_EXIST);
    await this.endSession(session, 'admin', false);
    await this.store.redemptions.deleteSession(siteId, id);
  }

  /** Lets a client in without a voucher, for the configured time (an admin's authorization). */
  async authorize(siteId: string, clientMac: string): Promise<SessionRecord> {
    const mac = normalizeMac(clientMac);
    if (!mac) throw invalidField('clientMac must be a MAC address such as AA-BB-CC-DD-EE-FF.');
    const now = this.clock.now();
    const deadline = now + this.settings.adminAuthMinutes * 60_000;
    const existing = (await this.store.redemptions.openSessionsOf(siteId, mac)).find(
      (s) => s.voucherId === undefined && s.deadline > now,
    );
    const session: SessionRecord = existing
      ? { ...existing, deadline: Math.max(existing.deadline, deadline) }
      : newSession({
          id: newId(this.clock, this.random),
          siteId,
          voucherId: undefined,
          groupId: undefined,
          code: undefined,
          clientMac: mac,
          authType: 10,
          via: 'admin',
          startedAt: now,
          deadline,
        });
    await this.store.redemptions.putSession(session);
    return session;
  }

  /** Ends every session of a client in the site, whatever let it in. */
  async unauthorize(siteId: string, clientMac: string): Promise<number> {
    const mac = normalizeMac(clientMac);
    if (!mac) throw invalidField('clientMac must be a MAC address such as AA-BB-CC-DD-EE-FF.');
    const open = await this.store.redemptions.openSessionsOf(siteId, mac);
    let count = 0;
    for (const session of open) if (await this.endSession(session, 'admin', false)) count++;
    if (count === 0) throw new OmadaError(Errors.CLIENT_NOT_EXIST);
    return count;
  }

  // ---- inside ------------------------------------------------------------------------------------

  /** Ends one session, telling its gateway unless `tellGateway` is false; answers whether it was still open. */
  private async endSession(
    session: SessionRecord,
    reason: 'logout' | 'admin' | 'nas-restart',
    onlyWhereAllowed: boolean,
    tellGateway = true,
  ): Promise<boolean> {
    const now = this.clock.now();
    if (session.voucherId === undefined) {
      if (session.endedAt !== undefined) return false;
      const ended = { ...session, endedAt: Math.min(now, session.deadline), endReason: reason };
      await this.store.redemptions.putSession(ended);
      if (session.deadline > now) this.announce([ended]);
      return session.deadline > now;
    }
    const endedNow: SessionRecord[] = [];
    const wasOpen = await this.store.redemptions.withVoucher(session.siteId, { voucherId: session.voucherId }, (state) => {
      if (!state) return { result: false };
      const work = new VoucherWork(state, now);
      const own = work.session(session.id);
      if (!own || own.endedAt !== undefined) return { change: work.change(), result: false };
      if (onlyWhereAllowed && !work.group.logout) throw new OmadaError(Errors.PORTAL_LOGOUT_FORBIDDEN);
      work.end(own, now, reason, tellGateway);
      endedNow.push(...work.ended);
      return { change: work.change(), result: true };
    });
    this.announce(endedNow);
    return wasOpen;
  }

  private announce(sessions: readonly SessionRecord[]): void {
    for (const session of sessions) for (const listener of this.listeners) listener(session);
  }

  private async sessionFor(request: AccountingRequest): Promise<SessionRecord | undefined> {
    const mac = request.clientMac === undefined ? undefined : (normalizeMac(request.clientMac) ?? request.clientMac.toUpperCase());
    // The Class of the Access-Accept names the session exactly: of this site, and of this client.
    if (request.sessionId !== undefined) {
      const named = await this.store.redemptions.getSession(request.siteId, request.sessionId);
      if (named && (mac === undefined || named.clientMac === mac)) return named;
    }
    const byId = await this.store.redemptions.findByAcctSessionId(request.nasId, request.acctSessionId);
    if (byId) return byId;
    if (mac === undefined) return undefined;
    const code = request.code?.trim().toUpperCase();
    const open = await this.store.redemptions.openSessionsOf(request.siteId, mac);
    // A Start names its session for the first time: it belongs to the client's open session of that code.
    return open.find(
      (s) =>
        (s.acctSessionId === undefined || s.acctSessionId === request.acctSessionId) &&
        (code === undefined || s.code === code || s.voucherId === undefined),
    );
  }

  /** A MAC an admin authorized, asking with its own MAC as the user name (MAC authentication). */
  private async adminGrant(siteId: string, code: string, mac: string, now: number): Promise<Grant | undefined> {
    if (normalizeMac(code) !== mac) return undefined;
    const admin = (await this.store.redemptions.openSessionsOf(siteId, mac)).find(
      (s) => s.voucherId === undefined && s.deadline > now,
    );
    if (!admin) return undefined;
    return {
      sessionId: admin.id,
      voucherId: '',
      code: mac,
      clientMac: mac,
      sessionTimeoutSec: Math.max(1, Math.floor((admin.deadline - now) / 1000)),
      deadline: admin.deadline,
      downLimitKbps: undefined,
      upLimitKbps: undefined,
      trafficLeftBytes: undefined,
      logout: true,
    };
  }

  private throttleKeys(siteId: string, mac: string, address: string | undefined) {
    const keys: { key: string; limit: number }[] = [];
    if (this.settings.failuresPerClient > 0) {
      keys.push({ key: bucketKey({ bucket: 'redeem-client', subject: `${siteId}|${mac}` }), limit: this.settings.failuresPerClient });
    }
    if (address !== undefined && this.settings.failuresPerAddress > 0) {
      keys.push({ key: bucketKey({ bucket: 'redeem-address', subject: address }), limit: this.settings.failuresPerAddress });
    }
    return keys;
  }

  /** Whether the wrong codes of this and the previous window reached a limit; nothing is looked up then. */
  private async throttled(keys: readonly { key: string; limit: number }[]): Promise<boolean> {
    if (keys.length === 0) return false;
    const now = this.clock.now();
    const from = now - (now % THROTTLE_WINDOW_MS) - THROTTLE_WINDOW_MS;
    const local = this.store.dialect === 'sqlite';
    if (local) await (this.failuresLoaded ??= this.loadFailures(from));
    for (const { key, limit } of keys) {
      if (local && !((this.failures.get(key) ?? Number.NEGATIVE_INFINITY) >= from)) continue;
      if ((await this.store.rateLimits.count(key, from)) >= limit) return true;
    }
    return false;
  }

  /**
   * On SQLite one process serves the database, so the wrong codes it counted — with those a
   * previous process counted in the windows still open, read once here — are all there are: a
   * client that has none is let through without asking the database. On PostgreSQL other
   * instances count too, and the database is always asked.
   */
  private async loadFailures(from: number): Promise<void> {
    for (const [key, windowStart] of await this.store.rateLimits.latestSince('redeem-', from)) {
      this.failures.set(key, Math.max(windowStart, this.failures.get(key) ?? windowStart));
    }
  }

  private async countFailure(keys: readonly { key: string; limit: number }[]): Promise<void> {
    const now = this.clock.now();
    const windowStart = now - (now % THROTTLE_WINDOW_MS);
    const before = windowStart - THROTTLE_WINDOW_MS;
    if (before > this.prunedBefore) {
      this.prunedBefore = before;
      await this.store.rateLimits.prune(before);
    }
    for (const { key } of keys) {
      await this.store.rateLimits.hit(key, windowStart);
      this.failures.set(key, windowStart);
    }
    if (this.failures.size > 100_000) {
      for (const [key, at] of this.failures) if (at < before) this.failures.delete(key);
    }
  }

  // ---- the Open API's authorization records --------------------------------------------------------

  /** A page of the site's authorization records, live and past. */
  list(siteId: string, query: SessionQuery): Promise<Page<SessionRecord>> {
    return this.store.redemptions.listSessions(siteId, query);
  }

  /**
   * Deletes the site's ended or expired records that started within [startSec, endSec], whole
   * seconds (the end second included); answers how many went.
   */
  async deleteInvalid(siteId: string, startSec: number, endSec: number, searchKey?: string): Promise<number> {
    if (startSec > endSec) throw invalidField('start must not be later than end.');
    const now = this.clock.now();
    // A session whose time ran out unseen is first ended at its deadline, so its time is spent
    // from its voucher's clocks before the record goes.
    for (const voucherId of await this.store.redemptions.vouchersWithSessionsDue(siteId, now)) {
      await this.store.redemptions.withVoucher(siteId, { voucherId }, (state) =>
        state ? { change: new VoucherWork(state, now).change(), result: undefined } : { result: undefined },
      );
    }
    return this.store.redemptions.deleteInvalidSessions(siteId, startSec * 1000, endSec * 1000 + 999, searchKey, now);
  }

  /** Tells the gateways to drop sessions ended outside a step on a voucher (its deletion). */
  announceEnded(sessions: readonly SessionRecord[]): void {
    this.announce(sessions);
  }
}

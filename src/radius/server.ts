import { createHash } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import type { DecodedPacket } from 'radius';
import { normalizeMac, REJECT_MESSAGES, type RedemptionService } from '../domain/redemption.js';
import type { NasRecord, NasRepository, SessionRecord } from '../store/port.js';
import { grantAttributes } from './attributes.js';
import { Disconnector, type DisconnectOptions } from './disconnect.js';
import { DuplicateCache } from './duplicates.js';
import { NasDirectory, type NasDirectoryOptions } from './nas-directory.js';
import type { RadiusPacketType, RadiusRedemptionResult } from './shared-counts.js';
import {
  Attr,
  attributeValues,
  chapMatches,
  checkMessageAuthenticator,
  checkRequestAuthenticator,
  Code,
  decode,
  decryptPassword,
  encodeReply,
  frame,
  type Reply,
} from './packet.js';

/** What the RADIUS front door needs of the redemption engine. */
export type RedemptionEngine = Pick<RedemptionService, 'redeem' | 'account' | 'endSessionsOfNas' | 'onSessionEnded'>;

export interface RadiusSettings {
  /** The address to listen on (HOST). */
  readonly host: string;
  /** UDP ports; 0 leaves that service off. */
  readonly authPort: number;
  readonly acctPort: number;
  /** Acct-Interim-Interval sent in every Access-Accept; 0 sends none. */
  readonly interimIntervalSec: number;
}

/** What the front door logs through: pino's methods, called with an object and a message. */
export interface RadiusLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** The counters the front door moves (see Metrics). */
export interface RadiusCounters {
  readonly radiusPackets: { inc(labels: { type: RadiusPacketType }): void };
  readonly redemptions: { inc(labels: { result: RadiusRedemptionResult }): void };
}

export interface RadiusDeps {
  /** The NAS clients are read through `list` (see NasDirectory). */
  readonly nas: Pick<NasRepository, 'list'>;
  readonly redemption: RedemptionEngine;
  readonly logger: RadiusLogger;
  readonly metrics: RadiusCounters;
  readonly settings: RadiusSettings;
  /**
   * Sends a reply: at once when absent. The RADIUS thread sends its replies only once what it
   * logged for them is on its way to the main thread (what it counted for them, it counted in
   * memory the main thread reads: see shared-counts.ts), so a client that has its answer finds it
   * counted and logged.
   */
  readonly sendReply?: (send: () => void) => void;
  /** Tests shorten these. */
  readonly directory?: NasDirectoryOptions;
  readonly disconnect?: DisconnectOptions;
}

const MISSING_MAC_MESSAGE = 'The client MAC address (Calling-Station-Id) is missing.';
/** User-Name holds a voucher code, or a MAC for MAC authentication: nothing else reaches the engine. */
const USER_NAME = /^[A-Za-z0-9:.-]{1,64}$/;
const GIGAWORD = 2 ** 32;
/** sessions.acct_session_id holds 64 characters. */
const MAX_ACCT_SESSION_ID = 64;
/** A Class voucherd sent: a session's id. Anything else a gateway sends there is not ours. */
const SESSION_ID = /^[0-9a-f]{24}$/;
/**
 * The receive buffer each socket asks for (octets). The kernel counts a small datagram as about a
 * kilobyte, so the usual default (about 200 kB) drops what comes past a few hundred requests
 * waiting to be read: a burst from gateways (clients coming back after an outage, a NAS
 * restarting) while the thread is busy for a few milliseconds. The system may grant less (Linux:
 * net.core.rmem_max); a system that refuses keeps its default.
 */
const RECEIVE_BUFFER = 4 * 1024 * 1024;

/** A Disconnect-Request for a session ended by accounting is not sent again within this time (ms). */
const DISCONNECT_MEMORY_MS = 10_000;

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const integer = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
/** An attribute sent twice decodes to an array; the first counts. */
const first = (value: unknown): unknown => (Array.isArray(value) ? value[0] : value);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A decrypted User-Password as text; undefined when it is not UTF-8 or holds control
 * characters, which is what a password decrypted with the wrong secret mostly looks like.
 */
function passwordText(bytes: Buffer): string | undefined {
  let decoded: string;
  try {
    decoded = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  return /[\u0000-\u001f\u007f-\u009f]/.test(decoded) ? undefined : decoded;
}

/** `::ffff:a.b.c.d` as `a.b.c.d`, so IPv4 NAS entries match on a dual-stack socket. */
export const sourceAddress = (address: string) => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

/** Acct-Session-Id as stored: kept when it fits the column, else a digest of it. */
function acctSessionKey(id: string): string {
  return id.length <= MAX_ACCT_SESSION_ID ? id : `#${createHash('sha256').update(id).digest('hex').slice(0, MAX_ACCT_SESSION_ID - 1)}`;
}

/** Called-Station-Id is the AP's MAC, often followed by `:SSID`. */
function calledStation(value: string | undefined): { apMac?: string; ssid?: string } {
  if (value === undefined) return {};
  const match = /^([0-9A-Fa-f]{2}(?:[-:]?[0-9A-Fa-f]{2}){5})(?::(.{1,32}))?$/.exec(value);
  if (!match) return {};
  const apMac = normalizeMac(match[1]!);
  return { ...(apMac && { apMac }), ...(match[2] !== undefined && { ssid: match[2] }) };
}

interface Incoming {
  readonly socket: Socket;
  readonly packet: Buffer;
  readonly nas: NasRecord;
  /** The sender's address with IPv4-mapped IPv6 written as IPv4. */
  readonly source: string;
  readonly remote: RemoteInfo;
}

/**
 * voucherd's RADIUS front door: RFC 2865 authentication and RFC 2866 accounting over UDP for the
 * registered NAS clients, and RFC 5176 Disconnect-Requests to them when voucherd ends a session.
 * No packet can stop it: whatever fails to parse or check is dropped and counted, and nothing a
 * packet carries (codes, passwords, secrets, the bytes) reaches the log.
 */
export class RadiusServer {
  private readonly sockets: Socket[] = [];
  private readonly directory: NasDirectory;
  private readonly disconnector: Disconnector;
  private readonly duplicates = new DuplicateCache();
  /** Where each NAS's packets last came from: a NAS registered as a block is told there. */
  private readonly lastSource = new Map<string, string>();
  /** Sessions (by NAS and Acct-Session-Id) a Disconnect-Request went out for lately. */
  private readonly disconnected = new Map<string, number>();
  authPort: number | undefined;
  acctPort: number | undefined;

  private constructor(private readonly deps: RadiusDeps) {
    const onError = (error: unknown) => deps.logger.error({ err: error }, 'radius: reading the NAS clients failed');
    this.directory = new NasDirectory(deps.nas, onError, deps.directory);
    this.disconnector = new Disconnector((error) => deps.logger.warn({ err: error }, 'radius: disconnect socket error'), deps.disconnect);
  }

  /** Reads the NAS table and binds the ports that are not 0. */
  static async start(deps: RadiusDeps): Promise<RadiusServer> {
    const server = new RadiusServer(deps);
    try {
      await server.directory.start();
      const { host, authPort, acctPort } = deps.settings;
      if (authPort !== 0) server.authPort = await server.listen(host, authPort, 'auth');
      if (acctPort !== 0) server.acctPort = await server.listen(host, acctPort, 'acct');
      deps.redemption.onSessionEnded((session) => {
        void server.disconnectSession(session);
      });
    } catch (error) {
      await server.close();
      throw error;
    }
    return server;
  }

  async close(): Promise<void> {
    this.directory.stop();
    this.disconnector.close();
    await Promise.all(this.sockets.splice(0).map((socket) => new Promise<void>((done) => socket.close(() => done()))));
  }

  private listen(host: string, port: number, service: 'auth' | 'acct'): Promise<number> {
    // A dual-stack socket for an IPv6 host; IPv4 sources then arrive as ::ffff:a.b.c.d.
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
    this.sockets.push(socket);
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port, address: host }, () => {
        socket.off('error', reject);
        try {
          socket.setRecvBufferSize(RECEIVE_BUFFER);
        } catch {
          // The system's default stays.
        }
        socket.on('error', (error) => this.deps.logger.error({ err: error, service }, 'radius: socket error'));
        socket.on('message', (message, remote) => this.receive(socket, service, message, remote));
        resolve(socket.address().port);
      });
    });
  }

  private count(type: RadiusPacketType): void {
    this.deps.metrics.radiusPackets.inc({ type });
  }

  private drop(type: RadiusPacketType, source: string, reason: string): void {
    this.count(type);
    this.deps.logger.debug({ source, reason }, 'radius: packet dropped');
  }

  private receive(socket: Socket, service: 'auth' | 'acct', message: Buffer, remote: RemoteInfo): void {
    this.handle(socket, service, message, remote).catch((error: unknown) => {
      this.count('error');
      this.deps.logger.error({ err: error, service, source: sourceAddress(remote.address) }, 'radius: handling a packet failed');
    });
  }

  private async handle(socket: Socket, service: 'auth' | 'acct', message: Buffer, remote: RemoteInfo): Promise<void> {
    const source = sourceAddress(remote.address);
    const nas = this.directory.lookupNow(source) ?? (await this.directory.lookup(source));
    if (!nas) return this.drop('dropped', source, 'unknown NAS');
    const packet = frame(message);
    if (!packet) return this.drop('malformed', source, 'malformed packet');

    const code = packet[0];
    const accepted = service === 'auth' ? code === Code.ACCESS_REQUEST : code === Code.ACCOUNTING_REQUEST;
    if (!accepted && code !== Code.STATUS_SERVER) return this.drop('unsupported', source, `code ${code} on the ${service} port`);

    // Authentic before anything else: a packet that fails here is dropped without an answer.
    const messageAuthenticator = checkMessageAuthenticator(packet, nas.secret);
    if (messageAuthenticator === 'invalid') return this.drop('bad-authenticator', source, 'Message-Authenticator mismatch');
    if (code === Code.ACCOUNTING_REQUEST && !checkRequestAuthenticator(packet, nas.secret)) {
      return this.drop('bad-authenticator', source, 'Request Authenticator mismatch');
    }
    if (messageAuthenticator === 'absent' && (code === Code.STATUS_SERVER || (code === Code.ACCESS_REQUEST && nas.requireMessageAuthenticator))) {
      return this.drop('missing-message-authenticator', source, 'Message-Authenticator required');
    }

    this.lastSource.set(nas.id, source);
    const incoming: Incoming = { socket, packet, nas, source, remote };
    const key = DuplicateCache.key(source, remote.port, packet);
    const seen = this.duplicates.begin(key);
    if (seen.seen) {
      this.count('duplicate');
      if (seen.reply) this.send(incoming, seen.reply);
      return;
    }
    let reply: Buffer | undefined;
    try {
      reply = await this.answer(incoming, service);
    } catch (error) {
      // Unanswered, so the NAS sends it again; that copy is handled anew.
      this.duplicates.forget(key);
      throw error;
    }
    this.duplicates.finish(key, reply);
    if (reply) this.send(incoming, reply);
  }

  private send(incoming: Incoming, reply: Buffer): void {
    const send = () =>
      incoming.socket.send(reply, incoming.remote.port, incoming.remote.address, (error) => {
        if (error) this.deps.logger.warn({ err: error, source: incoming.source }, 'radius: sending a reply failed');
      });
    if (this.deps.sendReply) this.deps.sendReply(send);
    else send();
  }

  /** The reply to an authentic request, encoded; undefined to send none. */
  private async answer(incoming: Incoming, service: 'auth' | 'acct'): Promise<Buffer | undefined> {
    const { packet, nas } = incoming;
    let attributes: DecodedPacket['attributes'];
    try {
      attributes = decode(packet).attributes;
    } catch {
      this.drop('malformed', incoming.source, 'undecodable attributes');
      return undefined;
    }
    let reply: Reply | undefined;
    if (packet[0] === Code.STATUS_SERVER) {
      this.count('status-server');
      // RFC 5997 §3: Access-Accept on the authentication port, Accounting-Response on accounting.
      reply = { code: service === 'auth' ? 'Access-Accept' : 'Accounting-Response', attributes: [], messageAuthenticator: true };
    } else if (packet[0] === Code.ACCESS_REQUEST) {
      this.count('access-request');
      reply = await this.authenticate(packet, nas, attributes);
      if (!reply) {
        this.drop('bad-authenticator', incoming.source, 'User-Password does not decrypt to text (a wrong shared secret?)');
        return undefined;
      }
    } else {
      this.count('accounting-request');
      await this.account(incoming, attributes);
      reply = { code: 'Accounting-Response', attributes: [], messageAuthenticator: false };
    }
    this.count(reply.code === 'Access-Accept' ? 'access-accept' : reply.code === 'Access-Reject' ? 'access-reject' : 'accounting-response');
    return encodeReply(packet, nas.secret, reply);
  }

  private reject(message: string): Reply {
    return { code: 'Access-Reject', attributes: [['Reply-Message', message]], messageAuthenticator: true };
  }

  /**
   * Whether the password sent (PAP or CHAP) is the voucher code itself, as gateways send it.
   * 'garbled' when a PAP password does not decrypt to text: the NAS's secret is not ours.
   */
  private checkPassword(packet: Buffer, secret: string, userName: string): 'match' | 'mismatch' | 'garbled' {
    const authenticator = packet.subarray(4, 20);
    const [pap] = attributeValues(packet, Attr.USER_PASSWORD);
    if (pap) {
      const decrypted = decryptPassword(pap, secret, authenticator);
      const password = decrypted && passwordText(decrypted);
      if (password === undefined) return 'garbled';
      return password.trim().toUpperCase() === userName.toUpperCase() ? 'match' : 'mismatch';
    }
    const [chap] = attributeValues(packet, Attr.CHAP_PASSWORD);
    if (chap) {
      const [challenge] = attributeValues(packet, Attr.CHAP_CHALLENGE);
      return [userName, userName.toUpperCase()].some((password) => chapMatches(chap, challenge ?? authenticator, password)) ? 'match' : 'mismatch';
    }
    return 'mismatch';
  }

  /** The reply to an Access-Request; undefined to drop it. */
  private async authenticate(packet: Buffer, nas: NasRecord, attributes: DecodedPacket['attributes']): Promise<Reply | undefined> {
    const userName = text(first(attributes['User-Name']))?.trim() ?? '';
    const password = this.checkPassword(packet, nas.secret, userName);
    if (password === 'garbled') return undefined;
    // A password that is not the code hits nothing: no use is taken and no guess is counted.
    if (!USER_NAME.test(userName) || password === 'mismatch') {
      this.deps.metrics.redemptions.inc({ result: 'code-incorrect' });
      return this.reject(REJECT_MESSAGES['code-incorrect']);
    }
    const callingStation = text(first(attributes['Calling-Station-Id']));
    const clientMac = callingStation === undefined ? undefined : normalizeMac(callingStation);
    if (!clientMac) {
      this.deps.metrics.redemptions.inc({ result: 'no-client-mac' });
      return this.reject(MISSING_MAC_MESSAGE);
    }
    const framedIp = text(first(attributes['Framed-IP-Address']));
    const clientIp = framedIp !== undefined && isIPv4(framedIp) ? framedIp : undefined;
    const outcome = await this.deps.redemption.redeem({
      siteId: nas.siteId,
      code: userName,
      clientMac,
      via: 'radius',
      nasId: nas.id,
      clientIp,
      address: clientIp,
      ...calledStation(text(first(attributes['Called-Station-Id']))),
    });
    if (!outcome.ok) {
      this.deps.metrics.redemptions.inc({ result: outcome.reason });
      return this.reject(REJECT_MESSAGES[outcome.reason]);
    }
    this.deps.metrics.redemptions.inc({ result: 'accepted' });
    return { code: 'Access-Accept', attributes: grantAttributes(outcome.grant, this.deps.settings.interimIntervalSec), messageAuthenticator: true };
  }

  private async account(incoming: Incoming, attributes: DecodedPacket['attributes']): Promise<void> {
    const { nas } = incoming;
    const status = first(attributes['Acct-Status-Type']);
    // The NAS (re)starting or stopping accounting: the clients it had are gone with their sessions.
    if (status === 'Accounting-On' || status === 'Accounting-Off') {
      const ended = await this.deps.redemption.endSessionsOfNas(nas.siteId, nas.id);
      this.deps.logger.info({ nas: nas.id, status, ended }, 'radius: the NAS started or stopped accounting; its sessions ended');
      return;
    }
    const kind = status === 'Start' ? 'start' : status === 'Interim-Update' ? 'interim' : status === 'Stop' ? 'stop' : undefined;
    const sessionId = text(first(attributes['Acct-Session-Id']));
    // Other status types are acknowledged and otherwise ignored.
    if (kind === undefined || sessionId === undefined || sessionId === '') return;
    const octets = (name: 'Input' | 'Output') => {
      const low = integer(first(attributes[`Acct-${name}-Octets`]));
      const high = integer(first(attributes[`Acct-${name}-Gigawords`])) ?? 0;
      return low === undefined ? undefined : high * GIGAWORD + low;
    };
    const userName = text(first(attributes['User-Name']))?.trim();
    const callingStation = text(first(attributes['Calling-Station-Id']));
    const framedIp = text(first(attributes['Framed-IP-Address']));
    const acctSessionId = acctSessionKey(sessionId);
    const classValue = first(attributes.Class);
    const sessionClass = Buffer.isBuffer(classValue) ? classValue.toString('latin1') : undefined;
    const result = await this.deps.redemption.account({
      siteId: nas.siteId,
      nasId: nas.id,
      kind,
      acctSessionId,
      code: userName !== undefined && USER_NAME.test(userName) ? userName : undefined,
      clientMac: callingStation === undefined ? undefined : normalizeMac(callingStation),
      sessionTimeSec: integer(first(attributes['Acct-Session-Time'])),
      inputOctets: octets('Input'),
      outputOctets: octets('Output'),
      clientIp: framedIp !== undefined && isIPv4(framedIp) ? framedIp : undefined,
      sessionId: sessionClass !== undefined && SESSION_ID.test(sessionClass) ? sessionClass : undefined,
    });
    // A session voucherd has ended that the gateway still reports on: tell it again to drop it.
    if (result.ended && kind !== 'stop') {
      const key = `${nas.id}|${acctSessionId}`;
      if (!this.recentlyDisconnected(key)) {
        void this.disconnect(nas, {
          userName,
          callingStationId: callingStation,
          acctSessionId: sessionId,
          framedIp,
        }, key);
      }
    }
  }

  private recentlyDisconnected(key: string): boolean {
    const now = Date.now();
    for (const [entry, at] of this.disconnected) {
      if (at > now - DISCONNECT_MEMORY_MS) break;
      this.disconnected.delete(entry);
    }
    return this.disconnected.has(key);
  }

  /** Tells the session's NAS to drop it (RFC 5176), when the NAS takes Disconnect-Requests. */
  private async disconnectSession(session: SessionRecord): Promise<void> {
    if (session.nasId === undefined) return;
    let nas = this.directory.byId(session.nasId);
    if (!nas) {
      await this.directory.reload().catch(() => undefined);
      nas = this.directory.byId(session.nasId);
    }
    if (!nas) return;
    await this.disconnect(
      nas,
      {
        userName: session.code,
        callingStationId: session.clientMac,
        // Stored ids longer than the column are digests, which the NAS would not know.
        acctSessionId: session.acctSessionId?.startsWith('#') ? undefined : session.acctSessionId,
        framedIp: session.clientIp,
      },
      session.acctSessionId === undefined ? undefined : `${nas.id}|${session.acctSessionId}`,
    );
  }

  private async disconnect(
    nas: NasRecord,
    session: { userName: string | undefined; callingStationId: string | undefined; acctSessionId: string | undefined; framedIp: string | undefined },
    key: string | undefined,
  ): Promise<void> {
    if (nas.disconnectPort === undefined) return;
    // A NAS registered as a block is told at the address its packets last came from.
    const address = nas.address.includes('/') ? this.lastSource.get(nas.id) : nas.address;
    if (address === undefined) {
      this.deps.logger.warn({ nas: nas.id }, 'radius: no address to send a Disconnect-Request to');
      return;
    }
    if (key !== undefined) this.disconnected.set(key, Date.now());
    this.count('disconnect-request');
    const outcome = await this.disconnector.send({ address, port: nas.disconnectPort, secret: nas.secret, ...session });
    if (outcome === 'ack') this.count('disconnect-ack');
    else if (outcome === 'nak') this.count('disconnect-nak');
    this.deps.logger.info({ nas: nas.id, outcome }, 'radius: Disconnect-Request sent');
  }
}

import { createSocket, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import type { AttributeSpec } from 'radius';
import { checkResponseAuthenticator, Code, encodeServerRequest, frame } from './packet.js';

/** Who to tell, and what names the session to drop (RFC 5176 §3: session identification). */
export interface DisconnectTarget {
  readonly address: string;
  readonly port: number;
  readonly secret: string;
  /** The voucher code the session was opened with. */
  readonly userName: string | undefined;
  /** AA-BB-CC-DD-EE-FF. */
  readonly callingStationId: string | undefined;
  readonly acctSessionId: string | undefined;
  readonly framedIp: string | undefined;
}

export type DisconnectOutcome = 'ack' | 'nak' | 'timeout' | 'error';

export interface DisconnectOptions {
  /** How long to wait for an answer before sending again (ms). */
  readonly timeoutMs?: number;
  /** Sends in all, the first included. */
  readonly attempts?: number;
}

interface Pending {
  readonly request: Buffer;
  readonly secret: string;
  readonly done: (outcome: DisconnectOutcome) => void;
}

/**
 * Sends RFC 5176 Disconnect-Requests to gateways, from a socket of its own per address family,
 * and matches their Disconnect-ACK/NAK by source and Identifier (checking the Response
 * Authenticator). Sent again when unanswered, with the same Identifier and authenticator.
 */
export class Disconnector {
  private readonly sockets = new Map<4 | 6, Socket>();
  private readonly pending = new Map<string, Pending>();
  private nextIdentifier = 0;
  private closed = false;

  constructor(
    private readonly onError: (error: unknown) => void,
    private readonly options: DisconnectOptions = {},
  ) {}

  async send(target: DisconnectTarget): Promise<DisconnectOutcome> {
    if (this.closed) return 'error';
    const family = isIPv4(target.address) ? 4 : isIPv6(target.address) ? 6 : undefined;
    if (family === undefined) return 'error';
    const socket = this.socket(family);
    const attributes: AttributeSpec[] = [];
    if (target.userName !== undefined) attributes.push(['User-Name', target.userName]);
    if (target.callingStationId !== undefined) attributes.push(['Calling-Station-Id', target.callingStationId]);
    if (target.acctSessionId !== undefined) attributes.push(['Acct-Session-Id', target.acctSessionId]);
    if (target.framedIp !== undefined && isIPv4(target.framedIp)) attributes.push(['Framed-IP-Address', target.framedIp]);

    // An Identifier not in flight to this address and port.
    let identifier = -1;
    for (let tries = 0; tries < 256; tries++) {
      const candidate = this.nextIdentifier;
      this.nextIdentifier = (this.nextIdentifier + 1) % 256;
      if (!this.pending.has(this.key(target.address, target.port, candidate))) {
        identifier = candidate;
        break;
      }
    }
    if (identifier < 0) return 'error';
    const request = encodeServerRequest('Disconnect-Request', identifier, attributes, target.secret);
    const key = this.key(target.address, target.port, identifier);
    const attempts = this.options.attempts ?? 3;
    const timeoutMs = this.options.timeoutMs ?? 1000;

    return new Promise<DisconnectOutcome>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let sent = 0;
      const finish = (outcome: DisconnectOutcome) => {
        clearTimeout(timer);
        this.pending.delete(key);
        resolve(outcome);
      };
      const attempt = () => {
        if (this.closed) return finish('error');
        if (sent === attempts) return finish('timeout');
        sent++;
        socket.send(request, target.port, target.address, (error) => {
          if (error) this.onError(error);
        });
        timer = setTimeout(attempt, timeoutMs);
        timer.unref();
      };
      this.pending.set(key, { request, secret: target.secret, done: finish });
      attempt();
    });
  }

  close(): void {
    this.closed = true;
    for (const pending of [...this.pending.values()]) pending.done('error');
    for (const socket of this.sockets.values()) socket.close();
    this.sockets.clear();
  }

  private key(address: string, port: number, identifier: number): string {
    return `${address}|${port}|${identifier}`;
  }

  private socket(family: 4 | 6): Socket {
    let socket = this.sockets.get(family);
    if (!socket) {
      socket = createSocket(family === 4 ? 'udp4' : 'udp6');
      socket.on('error', this.onError);
      socket.on('message', (message, remote) => this.answer(message, remote.address.replace(/^::ffff:(?=\d+\.)/, ''), remote.port));
      socket.unref();
      this.sockets.set(family, socket);
    }
    return socket;
  }

  private answer(message: Buffer, address: string, port: number): void {
    const packet = frame(message);
    if (!packet) return;
    const pending = this.pending.get(this.key(address, port, packet[1]!));
    if (!pending || !checkResponseAuthenticator(packet, pending.request, pending.secret)) return;
    if (packet[0] === Code.DISCONNECT_ACK) pending.done('ack');
    else if (packet[0] === Code.DISCONNECT_NAK) pending.done('nak');
  }
}

/**
 * Shared pieces of the RADIUS suites (radius-*.test.ts): a real `node dist/server.js` with its
 * RADIUS ports on free loopback UDP ports, Debian's `radclient` to talk to it as a gateway would,
 * and a small UDP client (npm `radius`) for what radclient cannot do: pick the source address,
 * send the very same bytes twice, or send broken packets.
 */
import { spawn } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import radius from 'radius';
import { expect } from 'vitest';
import type { Grant } from '../src/domain/redemption.js';
import { loadDictionaries } from '../src/radius/dictionaries.js';
import { run, ServerProcess, tempDir, within, type CliResult } from './process-helpers.js';
import { TEST_DATABASE_URL } from './test-store.js';

export const OMADAC_ID = '0123456789abcdef0123456789abcdef';
const CLIENT_ID = 'radius-test-client';
const CLIENT_SECRET = 'radius-test-secret';
export const NAS_SECRET = 'testing123';

/** The Reply-Message of each refusal, written out rather than imported so a typo fails a test. */
export const MESSAGES = {
  codeIncorrect: 'The voucher code is incorrect.',
  expired: 'The voucher has expired.',
  trafficExceeded: 'The voucher has used up its traffic.',
  userLimit: 'The number of users of this voucher has reached the limit.',
  notEffective: 'The voucher is not effective at this time.',
  throttled: 'Too many wrong codes. Please try again later.',
};

export const SITE = {
  name: 'Radius Cafe',
  region: 'United States',
  timeZone: 'UTC',
  scenario: 'Restaurant',
  deviceAccountSetting: { username: 'admin', password: 'Tr0ub4dor&3x' },
};

/** A voucher group body: one voucher, 60 minutes, no limits, unless overridden. */
export const GROUP = {
  amount: 1,
  codeLength: 8,
  codeForm: [0],
  limitType: 2,
  durationType: 0,
  duration: 60,
  timingType: 0,
  rateLimit: { mode: 0, customRateLimit: { downLimitEnable: false, upLimitEnable: false } },
  trafficLimitEnable: false,
  applyToAllPortals: true,
};

/** A grant as the engine answers one (no limits), for tests of what the RADIUS front door makes of it. */
export const GRANT: Grant = {
  sessionId: '0123456789abcdef01234567',
  voucherId: '76543210fedcba9876543210',
  code: 'ABCD1234',
  clientMac: 'AA-BB-CC-00-00-01',
  sessionTimeoutSec: 3600,
  deadline: 0,
  downLimitKbps: undefined,
  upLimitKbps: undefined,
  trafficLeftBytes: undefined,
  logout: false,
};

/** A UDP port nobody listens on right now. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** A dictionary naming ChilliSpot-Max-Total-Gigawords, which Debian's freeradius dictionaries lack. */
function radclientDictionaryDir(): string {
  const dir = join(tempDir(), 'raddb');
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'dictionary'),
    'VENDOR ChilliSpot 14559\nBEGIN-VENDOR ChilliSpot\nATTRIBUTE ChilliSpot-Max-Total-Gigawords 23 integer\nEND-VENDOR ChilliSpot\n',
  );
  return dir;
}

export interface RadclientReply {
  /** e.g. Access-Accept; undefined when no answer came. */
  readonly type: string | undefined;
  /** The reply's attributes as radclient prints them, quotes removed, in order. */
  readonly attributes: [string, string][];
  readonly output: string;
}

/** Parses `radclient -x` output: the attribute lines after "Received <type> Id …". */
export function parseRadclient(output: string): Omit<RadclientReply, 'output'> {
  const lines = output.split('\n');
  const start = lines.findIndex((line) => line.startsWith('Received '));
  if (start < 0) return { type: undefined, attributes: [] };
  const type = lines[start]!.split(' ')[1];
  const attributes: [string, string][] = [];
  for (const line of lines.slice(start + 1)) {
    const match = /^\t(\S+) = (.*)$/.exec(line);
    if (!match) break;
    attributes.push([match[1]!, match[2]!.replace(/^"(.*)"$/, '$1')]);
  }
  return { type, attributes };
}

/** Message-Authenticator values differ per packet: shown as a shape. */
export const withoutMessageAuthenticator = (attributes: [string, string][]) => {
  const ma = attributes.filter(([name]) => name === 'Message-Authenticator');
  expect(ma).toHaveLength(1);
  expect(ma[0]![1]).toMatch(/^0x[0-9a-f]{32}$/);
  return attributes.filter(([name]) => name !== 'Message-Authenticator');
};

/** A running voucherd with RADIUS on, its database, an admin token and a site. */
export class RadiusServer {
  private radclientDir: string | undefined;

  private constructor(
    readonly server: ServerProcess,
    readonly env: Record<string, string>,
    readonly authPort: number,
    readonly acctPort: number,
    readonly token: string,
    private readonly dropDatabase: () => Promise<void>,
  ) {}

  /** Starts voucherd (on a fresh PostgreSQL database when DATABASE_URL is set) with RADIUS on free ports. */
  static async start(extra: Record<string, string> = {}): Promise<RadiusServer> {
    let databaseUrl: string | undefined;
    let dropDatabase = async () => {};
    if (TEST_DATABASE_URL) {
      const name = `voucherd_radius_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const target = new URL(TEST_DATABASE_URL);
      target.pathname = `/${name}`;
      databaseUrl = target.toString();
      dropDatabase = async () => {
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        await client.query(`drop database if exists ${name} with (force)`);
        await client.end();
      };
    }
    const [authPort, acctPort] = [await freeUdpPort(), await freeUdpPort()];
    const env: Record<string, string> = {
      DATA_DIR: tempDir(),
      ...(databaseUrl && { DATABASE_URL: databaseUrl }),
      OMADAC_ID,
      BOOTSTRAP_CLIENT_ID: CLIENT_ID,
      BOOTSTRAP_CLIENT_SECRET: CLIENT_SECRET,
    };
    const server = await ServerProcess.start({
      ...env,
      RADIUS_AUTH_PORT: String(authPort),
      RADIUS_ACCT_PORT: String(acctPort),
      ...extra,
    });
    const { accessToken } = await server.accessToken(OMADAC_ID, CLIENT_ID, CLIENT_SECRET);
    return new RadiusServer(server, env, authPort, acctPort, accessToken, dropDatabase);
  }

  async stop(): Promise<void> {
    if (this.server.child.exitCode === null && this.server.child.signalCode === null) await this.server.stop();
    await this.dropDatabase();
  }

  async api(method: string, path: string, body?: unknown): Promise<{ errorCode: number; msg: string; result?: any }> {
    const answer = await this.server.request(method, `/openapi/v1/${OMADAC_ID}${path}`, {
      headers: { authorization: `AccessToken=${this.token}` },
      ...(body !== undefined && { body }),
    });
    const envelope = answer.body as { errorCode: number; msg: string; result?: unknown };
    expect(envelope.errorCode, JSON.stringify(answer)).toBe(0);
    return envelope;
  }

  async createSite(name: string): Promise<string> {
    return (await this.api('POST', '/sites', { ...SITE, name })).result.siteId as string;
  }

  /** Creates a group (GROUP with `overrides`) and answers its vouchers' ids and codes. */
  async createVouchers(siteId: string, name: string, overrides: Record<string, unknown> = {}) {
    const groupId = (await this.api('POST', `/sites/${siteId}/hotspot/voucher-groups`, { ...GROUP, name, ...overrides })).result.id as string;
    const detail = await this.api('GET', `/sites/${siteId}/hotspot/voucher-groups/${groupId}?page=1&pageSize=1000`);
    return (detail.result.data as { id: string; code: string }[]).map(({ id, code }) => ({ id, code }));
  }

  async voucher(siteId: string, voucherId: string): Promise<Record<string, unknown>> {
    return (await this.api('GET', `/sites/${siteId}/hotspot/vouchers/${voucherId}`)).result;
  }

  /** `voucherd …` against this server's database. */
  cli(args: string[]): Promise<CliResult> {
    return run(args, this.env);
  }

  /** `voucherd nas add … --json`, checked to succeed; answers the NAS as printed. */
  async addNas(siteId: string, address: string, ...options: string[]): Promise<Record<string, unknown>> {
    const result = await this.cli(['nas', 'add', '--site', siteId, '--address', address, '--secret', NAS_SECRET, ...options, '--json']);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(result.stdout) as Record<string, unknown>;
  }

  /** Runs radclient against the auth or acct port with one packet's attributes on stdin. */
  async radclient(
    command: 'auth' | 'acct' | 'status',
    attributes: string,
    { secret = NAS_SECRET, timeout = 1 }: { secret?: string; timeout?: number } = {},
  ): Promise<RadclientReply> {
    this.radclientDir ??= radclientDictionaryDir();
    const port = command === 'acct' ? this.acctPort : this.authPort;
    const child = spawn(
      'radclient',
      ['-d', this.radclientDir, '-x', '-t', String(timeout), '-r', '1', `127.0.0.1:${port}`, command, secret],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stdin.end(`${attributes}\n`);
    await within(new Promise((done) => child.once('close', done)), 15_000, () => `radclient did not finish:\n${output}`);
    return { ...parseRadclient(output), output };
  }

  /** Waits until the NAS at 127.0.0.1 is known to the server: Status-Server is answered. */
  async waitForNas(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const reply = await this.radclient('status', 'Message-Authenticator = 0x00', { timeout: 0.3 });
      if (reply.type === 'Access-Accept') return;
      if (Date.now() > deadline) throw new Error(`the NAS never became known:\n${reply.output}\n${this.server.output}`);
    }
  }

  /** The value of voucherd_radius_packets_total{type} (0 when it has no series yet). */
  async packets(type: string): Promise<number> {
    return this.metric(`voucherd_radius_packets_total{type="${type}"}`);
  }

  async metric(series: string): Promise<number> {
    const text = (await this.server.request('GET', '/metrics')).body as string;
    const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
    return line === undefined ? 0 : Number(line.split(' ')[1]);
  }
}

/** A UDP socket sending RADIUS packets from a chosen loopback address, and awaiting answers. */
export class UdpClient {
  private constructor(private readonly socket: Socket) {}

  static async open(address = '127.0.0.1', port = 0): Promise<UdpClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => resolve());
    });
    return new UdpClient(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Sends `packet` and answers the next datagram, or undefined after `waitMs` without one. */
  async exchange(packet: Buffer, port: number, waitMs = 700): Promise<Buffer | undefined> {
    const next = this.next(waitMs);
    this.socket.send(packet, port, '127.0.0.1');
    return next;
  }

  /** The next datagram (and where it came from), or undefined after `waitMs`. */
  next(waitMs: number): Promise<Buffer | undefined> {
    return this.nextWithSender(waitMs).then((got) => got?.message);
  }

  nextWithSender(waitMs: number): Promise<{ message: Buffer; port: number; address: string } | undefined> {
    return new Promise((resolve) => {
      const onMessage = (message: Buffer, remote: { port: number; address: string }) => {
        clearTimeout(timer);
        resolve({ message, port: remote.port, address: remote.address });
      };
      const timer = setTimeout(() => {
        this.socket.off('message', onMessage);
        resolve(undefined);
      }, waitMs);
      this.socket.once('message', onMessage);
    });
  }

  send(packet: Buffer, port: number, address = '127.0.0.1'): void {
    this.socket.send(packet, port, address);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

export type Attributes = [string, string | number | Buffer][];

/** An Access-Request as a gateway sends it (PAP), with a Message-Authenticator unless `ma` says otherwise. */
export function accessRequest(attributes: Attributes, { secret = NAS_SECRET, ma = 'valid' }: { secret?: string; ma?: 'valid' | 'absent' | 'wrong' } = {}): Buffer {
  const packet = radius.encode({
    code: 'Access-Request',
    secret,
    attributes: attributes as never,
    add_message_authenticator: ma !== 'absent',
  });
  if (ma === 'wrong') packet[packet.length - 1] = packet[packet.length - 1]! ^ 0xff;
  return packet;
}

/** An Accounting-Request with its Request Authenticator (RFC 2866). */
export function accountingRequest(attributes: Attributes, identifier: number, secret = NAS_SECRET): Buffer {
  return radius.encode({ code: 'Accounting-Request', identifier, secret, attributes: attributes as never });
}

/**
 * The reply's code name and attributes, after checking its Response Authenticator and, when it
 * has one, its Message-Authenticator (RFC 3579: over the Request Authenticator); the
 * Message-Authenticator is left out of the attributes.
 */
export function decodeReply(reply: Buffer, request: Buffer, secret = NAS_SECRET) {
  const copy = Buffer.from(reply);
  request.copy(copy, 4, 4, 20);
  const expected = createHash('md5').update(copy).update(secret).digest();
  expect(reply.subarray(4, 20).equals(expected), 'Response Authenticator').toBe(true);
  loadDictionaries();
  const decoded = radius.decode({ packet: reply, no_secret: true });
  const { 'Message-Authenticator': ma, ...attributes } = decoded.attributes;
  if (ma !== undefined) {
    let offset = 20;
    while (copy[offset] !== 80) offset += copy[offset + 1]!;
    copy.fill(0, offset + 2, offset + 18);
    expect((ma as Buffer).toString('hex'), 'Message-Authenticator').toBe(createHmac('md5', secret).update(copy).digest().toString('hex'));
  }
  return { code: decoded.code, attributes };
}

/** Checks a Disconnect-Request's Request Authenticator and Message-Authenticator (RFC 5176 §3.5, as FreeRADIUS signs them). */
export function checkDisconnectSignature(packet: Buffer, secret = NAS_SECRET): void {
  const zeroed = Buffer.from(packet);
  zeroed.fill(0, 4, 20);
  const authenticator = createHash('md5').update(zeroed).update(secret).digest();
  expect(packet.subarray(4, 20).toString('hex'), 'Request Authenticator').toBe(authenticator.toString('hex'));
  let offset = 20;
  let maOffset = -1;
  while (offset < zeroed.length) {
    if (zeroed[offset] === 80) maOffset = offset + 2;
    offset += zeroed[offset + 1]!;
  }
  expect(maOffset, 'Message-Authenticator present').toBeGreaterThan(0);
  const got = Buffer.from(zeroed.subarray(maOffset, maOffset + 16));
  zeroed.fill(0, maOffset, maOffset + 16);
  expect(got.toString('hex'), 'Message-Authenticator').toBe(createHmac('md5', secret).update(zeroed).digest().toString('hex'));
}

/** A Disconnect-ACK (or NAK) answering `request`, signed as a NAS signs it. */
export function disconnectAnswer(request: Buffer, code: 41 | 42, secret = NAS_SECRET): Buffer {
  const answer = Buffer.alloc(20);
  answer[0] = code;
  answer[1] = request[1]!;
  answer.writeUInt16BE(20, 2);
  request.copy(answer, 4, 4, 20);
  createHash('md5').update(answer).update(secret).digest().copy(answer, 4);
  return answer;
}

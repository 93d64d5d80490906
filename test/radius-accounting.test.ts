/**
 * RADIUS accounting and RFC 5176 disconnects against the real server process: the figures a
 * gateway reports show through the Open API, a retransmission is answered without being counted
 * again, and a session voucherd ends (spent traffic, an admin's disconnect) is sent to the
 * gateway's disconnect port, where a UDP socket of the test stands in for the gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, requireBuild } from './process-helpers.js';
import {
  accountingRequest,
  checkDisconnectSignature,
  decodeReply,
  disconnectAnswer,
  MESSAGES,
  RadiusServer,
  UdpClient,
  withoutMessageAuthenticator,
} from './radius-support.js';
import { loadDictionaries } from '../src/radius/dictionaries.js';
import radius from 'radius';

let server: RadiusServer;
let siteId: string;
let gateway: UdpClient;
let acct: UdpClient;
let macCounter = 0;
let identifier = 0;
const nextMac = () => `AA-BB-CC-11-00-${(++macCounter).toString(16).padStart(2, '0').toUpperCase()}`;

async function login(code: string, mac: string): Promise<void> {
  const reply = await server.radclient('auth', `User-Name = "${code}", User-Password = "${code}", Calling-Station-Id = "${mac}"`);
  expect(reply.type, reply.output).toBe('Access-Accept');
}

/** Sends an Accounting-Request with radclient and checks it is acknowledged. */
async function account(attributes: string): Promise<void> {
  const reply = await server.radclient('acct', attributes);
  expect({ type: reply.type, attributes: reply.attributes }, reply.output).toEqual({ type: 'Accounting-Response', attributes: [] });
}

const trafficUsed = async (voucherId: string) => (await server.voucher(siteId, voucherId)).trafficUsed;

/** The next Disconnect-Request the stand-in gateway receives, decoded, and where to answer it. */
async function nextDisconnect() {
  const got = await gateway.nextWithSender(5000);
  expect(got, 'a Disconnect-Request arrived').toBeDefined();
  const { message, port } = got!;
  expect(message[0]).toBe(40);
  checkDisconnectSignature(message);
  loadDictionaries();
  const { 'Message-Authenticator': _ma, ...attributes } = radius.decode({ packet: message, no_secret: true }).attributes;
  return { message, port, attributes };
}

async function eventually(read: () => Promise<number>, expected: number): Promise<void> {
  const deadline = Date.now() + 5000;
  let value = await read();
  while (value !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await read();
  }
  expect(value).toBe(expected);
}

beforeAll(async () => {
  requireBuild();
  server = await RadiusServer.start();
  siteId = await server.createSite('Accounting Site');
  gateway = await UdpClient.open('127.0.0.1');
  acct = await UdpClient.open('127.0.0.1');
  const nas = await server.addNas(siteId, '127.0.0.1', '--disconnect-port', String(gateway.port), '--name', 'lobby');
  expect(nas).toEqual({
    id: expect.stringMatching(/^[0-9a-f]{24}$/),
    siteId,
    name: 'lobby',
    address: '127.0.0.1',
    requireMessageAuthenticator: false,
    disconnectPort: gateway.port,
    createdAt: expect.any(Number),
  });
  await server.waitForNas();
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await acct?.close();
  await server?.stop();
  await cleanup();
});

describe('Accounting-Request', () => {
  it('Start, Interim-Update and Stop move the voucher traffic and the authorized client record; gigawords count 2^32 bytes', async () => {
    const [voucher] = await server.createVouchers(siteId, 'Counted');
    const mac = nextMac();
    await login(voucher!.code, mac);
    const common = `User-Name = "${voucher!.code}", Calling-Station-Id = "${mac}", Acct-Session-Id = "sess-1", Framed-IP-Address = 10.0.0.5`;

    await account(`${common}, Acct-Status-Type = Start`);
    expect(await trafficUsed(voucher!.id)).toBe(0);
    await account(`${common}, Acct-Status-Type = Interim-Update, Acct-Session-Time = 60, Acct-Input-Octets = 1000, Acct-Output-Octets = 5000`);
    expect(await trafficUsed(voucher!.id)).toBe(6000);
    await account(
      `${common}, Acct-Status-Type = Stop, Acct-Session-Time = 120, Acct-Input-Octets = 3000, Acct-Output-Octets = 10, Acct-Output-Gigawords = 1`,
    );
    expect(await trafficUsed(voucher!.id)).toBe(3000 + 2 ** 32 + 10);

    const records = await server.api('GET', `/sites/${siteId}/hotspot/authed-records?page=1&pageSize=100`);
    const record = (records.result.data as Record<string, unknown>[]).find((entry) => entry.mac === mac);
    expect(record).toMatchObject({ mac, voucherCode: voucher!.code, ip: '10.0.0.5', upload: 3000, download: 2 ** 32 + 10, valid: false });
  });

  it('the Class of the Access-Accept names the session: accounting without a user name finds it among the client\'s sessions', async () => {
    const [first, second] = await server.createVouchers(siteId, 'Two for one client', { amount: 2 });
    const mac = nextMac();
    await login(first!.code, mac);
    const reply = await server.radclient('auth', `User-Name = "${second!.code}", User-Password = "${second!.code}", Calling-Station-Id = "${mac}"`);
    const sessionClass = reply.attributes.find(([name]) => name === 'Class')?.[1];
    expect(sessionClass, reply.output).toMatch(/^0x[0-9a-f]{48}$/);

    const common = `Calling-Station-Id = "${mac}", Acct-Session-Id = "class-1", Class = ${sessionClass}`;
    await account(`${common}, Acct-Status-Type = Start`);
    await account(`${common}, Acct-Status-Type = Interim-Update, Acct-Input-Octets = 700, Acct-Output-Octets = 300`);
    expect([await trafficUsed(first!.id), await trafficUsed(second!.id)]).toEqual([0, 1000]);
  });

  it('a retransmitted Stop is answered again from memory and counted once; a repeated Stop changes nothing', async () => {
    const [voucher] = await server.createVouchers(siteId, 'Repeated');
    const mac = nextMac();
    await login(voucher!.code, mac);
    const attributes = (status: string, input: number): [string, string | number][] => [
      ['User-Name', voucher!.code],
      ['Calling-Station-Id', mac],
      ['Acct-Session-Id', 'sess-dup'],
      ['Acct-Status-Type', status],
      ['Acct-Input-Octets', input],
      ['Acct-Output-Octets', 700],
    ];
    const start = accountingRequest(attributes('Start', 0), ++identifier);
    expect(decodeReply((await acct.exchange(start, server.acctPort))!, start).code).toBe('Accounting-Response');

    const duplicatesBefore = await server.packets('duplicate');
    const stop = accountingRequest(attributes('Stop', 300), ++identifier);
    const first = await acct.exchange(stop, server.acctPort);
    const second = await acct.exchange(stop, server.acctPort);
    expect(first && decodeReply(first, stop)).toEqual({ code: 'Accounting-Response', attributes: {} });
    expect(second?.toString('hex')).toBe(first!.toString('hex'));
    expect(await server.packets('duplicate')).toBe(duplicatesBefore + 1);
    expect(await trafficUsed(voucher!.id)).toBe(1000);

    // The same Stop sent anew (another Identifier): counters only grow, so nothing is added twice.
    const again = accountingRequest(attributes('Stop', 300), ++identifier);
    expect(decodeReply((await acct.exchange(again, server.acctPort))!, again).code).toBe('Accounting-Response');
    expect(await trafficUsed(voucher!.id)).toBe(1000);
  });

  it.each(['Accounting-On', 'Accounting-Off'])(
    '%s ends the NAS\'s voucher sessions without a Disconnect-Request: the online place is free again',
    async (status) => {
      const [voucher] = await server.createVouchers(siteId, `One at a time ${status}`, { limitType: 1, limitNum: 1 });
      const [first, second] = [nextMac(), nextMac()];
      await login(voucher!.code, first);
      const refused = await server.radclient('auth', `User-Name = "${voucher!.code}", User-Password = "${voucher!.code}", Calling-Station-Id = "${second}"`);
      expect({ type: refused.type, attributes: withoutMessageAuthenticator(refused.attributes) }).toEqual({
        type: 'Access-Reject',
        attributes: [['Reply-Message', MESSAGES.userLimit]],
      });

      await account(`Acct-Status-Type = ${status}, NAS-Identifier = "lobby"`);

      expect(await gateway.nextWithSender(300), 'no Disconnect-Request for a NAS that dropped its clients itself').toBeUndefined();
      const records = await server.api('GET', `/sites/${siteId}/hotspot/authed-records?page=1&pageSize=100`);
      expect((records.result.data as Record<string, unknown>[]).find((entry) => entry.mac === first)).toMatchObject({ valid: false });
      await login(voucher!.code, second);
      expect(await server.voucher(siteId, voucher!.id)).toMatchObject({ used: 2 });
    },
  );

  it('an unknown session is acknowledged and changes nothing', async () => {
    await account('User-Name = "00000000", Calling-Station-Id = "AA-BB-CC-DD-EE-FF", Acct-Session-Id = "nobody", Acct-Status-Type = Interim-Update, Acct-Input-Octets = 5');
  });
});

describe('Disconnect-Request (RFC 5176)', () => {
  it('when accounting spends the traffic: sent to the NAS disconnect port, signed, naming the session; the client is then refused', async () => {
    const [voucher] = await server.createVouchers(siteId, 'Spent', { trafficLimitEnable: true, trafficLimit: 1, trafficLimitFrequency: 0 });
    const mac = nextMac();
    await login(voucher!.code, mac);
    const common = `User-Name = "${voucher!.code}", Calling-Station-Id = "${mac}", Acct-Session-Id = "sess-spent"`;
    await account(`${common}, Acct-Status-Type = Start`);
    const acksBefore = await server.packets('disconnect-ack');

    await account(`${common}, Acct-Status-Type = Interim-Update, Acct-Input-Octets = 600000, Acct-Output-Octets = 600000`);
    const disconnect = await nextDisconnect();
    expect(disconnect.attributes).toEqual({ 'User-Name': voucher!.code, 'Calling-Station-Id': mac, 'Acct-Session-Id': 'sess-spent' });
    gateway.send(disconnectAnswer(disconnect.message, 41), disconnect.port);
    await eventually(() => server.packets('disconnect-ack'), acksBefore + 1);

    const refused = await server.radclient('auth', `User-Name = "${voucher!.code}", User-Password = "${voucher!.code}", Calling-Station-Id = "${mac}"`);
    expect({ type: refused.type, attributes: withoutMessageAuthenticator(refused.attributes) }).toEqual({
      type: 'Access-Reject',
      attributes: [['Reply-Message', MESSAGES.trafficExceeded]],
    });
    expect(await trafficUsed(voucher!.id)).toBe(1_200_000);
  });

  it('when an admin disconnects the client through the Open API; unanswered ones are sent again', async () => {
    const [voucher] = await server.createVouchers(siteId, 'Kicked');
    const mac = nextMac();
    await login(voucher!.code, mac);
    await account(`User-Name = "${voucher!.code}", Calling-Station-Id = "${mac}", Acct-Session-Id = "sess-kick", Acct-Status-Type = Start, Framed-IP-Address = 10.0.0.9`);
    const records = await server.api('GET', `/sites/${siteId}/hotspot/authed-records?page=1&pageSize=100`);
    const record = (records.result.data as { id: string; mac: string }[]).find((entry) => entry.mac === mac)!;
    const naksBefore = await server.packets('disconnect-nak');

    await server.api('POST', `/sites/${siteId}/hotspot/authed-records/${record.id}/disconnect`);
    const disconnect = await nextDisconnect();
    expect(disconnect.attributes).toEqual({
      'User-Name': voucher!.code,
      'Calling-Station-Id': mac,
      'Acct-Session-Id': 'sess-kick',
      'Framed-IP-Address': '10.0.0.9',
    });
    // Not answered: the same packet comes again.
    const retry = await nextDisconnect();
    expect(retry.message.toString('hex')).toBe(disconnect.message.toString('hex'));
    gateway.send(disconnectAnswer(retry.message, 42), retry.port);
    await eventually(() => server.packets('disconnect-nak'), naksBefore + 1);
  });
});

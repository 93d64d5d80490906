/**
 * RADIUS authentication against the real server process, spoken to with Debian's radclient as a
 * gateway speaks (PAP, CHAP, Status-Server), and with a small UDP client where radclient cannot
 * go (another source address, a broken Message-Authenticator, broken packets).
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import radius from 'radius';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, requireBuild } from './process-helpers.js';
import {
  accessRequest,
  accountingRequest,
  decodeReply,
  MESSAGES,
  NAS_SECRET,
  RadiusServer,
  UdpClient,
  withoutMessageAuthenticator,
} from './radius-support.js';

const HOUR_MS = 3_600_000;
let server: RadiusServer;
let siteId: string;
let macCounter = 0;
/** A MAC no other test of this file uses (the guessing throttle counts per MAC). */
const nextMac = () => `AA-BB-CC-00-00-${(++macCounter).toString(16).padStart(2, '0').toUpperCase()}`;

const pap = (code: string, mac: string, password = code) =>
  `User-Name = "${code}", User-Password = "${password}", Calling-Station-Id = "${mac}"`;

async function auth(attributes: string, options?: { secret?: string }) {
  const reply = await server.radclient('auth', attributes, options);
  return { type: reply.type, attributes: reply.type ? withoutMessageAuthenticator(reply.attributes) : [], output: reply.output };
}

const rejected = (message: string) => ({ type: 'Access-Reject', attributes: [['Reply-Message', message]] });
/** Class as radclient prints it: the session's 24-character id, in hex. */
const SESSION_CLASS = ['Class', expect.stringMatching(/^0x(3[0-9]|6[1-6]){24}$/)];
/** The session id a Class names. */
const sessionOf = (attributes: [string, string][]) =>
  Buffer.from(attributes.find(([name]) => name === 'Class')![1].slice(2), 'hex').toString('latin1');
const answer = ({ type, attributes }: { type: string | undefined; attributes: [string, string][] }) => ({ type, attributes });

beforeAll(async () => {
  requireBuild();
  server = await RadiusServer.start();
  siteId = await server.createSite('Auth Site');
  await server.addNas(siteId, '127.0.0.1');
  await server.waitForNas();
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await cleanup();
});

describe('Access-Accept', () => {
  it('PAP with the code as user name and password: Session-Timeout, rates in bps, Mikrotik-Rate-Limit, traffic left, interim interval, Message-Authenticator', async () => {
    const [voucher] = await server.createVouchers(siteId, 'Limited', {
      rateLimit: { mode: 0, customRateLimit: { downLimitEnable: true, downLimit: 2048, upLimitEnable: true, upLimit: 512 } },
      trafficLimitEnable: true,
      trafficLimit: 100,
      trafficLimitFrequency: 0,
    });
    const reply = await auth(pap(voucher!.code, nextMac()));
    expect(answer(reply), reply.output).toEqual({
      type: 'Access-Accept',
      attributes: [
        ['Session-Timeout', '3600'],
        SESSION_CLASS,
        ['Acct-Interim-Interval', '60'],
        ['WISPr-Bandwidth-Max-Up', '512000'],
        ['WISPr-Bandwidth-Max-Down', '2048000'],
        ['Mikrotik-Rate-Limit', '512k/2048k'],
        ['ChilliSpot-Max-Total-Octets', '104857600'],
        ['ChilliSpot-Max-Total-Gigawords', '0'],
        ['Mikrotik-Total-Limit', '104857600'],
        ['Mikrotik-Total-Limit-Gigawords', '0'],
      ],
    });
    expect(await server.voucher(siteId, voucher!.id)).toMatchObject({ code: voucher!.code, used: 1 });
    const records = await server.api('GET', `/sites/${siteId}/hotspot/authed-records?page=1&pageSize=100`);
    const record = (records.result.data as { id: string; voucherCode: string }[]).find((entry) => entry.voucherCode === voucher!.code);
    expect(sessionOf(reply.attributes)).toBe(record!.id);
  });

  it('traffic past 4 GiB is split into the low 32 bits and gigawords; an unlimited direction reads 0 for MikroTik and is left out for WISPr', async () => {
    const [voucher] = await server.createVouchers(siteId, 'Big', {
      rateLimit: { mode: 0, customRateLimit: { downLimitEnable: true, downLimit: 10240, upLimitEnable: false } },
      trafficLimitEnable: true,
      trafficLimit: 5000,
      trafficLimitFrequency: 0,
    });
    const reply = await auth(pap(voucher!.code, nextMac()));
    // 5000 MB = 5,242,880,000 bytes = 1 × 2^32 + 947,912,704.
    expect(answer(reply), reply.output).toEqual({
      type: 'Access-Accept',
      attributes: [
        ['Session-Timeout', '3600'],
        SESSION_CLASS,
        ['Acct-Interim-Interval', '60'],
        ['WISPr-Bandwidth-Max-Down', '10240000'],
        ['Mikrotik-Rate-Limit', '0k/10240k'],
        ['ChilliSpot-Max-Total-Octets', '947912704'],
        ['ChilliSpot-Max-Total-Gigawords', '1'],
        ['Mikrotik-Total-Limit', '947912704'],
        ['Mikrotik-Total-Limit-Gigawords', '1'],
      ],
    });
  });

  it('a voucher without limits gets Session-Timeout and Acct-Interim-Interval only', async () => {
    const [voucher] = await server.createVouchers(siteId, 'Plain', { duration: 90 });
    const reply = await auth(pap(voucher!.code, nextMac()));
    expect(answer(reply), reply.output).toEqual({
      type: 'Access-Accept',
      attributes: [
        ['Session-Timeout', '5400'],
        SESSION_CLASS,
        ['Acct-Interim-Interval', '60'],
      ],
    });
  });

  it('CHAP, with the code as the CHAP password, in any letter case; PAP matches the password to the code case-insensitively', async () => {
    const [chapVoucher, papVoucher] = await server.createVouchers(siteId, 'Letters', { amount: 2, codeForm: [1] });
    const lower = chapVoucher!.code.toLowerCase();
    const chap = await auth(`User-Name = "${lower}", CHAP-Password = "${lower}", Calling-Station-Id = "${nextMac()}"`);
    expect(answer(chap), chap.output).toEqual({ type: 'Access-Accept', attributes: [['Session-Timeout', '3600'], SESSION_CLASS, ['Acct-Interim-Interval', '60']] });
    const upperChap = await auth(`User-Name = "${lower}", CHAP-Password = "${chapVoucher!.code}", Calling-Station-Id = "${nextMac()}"`);
    expect(upperChap.type, upperChap.output).toBe('Access-Accept');

    const mixed = await auth(pap(papVoucher!.code, nextMac(), papVoucher!.code.toLowerCase()));
    expect(mixed.type, mixed.output).toBe('Access-Accept');
    // Two clients (MACs) took a use each.
    expect(await server.voucher(siteId, chapVoucher!.id)).toMatchObject({ used: 2 });
  });

  it('the same client asking again is let in again, with the time it has left', async () => {
    const [voucher] = await server.createVouchers(siteId, 'Twice', { limitType: 0, limitNum: 1 });
    const mac = nextMac();
    const first = await auth(pap(voucher!.code, mac));
    expect(first.type).toBe('Access-Accept');
    const again = await auth(pap(voucher!.code, mac.replaceAll('-', ':').toLowerCase()));
    expect(again.type, again.output).toBe('Access-Accept');
    expect(Number(again.attributes.find(([name]) => name === 'Session-Timeout')![1])).toBeLessThanOrEqual(3600);
    // Its live session, refreshed: the same Class.
    expect(sessionOf(again.attributes)).toBe(sessionOf(first.attributes));
  });

  it('Status-Server (RFC 5997) is answered on both ports', async () => {
    const authReply = await server.radclient('status', 'Message-Authenticator = 0x00');
    expect(authReply.type, authReply.output).toBe('Access-Accept');
    const client = await UdpClient.open();
    try {
      const request = statusServer();
      const reply = await client.exchange(request, server.acctPort);
      expect(reply && decodeReply(reply, request).code).toBe('Accounting-Response');
    } finally {
      await client.close();
    }
  });
});

describe('Access-Reject with the reason as Reply-Message', () => {
  it('an unknown code, and a password that is not the code (which takes no use of the voucher)', async () => {
    expect(answer(await auth(pap('99999999', nextMac())))).toEqual(rejected(MESSAGES.codeIncorrect));
    const [voucher] = await server.createVouchers(siteId, 'Kept');
    expect(answer(await auth(pap(voucher!.code, nextMac(), 'not-the-code')))).toEqual(rejected(MESSAGES.codeIncorrect));
    expect(await server.voucher(siteId, voucher!.id)).toMatchObject({ used: 0 });
    const chap = await auth(`User-Name = "${voucher!.code}", CHAP-Password = "other", Calling-Station-Id = "${nextMac()}"`);
    expect(answer(chap)).toEqual(rejected(MESSAGES.codeIncorrect));
    expect(await server.voucher(siteId, voucher!.id)).toMatchObject({ used: 0 });
  });

  it('a voucher whose validity window has not opened, and one whose window has closed', async () => {
    const now = Date.now();
    const [early] = await server.createVouchers(siteId, 'Early', { validityType: 1, effectiveTime: now + 24 * HOUR_MS, expirationTime: now + 48 * HOUR_MS });
    expect(answer(await auth(pap(early!.code, nextMac())))).toEqual(rejected(MESSAGES.notEffective));
    const [late] = await server.createVouchers(siteId, 'Late', { validityType: 1, effectiveTime: now - 48 * HOUR_MS, expirationTime: now - 24 * HOUR_MS });
    expect(answer(await auth(pap(late!.code, nextMac())))).toEqual(rejected(MESSAGES.expired));
  });

  it('a second client on a voucher for one user (limitType 0, limitNum 1)', async () => {
    const [voucher] = await server.createVouchers(siteId, 'Single', { limitType: 0, limitNum: 1 });
    expect((await auth(pap(voucher!.code, nextMac()))).type).toBe('Access-Accept');
    expect(answer(await auth(pap(voucher!.code, nextMac())))).toEqual(rejected(MESSAGES.userLimit));
  });

  it('a client that guessed wrong five times is refused for a while, even with a right code', async () => {
    const [voucher] = await server.createVouchers(siteId, 'Guarded');
    const mac = nextMac();
    for (let i = 0; i < 5; i++) {
      expect(answer(await auth(pap(`1234567${i}`, mac)))).toEqual(rejected(MESSAGES.codeIncorrect));
    }
    expect(answer(await auth(pap(voucher!.code, mac)))).toEqual(rejected(MESSAGES.throttled));
    expect((await auth(pap(voucher!.code, nextMac()))).type).toBe('Access-Accept');
  });

  it('a request without Calling-Station-Id', async () => {
    const [voucher] = await server.createVouchers(siteId, 'No MAC');
    expect(answer(await auth(`User-Name = "${voucher!.code}", User-Password = "${voucher!.code}"`))).toEqual(
      rejected('The client MAC address (Calling-Station-Id) is missing.'),
    );
  });
});

describe('concurrency, over RADIUS and HTTP together', () => {
  /** Half the clients ask over RADIUS (a socket each), half through POST /portal/auth; answers true for each let in. */
  async function race(code: string, clients: number): Promise<boolean[]> {
    const macs = Array.from({ length: clients }, () => nextMac());
    return Promise.all(
      macs.map(async (mac, i) => {
        if (i % 2 === 0) {
          const client = await UdpClient.open();
          try {
            const request = accessRequest([
              ['User-Name', code],
              ['User-Password', code],
              ['Calling-Station-Id', mac],
            ]);
            const reply = await client.exchange(request, server.authPort, 5000);
            expect(reply, `no answer for ${mac}`).toBeDefined();
            return decodeReply(reply!, request).code === 'Access-Accept';
          } finally {
            await client.close();
          }
        }
        const answer = await server.server.request('POST', '/portal/auth', {
          body: { authType: 3, voucherCode: code, clientMac: mac, site: siteId },
        });
        return (answer.body as { errorCode: number }).errorCode === 0;
      }),
    );
  }

  it('20 clients redeeming one single-use voucher at once: exactly one gets in', async () => {
    const [voucher] = await server.createVouchers(siteId, 'Race single', { limitType: 0, limitNum: 1 });
    const admitted = await race(voucher!.code, 20);
    expect(admitted.filter(Boolean)).toHaveLength(1);
    expect(await server.voucher(siteId, voucher!.id)).toMatchObject({ used: 1 });
  });

  it('10 clients on a voucher for 3 online at once: exactly 3 get in', async () => {
    const [voucher] = await server.createVouchers(siteId, 'Race three', { limitType: 1, limitNum: 3 });
    const admitted = await race(voucher!.code, 10);
    expect(admitted.filter(Boolean)).toHaveLength(3);
  });
});

describe('packets that get no answer', () => {
  it('a wrong shared secret: Access-Request with a Message-Authenticator, Accounting-Request, Status-Server', async () => {
    const [voucher] = await server.createVouchers(siteId, 'Secret');
    const before = await server.packets('bad-authenticator');
    const withMa = await server.radclient('auth', `${pap(voucher!.code, nextMac())}, Message-Authenticator = 0x00`, { secret: 'wrong-secret' });
    expect(withMa.type, withMa.output).toBeUndefined();
    const acct = await server.radclient('acct', `User-Name = "${voucher!.code}", Acct-Status-Type = Start, Acct-Session-Id = "x1"`, { secret: 'wrong-secret' });
    expect(acct.type, acct.output).toBeUndefined();
    const status = await server.radclient('status', 'Message-Authenticator = 0x00', { secret: 'wrong-secret' });
    expect(status.type, status.output).toBeUndefined();
    expect(await server.packets('bad-authenticator')).toBe(before + 3);
    expect(await server.voucher(siteId, voucher!.id)).toMatchObject({ used: 0 });
  });

  it('a wrong shared secret on PAP without a Message-Authenticator: the password does not decrypt to text', async () => {
    const [voucher] = await server.createVouchers(siteId, 'Garbled');
    const client = await UdpClient.open();
    try {
      // Deterministic: a request whose password, decrypted with the right secret, is not text.
      let request: Buffer;
      do {
        request = accessRequest([['User-Name', voucher!.code], ['User-Password', voucher!.code], ['Calling-Station-Id', nextMac()]], { secret: 'wrong-secret', ma: 'absent' });
      } while (!garbledUnder(request, NAS_SECRET));
      expect(await client.exchange(request, server.authPort)).toBeUndefined();
    } finally {
      await client.close();
    }
    expect(await server.voucher(siteId, voucher!.id)).toMatchObject({ used: 0 });
  });

  it('a source address that is no NAS', async () => {
    const before = await server.packets('dropped');
    const client = await UdpClient.open('127.0.1.9');
    try {
      const request = accessRequest([['User-Name', '12345678'], ['User-Password', '12345678'], ['Calling-Station-Id', nextMac()]]);
      expect(await client.exchange(request, server.authPort)).toBeUndefined();
      expect(await client.exchange(accountingRequest([['Acct-Status-Type', 'Start'], ['Acct-Session-Id', 'z']], 1), server.acctPort)).toBeUndefined();
    } finally {
      await client.close();
    }
    expect(await server.packets('dropped')).toBe(before + 2);
  });

  it('a wrong Message-Authenticator; none where the NAS requires one; none on Status-Server', async () => {
    const [voucher] = await server.createVouchers(siteId, 'MA', { amount: 1 });
    await server.addNas(siteId, '127.0.0.8', '--require-message-authenticator');
    const attributes = (mac: string): [string, string][] => [['User-Name', voucher!.code], ['User-Password', voucher!.code], ['Calling-Station-Id', mac]];
    const strict = await UdpClient.open('127.0.0.8');
    const loose = await UdpClient.open('127.0.0.1');
    try {
      expect(await untilAnswered(strict, statusServer(), server.authPort)).toBeDefined();
      expect(await loose.exchange(accessRequest(attributes(nextMac()), { ma: 'wrong' }), server.authPort)).toBeUndefined();
      expect(await loose.exchange(radius.encode({ code: 'Status-Server', secret: NAS_SECRET, attributes: [], add_message_authenticator: false }), server.authPort)).toBeUndefined();
      expect(await strict.exchange(accessRequest(attributes(nextMac()), { ma: 'absent' }), server.authPort)).toBeUndefined();
      expect(await strict.exchange(accessRequest(attributes(nextMac()), { ma: 'wrong' }), server.authPort)).toBeUndefined();
      expect(await server.voucher(siteId, voucher!.id)).toMatchObject({ used: 0 });

      const request = accessRequest(attributes(nextMac()));
      const reply = await strict.exchange(request, server.authPort);
      expect(reply && decodeReply(reply, request).code).toBe('Access-Accept');
      const absent = accessRequest([['User-Name', '55555555'], ['User-Password', '55555555'], ['Calling-Station-Id', nextMac()]], { ma: 'absent' });
      const looseReply = await loose.exchange(absent, server.authPort);
      expect(looseReply && decodeReply(looseReply, absent)).toEqual({ code: 'Access-Reject', attributes: { 'Reply-Message': MESSAGES.codeIncorrect } });
    } finally {
      await strict.close();
      await loose.close();
    }
    expect(await server.packets('missing-message-authenticator')).toBe(2);
  });
});

describe('NAS matching', () => {
  it('a CIDR block; the most specific entry wins, and each NAS redeems its own site', async () => {
    const otherSite = await server.createSite('Block Site');
    const [theirs] = await server.createVouchers(otherSite, 'Theirs');
    const [ours] = await server.createVouchers(siteId, 'Ours');
    const added = await server.cli(['nas', 'add', '--site', otherSite, '--address', '127.0.0.77/24', '--secret', 'block-secret', '--json']);
    expect(JSON.parse(added.stdout)).toMatchObject({ address: '127.0.0.0/24', siteId: otherSite });

    const client = await UdpClient.open('127.0.0.7');
    try {
      const request = accessRequest([['User-Name', theirs!.code], ['User-Password', theirs!.code], ['Calling-Station-Id', nextMac()]], { secret: 'block-secret' });
      const reply = await untilAnswered(client, request, server.authPort);
      expect(reply && decodeReply(reply, request, 'block-secret').code).toBe('Access-Accept');
      const foreign = accessRequest([['User-Name', ours!.code], ['User-Password', ours!.code], ['Calling-Station-Id', nextMac()]], { secret: 'block-secret' });
      const refused = await client.exchange(foreign, server.authPort);
      expect(refused && decodeReply(refused, foreign, 'block-secret')).toEqual({ code: 'Access-Reject', attributes: { 'Reply-Message': MESSAGES.codeIncorrect } });
    } finally {
      await client.close();
    }
    // 127.0.0.1 lies in 127.0.0.0/24 too, and keeps its own NAS (secret, site).
    expect((await auth(pap(ours!.code, nextMac()))).type).toBe('Access-Accept');
  });
});

/** Whether `reply` carries a valid Response Authenticator for `request`. */
function answers(reply: Buffer, request: Buffer): boolean {
  if (reply.length < 20 || reply[1] !== request[1]) return false;
  const copy = Buffer.from(reply);
  request.copy(copy, 4, 4, 20);
  return createHash('md5').update(copy).update(NAS_SECRET).digest().equals(reply.subarray(4, 20));
}

/** Whether `request`'s User-Password, decrypted with `secret`, is not text (what a wrong secret yields). */
function garbledUnder(request: Buffer, secret: string): boolean {
  let offset = 20;
  while (offset < request.length && request[offset] !== 2) offset += request[offset + 1]!;
  const value = request.subarray(offset + 2, offset + request[offset + 1]!);
  const pad = createHash('md5').update(secret).update(request.subarray(4, 20)).digest();
  const plain = Buffer.from(value.subarray(0, 16).map((byte, i) => byte ^ pad[i]!));
  const end = plain.indexOf(0);
  const text = (end < 0 ? plain : plain.subarray(0, end)).toString('latin1');
  return /[\u0000-\u001f\u007f-\u00ff]/.test(text);
}

/** Sends `request` until it is answered (a NAS just added becomes known within a second or so). */
async function untilAnswered(client: UdpClient, request: Buffer, port: number): Promise<Buffer | undefined> {
  let reply = await client.exchange(request, port);
  for (let i = 0; !reply && i < 10; i++) reply = await client.exchange(request, port);
  return reply;
}

const statusServer = () => radius.encode({ code: 'Status-Server', secret: NAS_SECRET, attributes: [] });

/** The largest receive buffer the system grants a socket (Linux), or 0 where it cannot be read. */
function largestReceiveBuffer(): number {
  try {
    return Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
  } catch {
    return 0;
  }
}

const BURST = 2000;

describe('robustness', () => {
  // 2,000 requests of ~40 octets take over 2 MB of a socket's buffer as the kernel counts it: the
  // default (about 200 kB) holds a tenth of them.
  it.skipIf(largestReceiveBuffer() < 2 ** 22)(`a burst of ${BURST} requests sent at once is answered in full, none dropped while the thread catches up`, async () => {
    const requests = Array.from({ length: BURST }, () => statusServer());
    const client = createSocket({ type: 'udp4', recvBufferSize: 2 ** 22 });
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
    try {
      let answered = 0;
      const all = new Promise<void>((resolve) => {
        client.on('message', (reply) => {
          if (reply[0] === 2 && ++answered === BURST) resolve();
        });
      });
      for (const request of requests) client.send(request, server.authPort, '127.0.0.1');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
      clearTimeout(timer);
      expect(answered).toBe(BURST);
    } finally {
      client.close();
    }
  });

  it('random bytes, truncated packets, wrong lengths and broken attributes crash nothing, and the codes and secret never reach the log', async () => {
    const [voucher] = await server.createVouchers(siteId, 'Fuzz');
    const client = await UdpClient.open();
    const valid = accessRequest([['User-Name', voucher!.code], ['User-Password', voucher!.code], ['Calling-Station-Id', nextMac()]]);
    const acct = accountingRequest([['Acct-Status-Type', 'Start'], ['Acct-Session-Id', 'fuzz'], ['User-Name', voucher!.code]], 9);
    try {
      const garbage: Buffer[] = [];
      for (let i = 0; i < 200; i++) garbage.push(randomBytes(randomInt(0, 600)));
      for (let i = 0; i < 200; i++) {
        const base = Buffer.from(i % 2 ? valid : acct);
        const mutated = Buffer.from(base);
        for (let j = 0; j < 3; j++) mutated[randomInt(0, mutated.length)] = randomInt(0, 256);
        garbage.push(mutated, base.subarray(0, randomInt(0, base.length)));
        const lying = Buffer.from(base);
        lying.writeUInt16BE(randomInt(0, 65536), 2);
        garbage.push(lying);
      }
      // An attribute claiming more bytes than there are; a Vendor-Specific with no vendor id; code 1 with 0-length attribute.
      const broken = Buffer.from(valid);
      broken[21] = 250;
      garbage.push(broken, Buffer.from([1, 1, 0, 24, ...randomBytes(16), 26, 4, 0, 0]), Buffer.from([1, 1, 0, 22, ...randomBytes(16), 1, 0]));
      for (const packet of garbage) {
        client.send(packet, server.authPort);
        client.send(packet, server.acctPort);
      }
      // Replies to cut copies that still parse may come first, and a full socket buffer may lose
      // the request: sent again, as a NAS would, until its own answer comes.
      const fresh = accessRequest([['User-Name', voucher!.code], ['User-Password', voucher!.code], ['Calling-Station-Id', nextMac()]]);
      let reply: Buffer | undefined;
      for (let i = 0; i < 10 && !(reply && answers(reply, fresh)); i++) {
        reply = await client.exchange(fresh, server.authPort, 1000);
        while (reply && !answers(reply, fresh)) reply = await client.next(1000);
      }
      expect(reply && decodeReply(reply, fresh).code, server.server.output.slice(-2000)).toBe('Access-Accept');
    } finally {
      await client.close();
    }
    expect(server.server.child.exitCode).toBeNull();
    expect(await server.packets('malformed')).toBeGreaterThan(0);
    expect(server.server.output).not.toContain(NAS_SECRET);
    expect(server.server.output).not.toContain(voucher!.code);
  });
});

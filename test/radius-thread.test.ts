/**
 * The RADIUS front door runs in a thread of its own (dist/radius/host.js and worker.js; the
 * thread needs the compiled worker file). Here with an engine that answers from a table, since
 * what is tested is the thread: what it asks, counts and logs reaches the main thread, the reply
 * leaves after its counts, a taken port fails the start with the bind error, and a thread that
 * stops unasked is started again on the same port. Redemption through it against a real store
 * is tested over radclient in radius-auth.test.ts.
 */
import { createSocket, type Socket } from 'node:dgram';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RedeemOutcome, RedeemRequest } from '../src/domain/redemption.js';
import { Metrics } from '../src/metrics.js';
import type { RadiusHost as RadiusHostClass } from '../src/radius/host.js';
import type { NasRecord } from '../src/store/port.js';
import { requireBuild, ROOT } from './process-helpers.js';
import { accessRequest, decodeReply, freeUdpPort, GRANT, NAS_SECRET, UdpClient } from './radius-support.js';

let RadiusHost: typeof RadiusHostClass;

beforeAll(async () => {
  requireBuild();
  ({ RadiusHost } = (await import(pathToFileURL(join(ROOT, 'dist', 'radius', 'host.js')).href)) as { RadiusHost: typeof RadiusHostClass });
});

const NAS: NasRecord = {
  id: 'aaaaaaaaaaaaaaaaaaaaaaaa',
  siteId: 'bbbbbbbbbbbbbbbbbbbbbbbb',
  name: 'loopback',
  address: '127.0.0.1',
  secret: NAS_SECRET,
  requireMessageAuthenticator: false,
  disconnectPort: undefined,
  createdAt: 0,
};


interface Harness {
  host: RadiusHostClass;
  metrics: Metrics;
  logs: { level: number; msg: string }[];
  redeemed: RedeemRequest[];
}

let running: RadiusHostClass[] = [];
let clients: UdpClient[] = [];
let blockers: Socket[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((host) => host.close()));
  await Promise.all(clients.splice(0).map((client) => client.close()));
  for (const socket of blockers.splice(0)) socket.close();
});

async function start(authPort: number): Promise<Harness> {
  const logs: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logs.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  const metrics = new Metrics();
  const redeemed: RedeemRequest[] = [];
  const host = await RadiusHost.start({
    nas: { list: async () => [NAS] } as never,
    redemption: {
      redeem: async (request: RedeemRequest): Promise<RedeemOutcome> => {
        redeemed.push(request);
        return request.code === GRANT.code ? { ok: true, grant: GRANT } : { ok: false, reason: 'code-incorrect' };
      },
      account: async () => ({ known: false, ended: false }),
      endSessionsOfNas: async () => 0,
      onSessionEnded: () => undefined,
    },
    logger: pino({ level: 'info' }, sink),
    metrics,
    settings: { host: '127.0.0.1', authPort, acctPort: 0, interimIntervalSec: 0 },
  });
  running.push(host);
  return { host, metrics, logs, redeemed };
}

const login = (code: string) =>
  accessRequest([
    ['User-Name', code],
    ['User-Password', code],
    ['Calling-Station-Id', GRANT.clientMac],
  ]);

async function counts(metrics: Metrics) {
  const of = async (counter: Metrics['radiusPackets'] | Metrics['redemptions']) =>
    Object.fromEntries((await counter.get()).values.map(({ labels, value }) => [Object.values(labels).join(), value]));
  return { packets: await of(metrics.radiusPackets), redemptions: await of(metrics.redemptions) };
}

describe('the RADIUS thread', () => {
  it('asks the engine, answers the NAS, and has counted the packets and the redemption when the reply arrives', async () => {
    const { host, metrics, redeemed } = await start(await freeUdpPort());
    const client = await UdpClient.open();
    clients.push(client);

    const request = login(GRANT.code);
    const reply = await client.exchange(request, host.authPort!);
    expect(decodeReply(reply!, request)).toEqual({
      code: 'Access-Accept',
      attributes: { 'Session-Timeout': 3600, Class: Buffer.from(GRANT.sessionId) },
    });
    expect(await counts(metrics)).toEqual({
      packets: { 'access-request': 1, 'access-accept': 1 },
      redemptions: { accepted: 1 },
    });

    const wrong = login('WRONGCODE');
    expect(decodeReply((await client.exchange(wrong, host.authPort!))!, wrong).code).toBe('Access-Reject');
    expect(await counts(metrics)).toEqual({
      packets: { 'access-request': 2, 'access-accept': 1, 'access-reject': 1 },
      redemptions: { accepted: 1, 'code-incorrect': 1 },
    });
    expect(redeemed).toEqual(
      [GRANT.code, 'WRONGCODE'].map((code) => ({
        siteId: NAS.siteId,
        code,
        clientMac: GRANT.clientMac,
        via: 'radius',
        nasId: NAS.id,
        clientIp: undefined,
        address: undefined,
      })),
    );
  });

  it('fails to start with the bind error when the port is taken', async () => {
    const port = await freeUdpPort();
    const blocker = createSocket('udp4');
    blockers.push(blocker);
    await new Promise<void>((resolve) => blocker.bind(port, '127.0.0.1', () => resolve()));
    await expect(start(port)).rejects.toThrow(`bind EADDRINUSE 127.0.0.1:${port}`);
  });

  it('is started again on the same port when it stops unasked, and says so in the log', async () => {
    const { host, logs } = await start(await freeUdpPort());
    const client = await UdpClient.open();
    clients.push(client);
    const port = host.authPort!;

    await (host as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const request = login(GRANT.code);
    let reply: Buffer | undefined;
    for (let attempt = 0; attempt < 30 && !reply; attempt++) reply = await client.exchange(request, port, 200);
    expect(reply && decodeReply(reply, request).code).toBe('Access-Accept');
    expect(logs.filter((line) => line.level >= 50).map((line) => line.msg)).toEqual(['radius: the RADIUS thread stopped; starting it again']);
    expect(host.authPort).toBe(port);
  });
  it('closes at once when it stopped and is waiting to start again', async () => {
    const { host, logs } = await start(await freeUdpPort());
    const worker = (host as unknown as { worker: { terminate(): Promise<number> } }).worker;
    await worker.terminate();
    while (!logs.some((line) => line.msg === 'radius: the RADIUS thread stopped; starting it again')) await new Promise((resolve) => setTimeout(resolve, 10));
    const closing = performance.now();
    await host.close();
    expect(performance.now() - closing).toBeLessThan(100);
    // Nor does it start again once closed.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((host as unknown as { worker: unknown }).worker).toBeUndefined();
  });

  it('keeps trying to start again while its port is taken, and serves once it is free', async () => {
    const { host, logs } = await start(await freeUdpPort());
    const port = host.authPort!;
    await (host as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const blocker = createSocket('udp4');
    await new Promise<void>((resolve) => blocker.bind(port, '127.0.0.1', () => resolve()));
    const failedStart = 'radius: starting the RADIUS thread again failed; trying again';
    while (logs.filter((line) => line.msg === failedStart).length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise<void>((resolve) => blocker.close(() => resolve()));

    const client = await UdpClient.open();
    clients.push(client);
    const request = login(GRANT.code);
    let reply: Buffer | undefined;
    for (let attempt = 0; attempt < 30 && !reply; attempt++) reply = await client.exchange(request, port, 200);
    expect(reply && decodeReply(reply, request).code).toBe('Access-Accept');
  }, 15_000);
});

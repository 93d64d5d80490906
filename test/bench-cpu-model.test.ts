import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error the benchmarks' helpers are plain JavaScript without declarations
import { cpuMs as cpuMsOf, freeUdpPort } from '../bench/support.mjs';

const MODEL = new URL('../bench/cpu-model.mjs', import.meta.url).pathname;
let model: ChildProcess | undefined;

afterEach(() => {
  model?.kill('SIGKILL');
  model = undefined;
});

async function startModel(env: Record<string, string>): Promise<number> {
  const port = (await (freeUdpPort as () => Promise<number>)()) as number;
  model = spawn(process.execPath, [MODEL], { env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve, reject) => {
    model!.stdout!.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('listening') && resolve());
    model!.once('exit', (code) => reject(new Error(`the model stopped (exit code ${code})`)));
  });
  return port;
}

/** Sends `count` Access-Requests with identifiers 0, 1, …; answers the replies in the order they came. */
async function ask(port: number, count: number): Promise<Buffer[]> {
  const socket = createSocket('udp4');
  const replies: Buffer[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      socket.on('message', (reply) => {
        replies.push(reply);
        if (replies.length === count) resolve();
      });
      socket.on('error', reject);
      for (let id = 0; id < count; id++) {
        const request = Buffer.alloc(20);
        request[0] = 1;
        request[1] = id;
        request.writeUInt16BE(20, 2);
        socket.send(request, port, '127.0.0.1');
      }
    });
  } finally {
    socket.close();
  }
  return replies;
}

/** CPU time (ms) the process has used, all its threads (Linux). */
const cpuMs = cpuMsOf as (pid: number) => number;

describe('the CPU model the RADIUS benchmark is read against (bench/cpu-model.mjs)', () => {
  it('answers every Access-Request with an Access-Accept of its identifier, of a grant’s size', async () => {
    const port = await startModel({ MAIN_US: '0', BATCH_US: '0', RADIUS_US: '0', CHECKPOINT_US: '0' });
    const replies = await ask(port, 8);
    expect(replies.map((reply) => [reply[0], reply.readUInt16BE(2), reply.length])).toEqual(Array(8).fill([2, 130, 130]));
    expect(replies.map((reply) => reply[1]).sort((a, b) => a! - b!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it.each([
    { name: 'MAIN_US', env: { MAIN_US: '5000', BATCH_US: '0', RADIUS_US: '0', CHECKPOINT_US: '0' } },
    { name: 'RADIUS_US', env: { MAIN_US: '0', BATCH_US: '0', RADIUS_US: '5000', CHECKPOINT_US: '0' } },
    { name: 'CHECKPOINT_US', env: { MAIN_US: '0', BATCH_US: '0', RADIUS_US: '0', CHECKPOINT_US: '5000' } },
  ])('spends $name for each request', async ({ env }) => {
    const port = await startModel(env);
    const before = cpuMs(model!.pid!);
    await ask(port, 20);
    // The checkpoint thread pays at its next pass, within 50 ms.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const spent = cpuMs(model!.pid!) - before;
    // 20 requests at 5 ms each: 100 ms by the clock, of which a busy machine may take some
    // (the model spends by the clock), and not twice that.
    expect(spent).toBeGreaterThanOrEqual(50);
    expect(spent).toBeLessThan(200);
  });

  it('refuses a cost that is not a number of microseconds', async () => {
    await expect(startModel({ MAIN_US: 'lots' })).rejects.toThrow(/the model stopped \(exit code 1\)/);
  });
});

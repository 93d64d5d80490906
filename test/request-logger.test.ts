import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { requestLogger } from '../src/http/request-logger.js';
import { createLogger } from '../src/logger.js';
import { answer, createHarness } from './helpers.js';

/** A pino logger of voucherd's configuration at `level`, and the lines it wrote. */
function sinkLogger(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger(level, sink), lines };
}

/**
 * Each request's logger is made when the request first writes a line (src/http/request-logger.ts);
 * what it writes is what the request's pino child writes: the bindings, the level, redaction.
 */
describe('request logger', () => {
  it('writes what the pino child of the request would, bindings included', () => {
    const { logger, lines } = sinkLogger('info');
    const log = requestLogger(logger, { reqId: 'req-7' }, {});
    log.debug('not written at info');
    log.info({ path: '/x', authorization: 'AccessToken=AT-secret' }, 'request');
    log.child({ part: 'inner' }).warn('nested');
    expect(lines.map(({ time: _time, pid: _pid, hostname: _hostname, ...line }) => line)).toEqual([
      { level: 30, reqId: 'req-7', path: '/x', authorization: '[redacted]', msg: 'request' },
      { level: 40, reqId: 'req-7', part: 'inner', msg: 'nested' },
    ]);
  });

  it('takes the level of the app logger and writes nothing below it', () => {
    const { logger, lines } = sinkLogger('warn');
    const log = requestLogger(logger, { reqId: 'req-8' }, {});
    expect(log.level).toBe('warn');
    expect((log as unknown as { isLevelEnabled(level: string): boolean }).isLevelEnabled('info')).toBe(false);
    log.info('dropped');
    log.error({ err: new Error('boom') }, 'request failed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, reqId: 'req-8', msg: 'request failed', err: { message: 'boom' } });
  });

  it('gives a route that sets its own level a child of that level at once', () => {
    const { logger, lines } = sinkLogger('warn');
    const log = requestLogger(logger, { reqId: 'req-9' }, { level: 'debug' });
    log.debug('written at the route level');
    expect(lines).toMatchObject([{ level: 20, reqId: 'req-9', msg: 'written at the route level' }]);
  });

  it('binds every request line of the app to its request id', async () => {
    const h = await createHarness();
    try {
      expect(answer(await h.call({ method: 'GET', url: '/api/info' })).status).toBe(200);
      const requestLines = h
        .logs()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.msg === 'request');
      expect(requestLines).toMatchObject([{ reqId: expect.any(String), method: 'GET', path: '/api/info', status: 200 }]);
    } finally {
      await h.close();
    }
  });
});

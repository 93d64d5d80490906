/**
 * The operations endpoints in process: liveness, readiness and Prometheus metrics, none of which
 * needs a token. The backup command, which runs as a process, is in backup.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { answer, createHarness, OMADAC_ID, type Harness } from './helpers.js';
import { groupsUrl, MINIMAL_GROUP, postGroup, uniqueName } from './voucher-groups-support.js';

const SUCCESS = { status: 200, body: { errorCode: 0, msg: 'Success.' } };
const UNAVAILABLE = { status: 503, body: { errorCode: -1, msg: 'Service unavailable: database unavailable.' } };
const GROUPS_ROUTE = '/openapi/v1/:omadacId/sites/:siteId/hotspot/voucher-groups';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** The samples of a Prometheus text document (comment lines left out). */
function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    out.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return out;
}

/** The value of the one series `name{labels}`; undefined when it has none. */
function valueOf(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  const found = samples(text).filter((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted);
  if (found.length > 1) throw new Error(`${name} ${wanted} has ${found.length} series`);
  return found[0]?.value;
}

async function scrape(h: Harness): Promise<string> {
  const response = await h.call({ method: 'GET', url: '/metrics' });
  expect({ status: response.statusCode, type: response.headers['content-type'] }).toEqual({
    status: 200,
    type: 'text/plain; version=0.0.4; charset=utf-8',
  });
  return response.body;
}

describe('GET /healthz and GET /readyz', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());
  afterEach(() => vi.restoreAllMocks());

  it('/healthz answers 200 Success without a token', async () => {
    expect(answer(await h.call({ method: 'GET', url: '/healthz' }))).toEqual(SUCCESS);
  });

  it('/readyz answers 200 Success without a token while the database answers', async () => {
    expect(answer(await h.call({ method: 'GET', url: '/readyz' }))).toEqual(SUCCESS);
  });

  it('/readyz answers 503 when the database query fails, logs why and tells the caller nothing more; /healthz stays 200', async () => {
    vi.spyOn(h.store, 'ping').mockRejectedValue(new Error('SQLITE_IOERR: disk I/O error'));
    const response = await h.call({ method: 'GET', url: '/readyz' });
    expect(answer(response)).toEqual(UNAVAILABLE);
    expect(response.body).not.toContain('disk I/O');
    expect(h.logs()).toContain('readiness check failed');
    expect(h.logs()).toContain('SQLITE_IOERR: disk I/O error');
    expect(answer(await h.call({ method: 'GET', url: '/healthz' }))).toEqual(SUCCESS);
  });
});

describe('GET /readyz with the store closed', () => {
  it('answers 503 once the database is closed, while /healthz still answers 200', async () => {
    const h = await createHarness();
    try {
      expect(answer(await h.call({ method: 'GET', url: '/readyz' }))).toEqual(SUCCESS);
      await h.store.close();
      expect(answer(await h.call({ method: 'GET', url: '/readyz' }))).toEqual(UNAVAILABLE);
      expect(answer(await h.call({ method: 'GET', url: '/healthz' }))).toEqual(SUCCESS);
    } finally {
      await h.close();
    }
  });
});

describe('GET /metrics', () => {
  let h: Harness;
  let token: string;
  let siteId: string;
  beforeAll(async () => {
    h = await createHarness();
    token = await h.token('admin');
    siteId = await h.createSite();
  });
  afterAll(() => h.close());

  it('answers Prometheus text without a token, with the process metrics and every voucherd metric declared', async () => {
    const text = await scrape(h);
    for (const name of [
      'voucherd_http_requests_total',
      'voucherd_http_request_duration_seconds',
      'voucherd_vouchers_created_total',
      'voucherd_redemptions_total',
      'voucherd_radius_packets_total',
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
    // Declared for the redemption front doors; nothing counts into them yet.
    expect(samples(text).filter((s) => s.name === 'voucherd_redemptions_total' || s.name === 'voucherd_radius_packets_total')).toEqual([]);
  });

  it('counts and times a request under its route pattern and status, never its ids or its token', async () => {
    const url = `${groupsUrl(siteId)}?page=1&pageSize=10`;
    const labels = { method: 'GET', route: GROUPS_ROUTE, status_code: '200' };
    const before = await scrape(h);
    expect((await h.call({ method: 'GET', url, token })).statusCode).toBe(200);
    const after = await scrape(h);

    expect(valueOf(after, 'voucherd_http_requests_total', labels)).toBe((valueOf(before, 'voucherd_http_requests_total', labels) ?? 0) + 1);
    expect(valueOf(after, 'voucherd_http_request_duration_seconds_count', labels)).toBe(
      (valueOf(before, 'voucherd_http_request_duration_seconds_count', labels) ?? 0) + 1,
    );
    expect(valueOf(after, 'voucherd_http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBeGreaterThanOrEqual(1);
    for (const secret of [token, siteId, OMADAC_ID]) expect(after).not.toContain(secret);
  });

  it('counts a refused call under its status, and the token endpoint without its query string', async () => {
    const credentials = await h.newApp('viewer');
    const query = `grant_type=client_credentials&client_secret=${credentials.clientSecret}`;
    await h.call({ method: 'POST', url: `/openapi/authorize/token?${query}`, payload: {} });
    expect((await h.call({ method: 'GET', url: `${groupsUrl(siteId)}?page=1&pageSize=10` })).statusCode).toBe(401);
    const text = await scrape(h);
    expect(valueOf(text, 'voucherd_http_requests_total', { method: 'GET', route: GROUPS_ROUTE, status_code: '401' })).toBe(1);
    expect(valueOf(text, 'voucherd_http_requests_total', { method: 'POST', route: '/openapi/authorize/token', status_code: '200' })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(credentials.clientSecret);
  });

  it('counts every path no route matches under the one label "(unmatched)"', async () => {
    const labels = { method: 'GET', route: '(unmatched)', status_code: '404' };
    const before = valueOf(await scrape(h), 'voucherd_http_requests_total', labels) ?? 0;
    const paths = ['/openapi/v1/nope-7f3a9c/anything', '/no-such-page-51d2e8', `/openapi/v1/${OMADAC_ID}/sites/${siteId}/unknown`];
    for (const path of paths) expect((await h.call({ method: 'GET', url: path, token })).statusCode).toBe(404);
    const text = await scrape(h);
    expect(valueOf(text, 'voucherd_http_requests_total', labels)).toBe(before + paths.length);
    for (const fragment of ['nope-7f3a9c', 'no-such-page-51d2e8', '/unknown']) expect(text).not.toContain(fragment);
  });

  it('counts the vouchers of each successful create by its amount, and nothing for a refused one', async () => {
    const count = async () => valueOf(await scrape(h), 'voucherd_vouchers_created_total');
    const start = (await count())!;
    expect(start).toBeGreaterThanOrEqual(0);

    const name = uniqueName('Metrics');
    expect((await postGroup(h, token, siteId, { ...MINIMAL_GROUP, name, amount: 7 })).json().errorCode).toBe(0);
    expect(await count()).toBe(start + 7);
    expect((await postGroup(h, token, siteId, { ...MINIMAL_GROUP, name: uniqueName('Metrics'), amount: 250 })).json().errorCode).toBe(0);
    expect(await count()).toBe(start + 257);

    // The same name again: −42059, nothing written, nothing counted.
    expect((await postGroup(h, token, siteId, { ...MINIMAL_GROUP, name, amount: 3 })).json().errorCode).toBe(-42059);
    expect((await postGroup(h, token, siteId, { ...MINIMAL_GROUP, name: uniqueName('Metrics'), amount: 5001 })).json().errorCode).toBe(-1001);
    expect(await count()).toBe(start + 257);
  });

  it('keeps each app\'s counts apart: two apps in one process share no registry', async () => {
    const other = await createHarness();
    try {
      await other.call({ method: 'GET', url: '/healthz' });
      await other.call({ method: 'GET', url: '/healthz' });
      const labels = { method: 'GET', route: '/healthz', status_code: '200' };
      const mine = valueOf(await scrape(h), 'voucherd_http_requests_total', labels) ?? 0;
      await h.call({ method: 'GET', url: '/healthz' });
      expect(valueOf(await scrape(h), 'voucherd_http_requests_total', labels)).toBe(mine + 1);
      expect(valueOf(await scrape(other), 'voucherd_http_requests_total', labels)).toBe(2);
      expect(valueOf(await scrape(other), 'voucherd_vouchers_created_total')).toBe(0);
    } finally {
      await other.close();
    }
  });
});

import { connect } from 'node:net';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { answer, createHarness, OMADAC_ID, tableCounts, VALID_SITE, type Harness } from './helpers.js';

/**
 * Bad input, property-based. Each create endpoint gets a valid body, mutated at random (fields
 * dropped, retyped, set to huge, negative, fractional or non-finite numbers, to odd Unicode, to
 * deep nesting), sent with random query strings and headers, or replaced by text that is not
 * JSON at all. Whatever comes in:
 *
 * - the answer is never a 5xx, and the app still answers /api/info afterwards;
 * - the answer is the envelope {errorCode: integer, msg: string[, result]}, with the HTTP status
 *   CONTRACT §2 gives its code;
 * - a refusal (errorCode ≠ 0) writes nothing;
 * - a success is a real one: the expected result, the rows it promises, and the name read back
 *   exactly as sent.
 *
 * The seed is fixed so CI is repeatable; fast-check prints it with the shrunk counterexample on a
 * failure. `FUZZ_SEED=<n>` explores other inputs, `FUZZ_RUNS=<n>` more of them.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_115);
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
/** The token endpoint pays a scrypt (tens of ms) for every request that names a client, so it runs fewer. */
const TOKEN_RUNS = Math.ceil(RUNS * 0.75);
const BODY_LIMIT = 64 * 1024;

type Body = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// What bad input is made of.

/** Strings that have broken servers before: controls, unpaired surrogates, joiners, bidi marks, emoji. */
const EDGE_TEXT = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83d',
  '\ude00y',
  '\u200d',
  '\u{1F469}\u200d\u{1F4BB}',
  '\u200f\u05e9\u05dc\u05d5\u05dd',
  '\u202eevil',
  '\u2066isolate\u2069',
  '\ufeffbom',
  '\uffff',
  '\ufffd',
  '\u{1F642}',
  '\u{1D54F}',
  'e\u0301',
  '\u0085',
  '\u2028',
  '\r\n',
  '\t',
  '"',
  '\\',
  '<script>alert(1)</script>',
  "' or 1=1 --",
  '%s%n%x',
  '${process.exit()}',
  '__proto__',
  'constructor',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e308',
  '0x1F',
  '\u0661\u0662',
];

/** Text numbers that JSON.stringify cannot write: beyond a double, signed zero, odd spellings. */
const RAW_NUMBERS = ['1e400', '-1e400', '1e308', '-0', '-0.0', '0.0000', '1E+2', '123456789012345678901234567890', '5e-324', '1.0'];

/** A value as sent: JSON, or raw text spliced into the JSON where JSON cannot say it. */
type Sent = { readonly json: unknown } | { readonly raw: string };

/** A sent value that counterexamples show by `label`, since it runs to thousands of characters. */
const labelled = <T extends Sent>(sent: T, label: string): T => Object.assign(sent, { [fc.toStringMethod]: () => label });

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

const text = fc.oneof(
  fc.constantFrom(...EDGE_TEXT),
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: codeUnit, maxLength: 24 }),
);

/** Just past the lengths the schemas allow (32, 64, 128, 256, 2048), and far past them. */
const longText = fc
  .constantFrom(33, 65, 129, 257, 2049, 70_000)
  .map((length) => labelled({ json: 'x'.repeat(length) }, `{ json: "x" × ${length} }`));

const number = fc.oneof(
  fc.constantFrom(1e308, -1e308, -0, 0, 0.5, -1, 1.5, 2 ** 31, 2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 5e-324, 1e21),
  fc.integer(),
  fc.double(),
);

/** Arrays or objects nested `depth` levels deep, written as text (JSON.stringify would recurse). */
const nested = fc.tuple(fc.constantFrom(2, 31, 40, 1000, 10_000), fc.boolean()).map(([depth, objects]) =>
  labelled(
    { raw: objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}` },
    `{ raw: ${objects ? 'objects' : 'arrays'} nested ${depth} deep }`,
  ),
);

const value: fc.Arbitrary<Sent> = fc.oneof(
  { weight: 3, arbitrary: text.map((json) => ({ json })) },
  { weight: 1, arbitrary: longText },
  { weight: 3, arbitrary: number.map((json) => ({ json })) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [null], [[]], { '': '' }).map((json) => ({ json })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((json) => ({ json })) },
  { weight: 1, arbitrary: fc.constantFrom(...RAW_NUMBERS).map((raw) => ({ raw })) },
  { weight: 1, arbitrary: nested },
);

/** One change to a valid body; `at` picks one of its fields, `key` names a new one. */
type Mutation =
  | { readonly op: 'drop'; readonly at: number }
  | { readonly op: 'set'; readonly at: number; readonly to: Sent }
  | { readonly op: 'add'; readonly at: number; readonly key: string; readonly to: Sent }
  | { readonly op: 'name'; readonly edge: string; readonly where: 'prefix' | 'suffix' | 'alone' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
  { weight: 3, arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), to: value }) },
  fc.record({
    op: fc.constant('add' as const),
    at: fc.nat(),
    key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', '', 'toString', 'a\u0000'), fc.string({ maxLength: 8 })),
    to: value,
  }),
  fc.record({
    op: fc.constant('name' as const),
    edge: fc.oneof(fc.constantFrom(...EDGE_TEXT), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 })),
    where: fc.constantFrom('prefix' as const, 'suffix' as const, 'alone' as const),
  }),
);

/** Text that is not a JSON object, or not JSON at all. */
const rawPayload = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '{',
    '}',
    '[]',
    'null',
    '"x"',
    '1',
    'true',
    '{"a":}',
    '\ufeff{}',
    '{"name":"x",}',
    "{'name':'x'}",
    '{"a":1}garbage',
    '/* comment */ {}',
    'NaN',
    '{"a":NaN}',
    '{"a":Infinity}',
    '{"a":1,"a":2}',
    '{"__proto__":{"isAdmin":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '\u0000',
    '{"a":"\\ud800"}',
    '{"a":"\\u0000"}',
    'name=x&amount=1',
  ),
  fc.string({ maxLength: 64 }),
  fc.string({ unit: 'binary', maxLength: 64 }),
).map((raw) => ({ raw }));

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/json;charset=UTF-16',
  'application/json; charset',
  'application/json;;',
  'application/vnd.api+json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'text/plain',
  'text/json',
  '*/*',
  '',
  ';',
  'application/json\tx',
];

const garbageAuthorization = fc.oneof(
  fc.constantFrom(
    '',
    'AccessToken=',
    'AccessToken= ',
    `AccessToken=AT-${'A'.repeat(32)}`,
    'accesstoken=AT-x',
    'Bearer AT-x',
    'Basic YWRtaW46YWRtaW4=',
    'AccessToken=AT-x AccessToken=AT-y',
    `AccessToken=${'A'.repeat(16_000)}`,
    'AccessToken=\u00ff\u00fe',
  ),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
);

const queryString = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  fc.constantFrom(
    '?',
    '?&',
    '?=',
    '?a',
    '?a=1&a=2',
    '?%',
    '?%zz',
    '?%00=%00',
    '?%ED%A0%80=%ED%A0%80',
    '?__proto__=x',
    '?__proto__[isAdmin]=1',
    '?constructor[prototype][x]=1',
    '?a[]=1&a[]=2',
    '?grant_type=refresh_token',
    '?grant_type=client_credentials&grant_type=refresh_token',
    `?${'x=1&'.repeat(2000)}`,
  ),
  fc
    .array(fc.tuple(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 })), { maxLength: 4 })
    .map((pairs) => `?${pairs.map(([key, val]) => `${encodeURIComponent(key)}=${encodeURIComponent(val)}`).join('&')}`),
);

/** Everything about one request but the endpoint's own valid body, which the target adds. */
interface FuzzRequest {
  readonly body: { readonly mutations: readonly Mutation[] } | { readonly raw: string };
  readonly query: string;
  readonly contentType: string | readonly string[] | undefined;
  readonly authorization: 'valid' | 'none' | 'duplicated' | string;
  readonly extraHeaders: Readonly<Record<string, string>>;
}

const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.record({
  body: fc.oneof(
    { weight: 5, arbitrary: fc.record({ mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ mutations: fc.constant([]) }) },
    { weight: 1, arbitrary: fc.oneof(rawPayload, nested) },
  ),
  query: queryString,
  contentType: fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    fc.constant(undefined),
    fc.constant(['application/json', 'text/plain']),
    fc.string({ unit: 'grapheme-ascii', maxLength: 30 }),
  ),
  authorization: fc.oneof(
    { weight: 8, arbitrary: fc.constant('valid') },
    fc.constant('none'),
    fc.constant('duplicated'),
    garbageAuthorization,
  ),
  extraHeaders: fc.oneof(
    { weight: 4, arbitrary: fc.constant<Record<string, string>>({}) },
    fc.constantFrom<Record<string, string>>(
      { 'content-length': '0' },
      { 'content-length': '-1' },
      { 'content-length': 'abc' },
      { 'content-encoding': 'gzip' },
      { 'transfer-encoding': 'chunked' },
      { 'x-forwarded-for': '10.0.0.1, \u00ff' },
      { accept: 'text/html' },
      { 'accept-encoding': 'br;q=2, *' },
      { expect: '100-continue' },
    ),
    fc.dictionary(
      fc.stringMatching(/^x-[a-z0-9-]{1,12}$/),
      fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
      { maxKeys: 3 },
    ),
  ),
});

// ---------------------------------------------------------------------------------------------
// Building the request from a valid body and the mutations.

const isPlainObject = (node: unknown): node is Body => typeof node === 'object' && node !== null && !Array.isArray(node);

/** Every path into `body` (objects and arrays), e.g. ["rateLimit", "customRateLimit", "downLimit"]. */
function pathsOf(node: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const children = Array.isArray(node)
    ? node.map((item, index) => [index, item] as const)
    : isPlainObject(node)
      ? Object.entries(node)
      : [];
  return children.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

/** Stands for raw text in the body until it is written out; plain ASCII, so JSON keeps it as it is. */
const rawMark = (index: number) => `__fuzz_raw_${index}__`;

/** The valid body with the mutations applied, as the text sent. */
function mutatedBody(valid: Body, mutations: readonly Mutation[]): string {
  const body = structuredClone(valid);
  const raws: string[] = [];
  const put = (sent: Sent): unknown => {
    if ('json' in sent) return sent.json;
    raws.push(sent.raw);
    return rawMark(raws.length - 1);
  };
  for (const change of mutations) {
    if (change.op === 'name') {
      const name = typeof body.name === 'string' ? body.name : 'n';
      body.name = change.where === 'alone' ? change.edge : change.where === 'prefix' ? `${change.edge}${name}` : `${name}${change.edge}`;
      continue;
    }
    const paths = pathsOf(body);
    if (paths.length === 0) continue;
    const path = paths[change.at % paths.length]!;
    const parent = path.slice(0, -1).reduce<unknown>((node, key) => (node as Body)[key as string], body) as Body | unknown[];
    const last = path[path.length - 1]!;
    if (change.op === 'drop') {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last as string];
    } else if (change.op === 'set') {
      (parent as Body)[last as string] = put(change.to);
    } else if (isPlainObject(parent)) {
      // Through defineProperty, so "__proto__" becomes an own field, as a JSON parser would make it.
      Object.defineProperty(parent, change.key, { value: put(change.to), enumerable: true, writable: true, configurable: true });
    }
  }
  return JSON.stringify(body).replace(/"__fuzz_raw_(\d+)__"/g, (_mark, index: string) => raws[Number(index)]!);
}

// ---------------------------------------------------------------------------------------------
// The endpoints and what their success promises.

interface Context {
  readonly h: Harness;
  readonly token: string;
  readonly siteId: string;
  readonly client: { clientId: string; clientSecret: string };
}

interface Target {
  readonly name: string;
  readonly path: (ctx: Context) => string;
  /** The query every request carries before the fuzzed one. */
  readonly baseQuery?: string;
  readonly guarded: boolean;
  readonly runs: number;
  /** A valid body; `n` makes its name unique. */
  readonly valid: (ctx: Context, n: number) => Body;
  /** Checks that an errorCode 0 answer did what it says: its result, its rows, its name read back. */
  readonly succeeded: (ctx: Context, sent: unknown, result: unknown, grown: Record<string, number>) => Promise<void>;
}

const siteUrl = (siteId: string) => `/openapi/v1/${OMADAC_ID}/sites/${siteId}`;
const HEX_ID = /^[0-9a-f]{24}$/;

/** Only these tables grew, by these many rows. */
function expectGrowth(grown: Record<string, number>, expected: Record<string, number>) {
  const changed = Object.fromEntries(Object.entries(grown).filter(([, by]) => by !== 0));
  expect(changed).toEqual(expected);
}

const sentName = (sent: unknown) => (sent as Body).name;

const TARGETS: Target[] = [
  {
    name: 'createVoucherGroup',
    path: (ctx) => `${siteUrl(ctx.siteId)}/hotspot/voucher-groups`,
    guarded: true,
    runs: RUNS,
    valid: (_ctx, n) => ({
      name: `Fuzz group ${n}`,
      amount: 2,
      codeLength: 8,
      codeForm: [0, 1],
      limitType: 0,
      limitNum: 1,
      durationType: 0,
      duration: 1440,
      timingType: 0,
      rateLimit: { mode: 0, customRateLimit: { downLimitEnable: true, downLimit: 10_240, upLimitEnable: false } },
      trafficLimitEnable: false,
      unitPrice: 500,
      currency: 'USD',
      applyToAllPortals: true,
      description: 'day pass',
    }),
    async succeeded(ctx, sent, result, grown) {
      expect(result).toEqual({ id: expect.stringMatching(HEX_ID) });
      const id = (result as { id: string }).id;
      const detail = (
        await ctx.h.call({ method: 'GET', url: `${siteUrl(ctx.siteId)}/hotspot/voucher-groups/${id}?page=1&pageSize=1`, token: ctx.token })
      ).json();
      expect(detail.errorCode).toBe(0);
      expect(detail.result.name).toBe(sentName(sent));
      expectGrowth(grown, { voucher_groups: 1, vouchers: (sent as { amount: number }).amount });
    },
  },
  {
    name: 'addPortal',
    path: (ctx) => `${siteUrl(ctx.siteId)}/portal`,
    guarded: true,
    runs: RUNS,
    valid: (_ctx, n) => ({
      name: `Fuzz portal ${n}`,
      enable: true,
      authType: 11,
      hotspot: { enabledTypes: [3] },
      authTimeout: { customTimeout: 2, customTimeoutUnit: 2 },
      httpsRedirectEnable: false,
      landingPage: 2,
      landingUrlScheme: 'https',
      landingUrl: 'example.com/welcome',
      ssidList: ['ssid-1'],
    }),
    async succeeded(ctx, sent, result, grown) {
      expect(result).toBeUndefined();
      const list = (await ctx.h.call({ method: 'GET', url: `${siteUrl(ctx.siteId)}/portals`, token: ctx.token })).json();
      expect(list.result.map((portal: { name: string }) => portal.name)).toContain(sentName(sent));
      expectGrowth(grown, { portals: 1 });
    },
  },
  {
    name: 'createRateLimitProfile',
    path: (ctx) => `${siteUrl(ctx.siteId)}/rate-limit-profiles`,
    guarded: true,
    runs: RUNS,
    valid: (_ctx, n) => ({ name: `Fuzz profile ${n}`, downLimitEnable: true, downLimit: 10_240, upLimitEnable: true, upLimit: 2048 }),
    async succeeded(ctx, sent, result, grown) {
      expect(result).toBeUndefined();
      const list = (await ctx.h.call({ method: 'GET', url: `${siteUrl(ctx.siteId)}/rate-limit-profiles`, token: ctx.token })).json();
      expect(list.result.map((profile: { name: string }) => profile.name)).toContain(sentName(sent));
      expectGrowth(grown, { rate_limit_profiles: 1 });
    },
  },
  {
    name: 'createNewSite',
    path: () => `/openapi/v1/${OMADAC_ID}/sites`,
    guarded: true,
    runs: RUNS,
    valid: (_ctx, n) => ({ ...structuredClone(VALID_SITE), name: `Fuzz site ${n}`, tagIds: ['t1'], longitude: -0.12, latitude: 51.5 }),
    async succeeded(ctx, sent, result, grown) {
      expect(result).toEqual({ siteId: expect.stringMatching(HEX_ID) });
      const site = (await ctx.h.call({ method: 'GET', url: siteUrl((result as { siteId: string }).siteId), token: ctx.token })).json();
      expect(site.errorCode).toBe(0);
      expect(site.result.name).toBe(sentName(sent));
      const { password } = (sent as { deviceAccountSetting: { password: string } }).deviceAccountSetting;
      if (password.length >= 8) expect(JSON.stringify(site.result)).not.toContain(password);
      expectGrowth(grown, { sites: 1, rate_limit_profiles: 1 });
    },
  },
  {
    name: 'token (client credentials)',
    path: () => '/openapi/authorize/token',
    baseQuery: 'grant_type=client_credentials',
    guarded: false,
    runs: TOKEN_RUNS,
    valid: (ctx) => ({ omadacId: OMADAC_ID, client_id: ctx.client.clientId, client_secret: ctx.client.clientSecret }),
    async succeeded(ctx, _sent, result, grown) {
      expect(result).toEqual({
        accessToken: expect.stringMatching(/^AT-[A-Za-z0-9]{32}$/),
        tokenType: 'bearer',
        expiresIn: 7200,
        refreshToken: expect.stringMatching(/^RT-[A-Za-z0-9]{32}$/),
      });
      const { accessToken } = result as { accessToken: string };
      const sites = await ctx.h.call({ method: 'GET', url: `/openapi/v1/${OMADAC_ID}/sites?page=1&pageSize=1`, token: accessToken });
      expect(sites.json().errorCode).toBe(0);
      expectGrowth(grown, { access_tokens: 1, refresh_tokens: 1 });
    },
  },
];

// ---------------------------------------------------------------------------------------------
// The properties.

/** The HTTP status CONTRACT §2 gives an errorCode. */
function statusesOf(errorCode: number): number[] {
  switch (errorCode) {
    case 0:
      return [200];
    case -1001:
      return [200, 400, 413];
    case -44112:
    case -44113:
      return [401];
    case -1005:
    case -1505:
      return [403];
    case -1600:
      return [404];
    case -7132:
      return [429];
    case -1:
      return [];
    default:
      return [200];
  }
}

/** The envelope, with a status that fits its code; the full answer is in every failure message. */
function expectEnvelope(response: LightMyRequestResponse): { errorCode: number; msg: string; result?: unknown } {
  const shown = `${response.statusCode} ${response.body.slice(0, 500)}`;
  expect(response.statusCode, shown).toBeLessThan(500);
  expect(response.headers['content-type'], shown).toMatch(/^application\/json/);
  const body = JSON.parse(response.body) as Record<string, unknown>;
  expect(Object.keys(body).filter((key) => !['errorCode', 'msg', 'result'].includes(key)), shown).toEqual([]);
  expect(Number.isInteger(body.errorCode), shown).toBe(true);
  expect(typeof body.msg, shown).toBe('string');
  expect(statusesOf(body.errorCode as number), shown).toContain(response.statusCode);
  if (body.errorCode !== 0) expect('result' in body, shown).toBe(false);
  return body as { errorCode: number; msg: string; result?: unknown };
}

function headersOf(request: FuzzRequest, token: string, guarded: boolean): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = { ...request.extraHeaders };
  if (typeof request.contentType === 'string') headers['content-type'] = request.contentType;
  else if (request.contentType !== undefined) headers['content-type'] = [...request.contentType];
  const valid = `AccessToken=${token}`;
  if (request.authorization === 'valid') {
    if (guarded) headers.authorization = valid;
  } else if (request.authorization === 'duplicated') {
    headers.authorization = [valid, 'AccessToken=AT-other'];
  } else if (request.authorization !== 'none') {
    headers.authorization = request.authorization;
  }
  return headers;
}

describe('bad input never breaks a create endpoint', () => {
  let h: Harness;
  let ctx: Context;
  let counter = 0;
  beforeAll(async () => {
    h = await createHarness({ bodyLimitBytes: BODY_LIMIT });
    const token = await h.token('admin');
    ctx = { h, token, siteId: await h.createSite(), client: await h.newApp('viewer') };
  });
  afterAll(() => h.close());

  it.each(TARGETS)('$name', async (target) => {
    await fc.assert(
      fc.asyncProperty(fuzzRequest, async (request) => {
        const valid = target.valid(ctx, ++counter);
        const payload = 'raw' in request.body ? request.body.raw : mutatedBody(valid, request.body.mutations);
        const base = target.baseQuery ?? '';
        const query = request.query === '' ? (base ? `?${base}` : '') : base ? `${request.query}&${base}` : request.query;
        const before = await tableCounts(h.store);
        const response = await h.app.inject({
          method: 'POST',
          url: `${target.path(ctx)}${query}`,
          headers: headersOf(request, ctx.token, target.guarded),
          payload,
        });

        const body = expectEnvelope(response);
        const after = await tableCounts(h.store);
        if (body.errorCode === 0) {
          const grown = Object.fromEntries(Object.entries(after).map(([table, rows]) => [table, rows - before[table]!]));
          await target.succeeded(ctx, JSON.parse(payload), body.result, grown);
        } else {
          expect(after, `${response.statusCode} ${response.body}`).toEqual(before);
        }
        const info = await h.call({ method: 'GET', url: '/api/info' });
        expect(info.statusCode).toBe(200);
      }),
      { seed: SEED, numRuns: target.runs },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The same rules, case by case.

describe('bad input, case by case', () => {
  let h: Harness;
  let ctx: Context;
  beforeAll(async () => {
    h = await createHarness({ bodyLimitBytes: BODY_LIMIT });
    const token = await h.token('admin');
    ctx = { h, token, siteId: await h.createSite(), client: await h.newApp('viewer') };
  });
  afterAll(() => h.close());

  /** Posts `payload` as JSON to a target as an admin, and checks it writes nothing. */
  async function refusedPost(target: Target, payload: string, contentType = 'application/json') {
    const before = await tableCounts(h.store);
    const response = await h.call({
      method: 'POST',
      url: `${target.path(ctx)}${target.baseQuery ? `?${target.baseQuery}` : ''}`,
      token: target.guarded ? ctx.token : undefined,
      headers: { 'content-type': contentType },
      payload,
    });
    expect(await tableCounts(h.store)).toEqual(before);
    return answer(response);
  }

  const malformed = (sentence: string) => ({ status: 400, body: { errorCode: -1001, msg: `Invalid request parameters. ${sentence}` } });

  it.each(TARGETS)('$name: a body over the limit answers 413 with the envelope', async (target) => {
    const payload = JSON.stringify({ ...target.valid(ctx, 0), padding: 'x'.repeat(BODY_LIMIT) });
    expect(await refusedPost(target, payload)).toEqual({
      status: 413,
      body: { errorCode: -1001, msg: `Invalid request parameters. The request body must not exceed ${BODY_LIMIT} bytes.` },
    });
  });

  it.each(TARGETS.flatMap((target) => [10_000, 100].map((depth) => [target.name, depth, target] as const)))(
    '%s: JSON nested %i levels deep is refused as malformed, whatever field holds it',
    async (_name, depth, target) => {
      const deepObject = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const deepArray = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const expected = malformed('The request body must not nest deeper than 32 levels.');
      expect(await refusedPost(target, deepObject)).toEqual(expected);
      expect(await refusedPost(target, deepArray)).toEqual(expected);
      const inField = JSON.stringify({ ...target.valid(ctx, 0), name: '\u0001' }).replace('"\\u0001"', deepObject);
      expect(await refusedPost(target, inField)).toEqual(expected);
    },
  );

  it('measures nesting by brackets outside strings, and takes what the Omada bodies need', async () => {
    const group = TARGETS[0]!;
    const brackets = await h.call({
      method: 'POST',
      url: group.path(ctx),
      token: ctx.token,
      payload: { ...group.valid(ctx, 0), name: '[[[[{{{{', description: `${'{['.repeat(100)}\\"` },
    });
    expect(expectEnvelope(brackets).errorCode, brackets.body).toBe(0);
    const portal = TARGETS[1]!;
    const ignored = `${'{"a":'.repeat(30)}1${'}'.repeat(30)}`;
    const payload = JSON.stringify({ ...portal.valid(ctx, 0), name: 'Deep but ignored', portalCustomize: '\u0001' }).replace('"\\u0001"', ignored);
    const deep = await h.call({ method: 'POST', url: portal.path(ctx), token: ctx.token, headers: { 'content-type': 'application/json' }, payload });
    expect(answer(deep)).toEqual({ status: 200, body: { errorCode: 0, msg: 'Success.' } });
  });

  it.each([
    ['amount', '1e308', 'amount must be within 1-5000.'],
    ['amount', '1e400', 'amount must be within 1-5000.'],
    ['amount', '-1e308', 'amount must be within 1-5000.'],
    ['amount', '-0', 'amount must be within 1-5000.'],
    ['amount', '2.5', 'amount must be an integer.'],
    ['amount', '123456789012345678901234567890', 'amount must be within 1-5000.'],
    ['duration', '9007199254740993', 'duration must be within 1-14400000.'],
    ['unitPrice', '-1', 'unitPrice must be within 1-999999999.'],
    ['expirationTime', '1e308', 'expirationTime must be within 0-9007199254740991.'],
    ['amount', '"NaN"', 'amount must be an integer.'],
    ['amount', '"1"', 'amount must be an integer.'],
  ])('a voucher group with %s %s is refused: %s', async (field, raw, sentence) => {
    const group = TARGETS[0]!;
    const payload = JSON.stringify({ ...group.valid(ctx, 0), [field]: '\u0001' }).replace('"\\u0001"', raw);
    expect(await refusedPost(group, payload)).toEqual({ status: 200, body: { errorCode: -1001, msg: `Invalid request parameters. ${sentence}` } });
  });

  it.each([
    ['longitude', '1e308', 'longitude must be within -180-180.'],
    ['latitude', '-1e400', 'latitude must be within -90-90.'],
    ['type', '1e308', 'type must be within 0-1.'],
  ])('a site with %s %s is refused: %s', async (field, raw, sentence) => {
    const site = TARGETS[3]!;
    const payload = JSON.stringify({ ...site.valid(ctx, 0), [field]: '\u0001' }).replace('"\\u0001"', raw);
    expect(await refusedPost(site, payload)).toEqual({ status: 200, body: { errorCode: -1001, msg: `Invalid request parameters. ${sentence}` } });
  });

  it.each(TARGETS.flatMap((target) => ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/vnd.api+json', ''].map((type) => [target.name, type, target] as const)))(
    '%s: a body sent as %j is refused as malformed',
    async (_name, contentType, target) => {
      expect(await refusedPost(target, JSON.stringify(target.valid(ctx, 0)), contentType)).toEqual(
        malformed('Content-Type must be application/json.'),
      );
    },
  );

  it.each(TARGETS.filter((target) => target.guarded).flatMap((target) => [
    ['a NUL', 'a\u0000b'],
    ['an unpaired high surrogate', 'a\ud800b'],
    ['an unpaired low surrogate', '\udc00'],
  ].map(([what, name]) => [target.name, what!, name!, target] as const)))(
    '%s: a name holding %s is refused, since no database keeps it as sent',
    async (_name, _what, name, target) => {
      expect(await refusedPost(target, JSON.stringify({ ...target.valid(ctx, 0), name }))).toEqual({
        status: 200,
        body: { errorCode: -1001, msg: 'Invalid request parameters. name must not contain NUL characters or unpaired surrogates.' },
      });
    },
  );

  it('refuses a NUL in a nested field, a list item or the query string, naming it', async () => {
    const group = TARGETS[0]!;
    const body = group.valid(ctx, 0);
    const nestedPayload = JSON.stringify({ ...body, rateLimit: { mode: 1, rateLimitProfileId: 'x\u0000' } });
    expect((await refusedPost(group, nestedPayload)).body).toEqual({
      errorCode: -1001,
      msg: 'Invalid request parameters. rateLimit.rateLimitProfileId must not contain NUL characters or unpaired surrogates.',
    });
    const listPayload = JSON.stringify({ ...body, applyToAllPortals: false, portals: ['\u0000'] });
    expect((await refusedPost(group, listPayload)).body).toEqual({
      errorCode: -1001,
      msg: 'Invalid request parameters. portals[0] must not contain NUL characters or unpaired surrogates.',
    });
    const before = await tableCounts(h.store);
    const token = await h.call({
      method: 'POST',
      url: '/openapi/authorize/token?grant_type=client_credentials&client_id=%00',
      payload: { omadacId: OMADAC_ID, client_secret: 'x' },
    });
    expect(answer(token)).toEqual({
      status: 200,
      body: { errorCode: -1001, msg: 'Invalid request parameters. client_id must not contain NUL characters or unpaired surrogates.' },
    });
    expect(await tableCounts(h.store)).toEqual(before);
  });

  it('answers −33000 for a site id that cannot be an id, without asking the database', async () => {
    const lookups = vi.spyOn(h.store.sites, 'get');
    try {
      for (const siteId of ['%00', 'x', '0'.repeat(25), 'ABCDEF0123456789ABCDEF01', '%F0%9F%99%82']) {
        const response = await h.call({
          method: 'POST',
          url: `${siteUrl(siteId)}/rate-limit-profiles`,
          token: ctx.token,
          payload: { name: 'p', downLimitEnable: false, upLimitEnable: false },
        });
        expect(answer(response), siteId).toEqual({ status: 200, body: { errorCode: -33000, msg: 'This site does not exist.' } });
      }
      expect(lookups).not.toHaveBeenCalled();
    } finally {
      lookups.mockRestore();
    }
  });

  it.each([
    ['a zero-width joiner', 'Staff \u{1F469}\u200d\u{1F4BB} pass'],
    ['right-to-left marks', '\u200f\u05e9\u05dc\u05d5\u05dd pass'],
    ['a right-to-left override', 'pass \u202egnp.exe'],
    ['emoji outside the BMP', '\u{1F642}\u{1F642}\u{1F642}'],
    ['a combining accent', 'Cafe\u0301 pass'],
  ])('keeps a name with %s exactly as sent', async (_what, name) => {
    for (const target of TARGETS.filter((candidate) => candidate.guarded)) {
      const sent = { ...target.valid(ctx, 0), name };
      const before = await tableCounts(h.store);
      const response = await h.call({ method: 'POST', url: target.path(ctx), token: ctx.token, payload: sent });
      const body = expectEnvelope(response);
      expect(body.errorCode, `${target.name}: ${response.body}`).toBe(0);
      const after = await tableCounts(h.store);
      const grown = Object.fromEntries(Object.entries(after).map(([table, rows]) => [table, rows - before[table]!]));
      // succeeded() reads the name back and compares it with what was sent.
      await target.succeeded(ctx, sent, body.result, grown);
    }
  });

  it('answers duplicated Content-Type and Authorization headers over a real socket, the first one winning', async () => {
    const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const port = Number(new URL(address).port);
    // Written by hand: Node's HTTP client would not send these headers twice. The server closes the
    // connection once it has answered (Connection: close); ending it first could cut the answer off.
    const send = (headers: string[], body: string) =>
      new Promise<string>((resolve, reject) => {
        const lines = [
          `POST ${siteUrl(ctx.siteId)}/rate-limit-profiles HTTP/1.1`,
          'Host: 127.0.0.1',
          'Connection: close',
          `Content-Length: ${Buffer.byteLength(body)}`,
          ...headers,
        ];
        const socket = connect(port, '127.0.0.1', () => socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`));
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (text += chunk));
        socket.on('error', reject);
        socket.on('close', () => resolve(text));
      });
    const statusAndBody = (text: string) => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      return { status: Number(head.split(' ')[1]), body };
    };
    const profile = (name: string) => JSON.stringify({ name, downLimitEnable: false, upLimitEnable: false });
    const token = `Authorization: AccessToken=${ctx.token}`;

    const json = await send(['Content-Type: application/json', 'Content-Type: text/plain', token, 'Authorization: AccessToken=AT-x'], profile('Duplicated 1'));
    expect(statusAndBody(json)).toEqual({ status: 200, body: '{"errorCode":0,"msg":"Success."}' });
    const plain = await send(['Content-Type: text/plain', 'Content-Type: application/json', token], profile('Duplicated 2'));
    expect(statusAndBody(plain)).toEqual({
      status: 400,
      body: '{"errorCode":-1001,"msg":"Invalid request parameters. Content-Type must be application/json."}',
    });
    const unauthorised = await send(['Content-Type: application/json', 'Authorization: AccessToken=AT-x', token], profile('Duplicated 3'));
    expect(statusAndBody(unauthorised)).toEqual({ status: 401, body: '{"errorCode":-44113,"msg":"The Access Token is Invalid."}' });
  });
});

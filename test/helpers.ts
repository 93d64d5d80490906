import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppSettings } from '../src/app.js';
import { AppService } from '../src/domain/apps.js';
import { cryptoRandom, type Clock } from '../src/domain/clock.js';
import type { CodeAlphabet } from '../src/domain/codes.js';
import type { Role } from '../src/domain/permissions.js';
import { createLogger } from '../src/logger.js';
import type { KyselyStore } from '../src/store/kysely-store.js';
import type { SiteScope } from '../src/store/port.js';
import { createTestStore, type TestStore } from './test-store.js';

export const OMADAC_ID = '0123456789abcdef0123456789abcdef';
export const START = Date.UTC(2026, 0, 15, 12, 0, 0);

/** A clock that stands still until a test moves it. */
export class TestClock implements Clock {
  constructor(public current = START) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export interface Harness {
  readonly app: FastifyInstance;
  readonly store: KyselyStore;
  /** The database under the store, to open a second store on it as another instance would. */
  readonly database: TestStore;
  readonly clock: TestClock;
  readonly apps: AppService;
  readonly settings: AppSettings;
  /** Every log line the app wrote, as text. */
  readonly logs: () => string;
  /** Creates an app with this role and scope and answers its credentials. */
  newApp(role?: Role, scope?: SiteScope): Promise<{ clientId: string; clientSecret: string }>;
  /** An access token of a new app with this role and scope. */
  token(role?: Role, scope?: SiteScope): Promise<string>;
  /** Calls the API; `token` becomes the Authorization header. */
  call(options: InjectOptions & { token?: string }): Promise<LightMyRequestResponse>;
  /** Creates a site through the API as an admin and answers its id. */
  createSite(overrides?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export const VALID_SITE = {
  name: 'Harbour Cafe',
  region: 'United States',
  timeZone: 'America/New_York',
  scenario: 'Restaurant',
  deviceAccountSetting: { username: 'admin', password: 'Tr0ub4dor&3x' },
} as const;

/** The smallest valid voucher group: only the required fields, one voucher. */
export const MINIMAL_GROUP = {
  name: 'Minimal',
  amount: 1,
  codeLength: 6,
  codeForm: [0],
  limitType: 2,
  durationType: 0,
  duration: 60,
  timingType: 0,
  rateLimit: { mode: 0, customRateLimit: { downLimitEnable: false, upLimitEnable: false } },
  trafficLimitEnable: false,
  applyToAllPortals: true,
} as const;

let siteCounter = 0;

export interface HarnessOptions {
  /** Voucher codes drawn from these characters, to make a code space small. */
  readonly codeAlphabet?: CodeAlphabet;
}

export async function createHarness(overrides: Partial<AppSettings> = {}, options: HarnessOptions = {}): Promise<Harness> {
  const database = await createTestStore();
  const { store } = database;
  const clock = new TestClock();
  const settings: AppSettings = {
    omadacId: OMADAC_ID,
    accessTokenTtlSeconds: 7200,
    refreshTokenTtlSeconds: 1_209_600,
    siteLimit: 10_000,
    voucherLimitPerSite: 100_000,
    bodyLimitBytes: 1_048_576,
    // The test clock stands still, so a whole suite's token requests share one window: no limits
    // unless a test asks for them (test/rate-limits.test.ts).
    tokenRateLimitPerClient: 0,
    tokenRateLimitPerAddress: 0,
    ...overrides,
  };
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const app = await buildApp({
    store,
    clock,
    random: cryptoRandom,
    logger: createLogger('trace', sink),
    settings,
    ...(options.codeAlphabet && { codeAlphabet: options.codeAlphabet }),
  });
  const apps = new AppService(store, clock, cryptoRandom, OMADAC_ID);
  let adminToken: string | undefined;

  const call: Harness['call'] = ({ token, headers, ...rest }) =>
    app.inject({ ...rest, headers: { ...headers, ...(token !== undefined && { authorization: `AccessToken=${token}` }) } });

  const newApp: Harness['newApp'] = async (role = 'admin', scope = 'all') => {
    const { credentials } = await apps.create({ name: `test ${role}`, role, siteScope: scope });
    return credentials;
  };

  const token: Harness['token'] = async (role = 'admin', scope = 'all') => {
    const credentials = await newApp(role, scope);
    const response = await app.inject({
      method: 'POST',
      url: '/openapi/authorize/token?grant_type=client_credentials',
      payload: { omadacId: OMADAC_ID, client_id: credentials.clientId, client_secret: credentials.clientSecret },
    });
    const body = response.json();
    if (body.errorCode !== 0) throw new Error(`token request failed: ${response.body}`);
    return body.result.accessToken as string;
  };

  return {
    app,
    store,
    database,
    clock,
    apps,
    settings,
    logs: () => chunks.join(''),
    newApp,
    token,
    call,
    async createSite(siteOverrides = {}) {
      adminToken ??= await token('admin');
      const response = await call({
        method: 'POST',
        url: `/openapi/v1/${OMADAC_ID}/sites`,
        token: adminToken,
        payload: { ...VALID_SITE, name: `Site ${++siteCounter}`, ...siteOverrides },
      });
      const body = response.json();
      if (body.errorCode !== 0) throw new Error(`site create failed: ${response.body}`);
      return body.result.siteId as string;
    },
    async close() {
      await app.close();
      await store.close();
      await database.dispose();
    },
  };
}

/** The whole envelope and status, so a failing assertion shows the full answer. */
export function answer(response: LightMyRequestResponse): { status: number; body: unknown } {
  return { status: response.statusCode, body: response.json() };
}

/** Row counts of every table that a request could write, to show a refused request wrote nothing. */
export async function tableCounts(store: KyselyStore): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['apps', 'access_tokens', 'refresh_tokens', 'sites', 'settings', 'site_locks', 'rate_limit_profiles', 'portals', 'voucher_groups', 'voucher_group_portals', 'vouchers', 'sessions', 'voucher_logos', 'voucher_print_patterns'] as const) {
    const row = await store.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

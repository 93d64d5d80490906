import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, createHarness, tableCounts, type Harness } from './helpers.js';
import {
  createPortal,
  createProfile,
  CURRENCY_CONFLICT,
  CURRENCY_NOT_SUPPORTED,
  DAY_MS,
  DUPLICATED_NAME,
  EXPIRATION_TOO_FAR,
  groupsUrl,
  HEX_ID,
  MINIMAL_GROUP,
  PORTAL_REQUIRED,
  PORTALS_NOT_EXIST,
  postGroup,
  PROFILE_NOT_EXIST,
  refused,
  settingUrl,
  SITE_BUSY,
  SITE_NOT_EXIST,
  success,
  TOKEN_EXPIRED,
  TOKEN_INVALID,
  uniqueName,
  VOUCHER_LIMIT,
  type Body,
} from './voucher-groups-support.js';
import { siteNumber } from '../src/store/sql-helpers.js';

/**
 * Every error code createVoucherGroup documents, each with its exact message, and for each that
 * the refused create wrote nothing: no group, no voucher, no portal link, no counter moved.
 */

const created = () => ({
  status: 200,
  body: { errorCode: 0, msg: 'Success.', result: { id: expect.stringMatching(HEX_ID) } },
});

const group = (overrides: Body = {}): Body => ({ ...MINIMAL_GROUP, name: uniqueName('Err'), ...overrides });

describe('createVoucherGroup error codes', () => {
  let h: Harness;
  let admin: string;

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
  });
  afterAll(() => h.close());

  it('answers −33000 for a site that does not exist', () =>
    refused(h, () => postGroup(h, admin, 'b'.repeat(24), group()), SITE_NOT_EXIST),
  );

  it('answers −33004 while the site is locked, and creates once it is unlocked', async () => {
    const siteId = await h.createSite();
    const now = h.clock.now();
    expect(await h.store.sites.lock(siteId, 'test', now, now + 60_000)).toBe(true);
    await refused(h, () => postGroup(h, admin, siteId, group()), SITE_BUSY);
    await refused(
      h,
      () => h.call({ method: 'PATCH', url: settingUrl(siteId), token: admin, payload: { currency: 'USD' } }),
      SITE_BUSY,
    );
    // The spec lists −33004 for the reads too: a locked site is not read either.
    await refused(h, () => h.call({ method: 'GET', url: groupsUrl(siteId, 'page=1&pageSize=10'), token: admin }), SITE_BUSY);
    await h.store.sites.unlock(siteId);
    expect(answer(await postGroup(h, admin, siteId, group()))).toEqual(created());
  });

  it('answers −33004 and writes nothing when the lock is taken after the guard let the request in', async () => {
    const siteId = await h.createSite();
    const sites = h.store.sites as { get: (id: string) => ReturnType<Harness['store']['sites']['get']> };
    const original = sites.get;
    // The guard reads the site unlocked; a deletion takes the lock before the create's transaction.
    sites.get = async (id) => {
      const found = await original.call(h.store.sites, id);
      const now = h.clock.now();
      await h.store.sites.lock(id, 'test', now, now + 60_000);
      return found;
    };
    try {
      const before = await tableCounts(h.store);
      expect(answer(await postGroup(h, admin, siteId, group()))).toEqual(SITE_BUSY);
      // Only the lock itself was written.
      expect(await tableCounts(h.store)).toEqual({ ...before, site_locks: before.site_locks! + 1 });
    } finally {
      sites.get = original;
      await h.store.sites.unlock(siteId);
    }
  });

  it('answers −33732 for a rate limit profile that is not one of this site', async () => {
    const siteId = await h.createSite();
    const otherSiteId = await h.createSite();
    const foreign = await createProfile(h, admin, otherSiteId, 'Elsewhere', { downLimitEnable: false, upLimitEnable: false });
    const own = await createProfile(h, admin, siteId, 'Here', { downLimitEnable: false, upLimitEnable: false });
    for (const profileId of ['c'.repeat(24), 'not-an-id', foreign]) {
      await refused(h, () => postGroup(h, admin, siteId, group({ rateLimit: { mode: 1, rateLimitProfileId: profileId } })), PROFILE_NOT_EXIST);
    }
    expect(answer(await postGroup(h, admin, siteId, group({ rateLimit: { mode: 1, rateLimitProfileId: own } })))).toEqual(created());
  });

  it('answers −42010 past VOUCHER_LIMIT_PER_SITE: 60 fit, 41 more do not, 40 more do', async () => {
    const small = await createHarness({ voucherLimitPerSite: 100 });
    try {
      const token = await small.token('admin');
      const siteId = await small.createSite();
      const otherSiteId = await small.createSite();
      expect(answer(await postGroup(small, token, siteId, group({ amount: 60 })))).toEqual(created());
      await refused(small, () => postGroup(small, token, siteId, group({ amount: 41 })), VOUCHER_LIMIT);
      // The cap is per site: another site still takes its own 100.
      expect(answer(await postGroup(small, token, otherSiteId, group({ amount: 100 })))).toEqual(created());
      expect(answer(await postGroup(small, token, siteId, group({ amount: 40 })))).toEqual(created());
      await refused(small, () => postGroup(small, token, siteId, group({ amount: 1 })), VOUCHER_LIMIT);
      const rows = await small.store.db.selectFrom('vouchers').select('site_number').where('site_number', '=', siteNumber(siteId)).execute();
      expect(rows).toHaveLength(100);
    } finally {
      await small.close();
    }
  });

  it('answers −42010 when the code space is too full: 64 codes of 6 binary digits take 60, refuse 5, take the last 4', async () => {
    const tiny = await createHarness({}, { codeAlphabet: { digits: '01', letters: 'AB' } });
    try {
      const token = await tiny.token('admin');
      const siteId = await tiny.createSite();
      const binary = (amount: number) => group({ amount, codeLength: 6, codeForm: [0] });
      expect(answer(await postGroup(tiny, token, siteId, binary(60)))).toEqual(created());
      await refused(tiny, () => postGroup(tiny, token, siteId, binary(5)), VOUCHER_LIMIT);
      expect(answer(await postGroup(tiny, token, siteId, binary(4)))).toEqual(created());
      await refused(tiny, () => postGroup(tiny, token, siteId, binary(1)), VOUCHER_LIMIT);
      const codes = (await tiny.store.db.selectFrom('vouchers').select('code').where('site_number', '=', siteNumber(siteId)).execute()).map(
        (row) => row.code,
      );
      expect(codes).toHaveLength(64);
      expect(new Set(codes).size).toBe(64);
      expect(codes.every((code) => /^[01]{6}$/.test(code))).toBe(true);
      // Another length or form is another space: it still has room.
      expect(answer(await postGroup(tiny, token, siteId, group({ amount: 64, codeLength: 6, codeForm: [1] })))).toEqual(created());
      expect(answer(await postGroup(tiny, token, siteId, group({ amount: 1, codeLength: 7, codeForm: [0] })))).toEqual(created());
    } finally {
      await tiny.close();
    }
  });

  it.each([
    ['without portals', {}],
    ['with an empty portal list', { portals: [] }],
  ])('answers −42036 when applyToAllPortals is false %s', async (_label, portals) => {
    const siteId = await h.createSite();
    await createPortal(h, admin, siteId, 'Lobby');
    await refused(h, () => postGroup(h, admin, siteId, group({ applyToAllPortals: false, ...portals })), PORTAL_REQUIRED);
  });

  it('answers −42059 for a name the site already holds; another site may use it', async () => {
    const siteId = await h.createSite();
    const otherSiteId = await h.createSite();
    expect(answer(await postGroup(h, admin, siteId, group({ name: 'Morning Pass' })))).toEqual(created());
    await refused(h, () => postGroup(h, admin, siteId, group({ name: 'Morning Pass', amount: 3 })), DUPLICATED_NAME);
    expect(answer(await postGroup(h, admin, otherSiteId, group({ name: 'Morning Pass' })))).toEqual(created());
  });

  it.each(['XYZ', 'usd', 'US', 'USDX', ' USD'])('answers −42060 for the currency %j', async (currency) => {
    const siteId = await h.createSite();
    await refused(h, () => postGroup(h, admin, siteId, group({ unitPrice: 100, currency })), CURRENCY_NOT_SUPPORTED);
    await refused(
      h,
      () => h.call({ method: 'PATCH', url: settingUrl(siteId), token: admin, payload: { currency } }),
      CURRENCY_NOT_SUPPORTED,
    );
  });

  it('answers −42061 for a currency other than the one the hotspot setting holds', async () => {
    const siteId = await h.createSite();
    expect(answer(await h.call({ method: 'PATCH', url: settingUrl(siteId), token: admin, payload: { currency: 'EUR' } }))).toEqual(success());
    await refused(h, () => postGroup(h, admin, siteId, group({ unitPrice: 100, currency: 'USD' })), CURRENCY_CONFLICT);
    expect(answer(await postGroup(h, admin, siteId, group({ unitPrice: 100, currency: 'EUR' })))).toEqual(created());
    expect(answer(await postGroup(h, admin, siteId, group({ unitPrice: 100 })))).toEqual(created());
    expect(answer(await postGroup(h, admin, siteId, group()))).toEqual(created());
  });

  it('answers −42061 for a currency other than the one the site’s groups hold', async () => {
    const siteId = await h.createSite();
    expect(answer(await postGroup(h, admin, siteId, group({ unitPrice: 100, currency: 'GBP' })))).toEqual(created());
    await refused(h, () => postGroup(h, admin, siteId, group({ unitPrice: 100, currency: 'EUR' })), CURRENCY_CONFLICT);
    expect(answer(await postGroup(h, admin, siteId, group({ unitPrice: 100, currency: 'GBP' })))).toEqual(created());
    // The site's currency is the other site's business only.
    const otherSiteId = await h.createSite();
    expect(answer(await postGroup(h, admin, otherSiteId, group({ unitPrice: 100, currency: 'EUR' })))).toEqual(created());
  });

  it('answers −42062 when a listed portal is not one of this site', async () => {
    const siteId = await h.createSite();
    const otherSiteId = await h.createSite();
    const own = await createPortal(h, admin, siteId, 'Lobby');
    const foreign = await createPortal(h, admin, otherSiteId, 'Terrace');
    for (const portals of [['c'.repeat(24)], [foreign], [own, foreign], [own, 'c'.repeat(24)], ['']]) {
      await refused(h, () => postGroup(h, admin, siteId, group({ applyToAllPortals: false, portals })), PORTALS_NOT_EXIST);
    }
    expect(answer(await postGroup(h, admin, siteId, group({ applyToAllPortals: false, portals: [own] })))).toEqual(created());
    expect(answer(await postGroup(h, admin, siteId, group({ applyToAllPortals: false, portals: [own, own] })))).toEqual(created());
  });

  it('answers −42063 for an expirationTime more than 1000 days ahead; exactly 1000 days is fine', async () => {
    const siteId = await h.createSite();
    const now = h.clock.now();
    const window = (expirationTime: number) => group({ validityType: 1, effectiveTime: now, expirationTime });
    await refused(h, () => postGroup(h, admin, siteId, window(now + 1000 * DAY_MS + 1)), EXPIRATION_TOO_FAR);
    await refused(h, () => postGroup(h, admin, siteId, window(now + 5000 * DAY_MS)), EXPIRATION_TOO_FAR);
    expect(answer(await postGroup(h, admin, siteId, window(now + 1000 * DAY_MS)))).toEqual(created());
    // The bound moves with the clock.
    h.clock.advance(60_000);
    expect(answer(await postGroup(h, admin, siteId, window(now + 1000 * DAY_MS + 60_000)))).toEqual(created());
    await refused(h, () => postGroup(h, admin, siteId, window(now + 1000 * DAY_MS + 60_001)), EXPIRATION_TOO_FAR);
  });

  it('answers 401 −44113 without a token, or with one it does not know', async () => {
    const siteId = await h.createSite();
    await refused(h, () => h.call({ method: 'POST', url: groupsUrl(siteId), payload: group() }), TOKEN_INVALID);
    await refused(h, () => postGroup(h, 'AT-NoSuchTokenNoSuchTokenNoSuchToken1', siteId, group()), TOKEN_INVALID);
  });

  it('answers 401 −44112 with an expired token', async () => {
    const short = await createHarness({ accessTokenTtlSeconds: 60 });
    try {
      const token = await short.token('admin');
      const siteId = await short.createSite();
      short.clock.advance(60_000);
      await refused(short, () => postGroup(short, token, siteId, group()), TOKEN_EXPIRED);
    } finally {
      await short.close();
    }
  });

  it('lets exactly one of five racing creates of one name through', async () => {
    const siteId = await h.createSite();
    const before = await tableCounts(h.store);
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => postGroup(h, admin, siteId, group({ name: 'Rush hour', amount: 10 }))),
    );
    const answers = responses.map(answer);
    expect(answers.filter((one) => (one.body as { errorCode: number }).errorCode === 0)).toHaveLength(1);
    expect(answers.filter((one) => (one.body as { errorCode: number }).errorCode !== 0)).toEqual(Array(4).fill(DUPLICATED_NAME));
    const after = await tableCounts(h.store);
    expect({ groups: after.voucher_groups! - before.voucher_groups!, vouchers: after.vouchers! - before.vouchers! }).toEqual({
      groups: 1,
      vouchers: 10,
    });
  });

  it('lets racing creates fill the site cap and no further', async () => {
    const small = await createHarness({ voucherLimitPerSite: 100 });
    try {
      const token = await small.token('admin');
      const siteId = await small.createSite();
      const responses = await Promise.all(Array.from({ length: 3 }, () => postGroup(small, token, siteId, group({ amount: 40 }))));
      const codes = responses.map((response) => response.json().errorCode as number).sort();
      expect(codes).toEqual([-42010, 0, 0]);
      expect((await tableCounts(small.store)).vouchers).toBe(80);
    } finally {
      await small.close();
    }
  });

  it('writes nothing when a group fails after its checks began: counts and the site counter stay put', async () => {
    const small = await createHarness({ voucherLimitPerSite: 10 });
    try {
      const token = await small.token('admin');
      const siteId = await small.createSite();
      const counter = async () =>
        (await small.store.db.selectFrom('sites').select('voucher_count').where('id', '=', siteId).executeTakeFirstOrThrow()).voucher_count;
      expect(answer(await postGroup(small, token, siteId, group({ name: 'Taken', amount: 4 })))).toEqual(created());
      await refused(small, () => postGroup(small, token, siteId, group({ name: 'Taken', amount: 4 })), DUPLICATED_NAME);
      await refused(small, () => postGroup(small, token, siteId, group({ amount: 7 })), VOUCHER_LIMIT);
      expect(Number(await counter())).toBe(4);
      const before = await tableCounts(small.store);
      expect(answer(await postGroup(small, token, siteId, group({ amount: 6 })))).toEqual(created());
      expect((await tableCounts(small.store)).vouchers).toBe(before.vouchers! + 6);
      expect(Number(await counter())).toBe(10);
    } finally {
      await small.close();
    }
  });
});

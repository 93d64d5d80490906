import { readFileSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoRandom } from '../src/domain/clock.js';
import { RATE_LIMIT_PROFILES_PER_SITE, RateLimitProfileService } from '../src/domain/rate-limit-profiles.js';
import { answer, createHarness, tableCounts, type Harness } from './helpers.js';
import { HAVE_SPEC, responseValidators, SKIP_NOTE, SPEC_FILE, type Spec } from './spec-support.js';
import { profilesUrl, profileUrl } from './voucher-groups-support.js';
import { siteNumber } from '../src/store/sql-helpers.js';

/**
 * Rate limit profiles: getRateLimitProfileList, createRateLimitProfile, modifyRateLimitProfile and
 * deleteRateLimitProfile. Expected codes and messages are written out from the spec's operation
 * descriptions, not imported from the error catalogue, so a typo there fails here.
 */

const HEX_ID = /^[0-9a-f]{24}$/;
const MAX_KBPS = 10_485_760;

type Expected = { status: number; body: Record<string, unknown> };
type Fields = Record<string, unknown>;

const SUCCESS: Expected = { status: 200, body: { errorCode: 0, msg: 'Success.' } };
const invalid = (sentence: string): Expected => ({
  status: 200,
  body: { errorCode: -1001, msg: `Invalid request parameters. ${sentence}` },
});
const NAME_RULE = 'name must contain 1 to 64 characters and not start or end with a space.';
const PROFILE_NOT_EXIST: Expected = { status: 200, body: { errorCode: -33732, msg: 'The Rate Limit profile does not exist.' } };
const PROFILE_EXISTS: Expected = { status: 200, body: { errorCode: -33733, msg: 'This Rate Limit profile already exists.' } };
const PROFILE_LIMIT: Expected = {
  status: 200,
  body: { errorCode: -33734, msg: 'The number of Rate Limit profiles has reached the limit.' },
};
const DEFAULT_UNDELETABLE: Expected = {
  status: 200,
  body: { errorCode: -33736, msg: 'The default Rate Limit profile cannot be deleted.' },
};
const usedByVoucher = (code: string): Expected => ({
  status: 200,
  body: {
    errorCode: -33737,
    msg: `Failed to delete the Rate Limit profile because the profile is used by Voucher Code ${code}.`,
  },
});
const SITE_BUSY: Expected = {
  status: 200,
  body: {
    errorCode: -33004,
    msg: 'Operation failed because other operations (site copying, restoring, template synchronizing, etc.) are being performed on this site. Please wait and try again later.',
  },
};

/** A body that every rule accepts; cases override one field at a time. */
const VALID = { name: 'Guest 10M', downLimitEnable: true, downLimit: 10_240, upLimitEnable: true, upLimit: 2048 };

let profileNames = 0;
const uniqueName = () => `Profile ${++profileNames}`;

interface ProfileView {
  profileId: string;
  name: string;
  downLimitEnable: boolean;
  downLimit?: number;
  upLimitEnable: boolean;
  upLimit?: number;
  defaultProfile: boolean;
}

describe('rate limit profiles', () => {
  let h: Harness;
  let admin: string;
  /** A site the field-rule cases create profiles in; other cases make sites of their own. */
  let siteId: string;

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
    siteId = await h.createSite();
  });
  afterAll(() => h.close());

  const create = (site: string, payload: unknown) => h.call({ method: 'POST', url: profilesUrl(site), token: admin, payload: payload as Fields });
  const list = (site: string) => h.call({ method: 'GET', url: profilesUrl(site), token: admin });
  const modify = (site: string, id: string, payload: unknown) =>
    h.call({ method: 'PUT', url: profileUrl(site, id), token: admin, payload: payload as Fields });
  const remove = (site: string, id: string) => h.call({ method: 'DELETE', url: profileUrl(site, id), token: admin });

  const profiles = async (site: string): Promise<ProfileView[]> => {
    const response = await list(site);
    expect(answer(response)).toMatchObject(SUCCESS);
    return response.json().result;
  };
  const profileNamed = async (site: string, name: string): Promise<ProfileView> => {
    const found = (await profiles(site)).find((profile) => profile.name === name);
    if (!found) throw new Error(`no profile named ${name} in ${site}`);
    return found;
  };
  const defaultOf = async (site: string) => (await profiles(site)).find((profile) => profile.defaultProfile)!;
  /** Creates a profile through the API and answers how the list shows it. */
  const made = async (site: string, fields: Fields = {}): Promise<ProfileView> => {
    const name = (fields.name as string | undefined) ?? uniqueName();
    expect(answer(await create(site, { ...VALID, ...fields, name }))).toEqual(SUCCESS);
    return profileNamed(site, name);
  };
  const profileRows = () => h.store.db.selectFrom('rate_limit_profiles').selectAll().orderBy('id').execute();

  /** Runs a request that must be refused: the full answer is `expected`, and nothing was written. */
  async function refused(run: () => Promise<LightMyRequestResponse>, expected: Expected) {
    const counts = await tableCounts(h.store);
    const rows = await profileRows();
    expect(answer(await run())).toEqual(expected);
    expect(await tableCounts(h.store)).toEqual(counts);
    expect(await profileRows()).toEqual(rows);
  }

  /** A voucher group of `site` using `profileId`, written straight to the tables, with these voucher codes. */
  async function groupUsing(site: string, profileId: string, name: string, codes: string[]): Promise<string> {
    const groupId = `${(++profileNames).toString(16).padStart(8, '0')}${'e'.repeat(16)}`;
    const now = h.clock.now();
    await h.store.db
      .insertInto('voucher_groups')
      .values({
        id: groupId,
        site_id: site,
        name,
        amount: codes.length,
        code_length: 6,
        code_form: '1',
        limit_type: 2,
        limit_num: null,
        duration_type: 0,
        duration: 60,
        timing_type: 0,
        rate_mode: 1,
        rate_profile_id: profileId,
        down_enable: 0,
        down_limit: null,
        up_enable: 0,
        up_limit: null,
        traffic_enable: 0,
        traffic_limit: null,
        traffic_frequency: 0,
        unit_price: null,
        currency: null,
        apply_all_portals: 1,
        validity_type: 0,
        effective_time: null,
        expiration_time: null,
        schedule: null,
        logout: 0,
        description: null,
        print_comments: null,
        creator_name: 'test',
        created_at: now,
        total_count: codes.length,
      })
      .execute();
    for (const [index, code] of codes.entries()) {
      await h.store.db
        .insertInto('vouchers')
        .values({ id: `${groupId.slice(0, 16)}${index.toString(16).padStart(8, '0')}`, site_number: siteNumber(site), group_id: groupId, code, created_at: now })
        .execute();
    }
    return groupId;
  }

  describe('the default profile', () => {
    it('is the one profile of a new site: named Default, no limits, marked default', async () => {
      const site = await h.createSite();
      const response = await list(site);
      const profileId = response.json().result?.[0]?.profileId;
      expect(answer(response)).toEqual({
        ...SUCCESS,
        body: {
          ...SUCCESS.body,
          result: [{ profileId, name: 'Default', downLimitEnable: false, upLimitEnable: false, defaultProfile: true }],
        },
      });
      expect(profileId).toMatch(HEX_ID);
    });

    it('cannot be deleted (−33736)', async () => {
      const site = await h.createSite();
      const { profileId } = await defaultOf(site);
      await refused(() => remove(site, profileId), DEFAULT_UNDELETABLE);
      expect(await profiles(site)).toHaveLength(1);
    });

    it('takes new limits under its own name', async () => {
      const site = await h.createSite();
      const { profileId } = await defaultOf(site);
      const change = { name: 'Default', downLimitEnable: true, downLimit: 4096, upLimitEnable: false };
      expect(answer(await modify(site, profileId, change))).toEqual(SUCCESS);
      expect(await profiles(site)).toEqual([
        { profileId, name: 'Default', downLimitEnable: true, downLimit: 4096, upLimitEnable: false, defaultProfile: true },
      ]);
    });

    it('keeps its name: renaming it answers −1001', async () => {
      const site = await h.createSite();
      const { profileId } = await defaultOf(site);
      await refused(
        () => modify(site, profileId, { ...VALID, name: 'Standard' }),
        invalid('name cannot be changed on the default profile.'),
      );
    });
  });

  describe('createRateLimitProfile and getRateLimitProfileList', () => {
    it('creates a profile, answering without a result, and lists it with a new 24-hex id', async () => {
      const site = await h.createSite();
      const response = await create(site, VALID);
      expect(answer(response)).toEqual(SUCCESS);
      const shown = await profileNamed(site, VALID.name);
      expect(shown).toEqual({ ...VALID, profileId: shown.profileId, defaultProfile: false });
      expect(shown.profileId).toMatch(HEX_ID);
      expect(shown.profileId).not.toBe((await defaultOf(site)).profileId);
    });

    it('lists the default profile first, then the others in creation order, as an array', async () => {
      const site = await h.createSite();
      const names = ['Zulu', 'Alpha', 'Mike', 'Bravo'];
      for (const name of names) {
        await made(site, { name });
        h.clock.advance(names.indexOf(name) % 2); // some in one millisecond, some apart
      }
      const { defaultProfile } = await defaultOf(site);
      expect(defaultProfile).toBe(true);
      expect((await profiles(site)).map((profile) => profile.name)).toEqual(['Default', ...names]);
    });

    it('keeps the default first after it is modified', async () => {
      const site = await h.createSite();
      await made(site, { name: 'Before' });
      const { profileId } = await defaultOf(site);
      expect(answer(await modify(site, profileId, { name: 'Default', downLimitEnable: false, upLimitEnable: false }))).toEqual(SUCCESS);
      expect((await profiles(site)).map((profile) => profile.name)).toEqual(['Default', 'Before']);
    });

    it('does not keep a limit whose direction is disabled', async () => {
      const shown = await made(siteId, { downLimitEnable: false, downLimit: 999, upLimitEnable: false, upLimit: 999 });
      expect(shown).toEqual({
        profileId: shown.profileId,
        name: shown.name,
        downLimitEnable: false,
        upLimitEnable: false,
        defaultProfile: false,
      });
      const row = await h.store.db.selectFrom('rate_limit_profiles').selectAll().where('id', '=', shown.profileId).executeTakeFirstOrThrow();
      expect([row.down_limit, row.up_limit]).toEqual([null, null]);
    });

    it('ignores body fields the operation does not take', async () => {
      const shown = await made(siteId, { profileId: 'f'.repeat(24), defaultProfile: true });
      expect(shown.profileId).not.toBe('f'.repeat(24));
      expect(shown.defaultProfile).toBe(false);
    });

    it('allows one name in two sites', async () => {
      const other = await h.createSite();
      await made(siteId, { name: 'Shared name' });
      await made(other, { name: 'Shared name' });
    });

    it('refuses a name the site already has (−33733), exactly as written', async () => {
      const site = await h.createSite();
      await made(site, { name: 'Lobby' });
      await refused(() => create(site, { ...VALID, name: 'Lobby' }), PROFILE_EXISTS);
      await refused(() => create(site, { ...VALID, name: 'Default' }), PROFILE_EXISTS);
      // Names are compared as written, like site names.
      await made(site, { name: 'lobby' });
    });

    it(`holds ${RATE_LIMIT_PROFILES_PER_SITE} profiles per site, the default included, then answers −33734`, async () => {
      const site = await h.createSite();
      for (let i = 1; i < RATE_LIMIT_PROFILES_PER_SITE; i++) {
        expect(answer(await create(site, { ...VALID, name: `Tier ${i}` }))).toEqual(SUCCESS);
      }
      expect(await profiles(site)).toHaveLength(RATE_LIMIT_PROFILES_PER_SITE);
      await refused(() => create(site, { ...VALID, name: 'One too many' }), PROFILE_LIMIT);
      // A full site does not hold back another site, and a deletion makes room again.
      await made(siteId);
      const { profileId } = await profileNamed(site, 'Tier 1');
      expect(answer(await remove(site, profileId))).toEqual(SUCCESS);
      await made(site, { name: 'Room again' });
    });
  });

  /** Field rules, each tried on create and on modify: just inside and just outside each bound. */
  describe('field rules', () => {
    const accepted: [label: string, fields: Fields][] = [
      ['a name of 1 character', { name: 'N' }],
      ['a name of 64 characters', { name: 'N'.repeat(64) }],
      ['a name with inner spaces', { name: 'Guest  Wi-Fi 10 M' }],
      ['a name of 64 characters beyond ASCII', { name: '東'.repeat(64) }],
      ['a name starting with a symbol', { name: '+Fast' }],
      ['downLimit 1', { downLimit: 1 }],
      [`downLimit ${MAX_KBPS}`, { downLimit: MAX_KBPS }],
      ['upLimit 1', { upLimit: 1 }],
      [`upLimit ${MAX_KBPS}`, { upLimit: MAX_KBPS }],
      ['both directions disabled, no limits', { downLimitEnable: false, downLimit: undefined, upLimitEnable: false, upLimit: undefined }],
    ];

    const refusals: [label: string, fields: Fields, expected: Expected][] = [
      ['an empty name', { name: '' }, invalid(NAME_RULE)],
      ['a name of 65 characters', { name: 'N'.repeat(65) }, invalid(NAME_RULE)],
      ['a name of one space', { name: ' ' }, invalid(NAME_RULE)],
      ['a name starting with a space', { name: ' Lead' }, invalid(NAME_RULE)],
      ['a name ending with a space', { name: 'Trail ' }, invalid(NAME_RULE)],
      ['a name with a line break', { name: 'Two\nLines' }, invalid(NAME_RULE)],
      ['a missing name', { name: undefined }, invalid('name is required.')],
      ['a name that is not a string', { name: 7 }, invalid('name must be a string.')],
      ['downLimit 0', { downLimit: 0 }, invalid(`downLimit must be within 1-${MAX_KBPS}.`)],
      [`downLimit ${MAX_KBPS + 1}`, { downLimit: MAX_KBPS + 1 }, invalid(`downLimit must be within 1-${MAX_KBPS}.`)],
      ['upLimit 0', { upLimit: 0 }, invalid(`upLimit must be within 1-${MAX_KBPS}.`)],
      [`upLimit ${MAX_KBPS + 1}`, { upLimit: MAX_KBPS + 1 }, invalid(`upLimit must be within 1-${MAX_KBPS}.`)],
      ['a fractional downLimit', { downLimit: 1.5 }, invalid('downLimit must be an integer.')],
      ['downLimit as a string', { downLimit: '1024' }, invalid('downLimit must be an integer.')],
      ['a missing downLimitEnable', { downLimitEnable: undefined }, invalid('downLimitEnable is required.')],
      ['a missing upLimitEnable', { upLimitEnable: undefined }, invalid('upLimitEnable is required.')],
      ['downLimitEnable as a string', { downLimitEnable: 'true' }, invalid('downLimitEnable must be a boolean.')],
      ['upLimitEnable as a number', { upLimitEnable: 1 }, invalid('upLimitEnable must be a boolean.')],
      [
        'downLimit missing while downLimitEnable is true',
        { downLimitEnable: true, downLimit: undefined },
        invalid('downLimit is required when downLimitEnable is true.'),
      ],
      [
        'upLimit missing while upLimitEnable is true',
        { upLimitEnable: true, upLimit: undefined },
        invalid('upLimit is required when upLimitEnable is true.'),
      ],
      // The range is checked whenever a limit is sent, even for a disabled direction.
      ['downLimit 0 while disabled', { downLimitEnable: false, downLimit: 0 }, invalid(`downLimit must be within 1-${MAX_KBPS}.`)],
    ];

    /** VALID with `fields` laid over it; an undefined field is left out of the body. */
    const body = (fields: Fields) =>
      Object.fromEntries(Object.entries({ ...VALID, name: uniqueName(), ...fields }).filter(([, value]) => value !== undefined));

    // Each accepted case runs in a site of its own, since create and modify take the same names.
    it.each(accepted)('create takes %s', async (_label, fields) => {
      const site = await h.createSite();
      const payload = body(fields);
      expect(answer(await create(site, payload))).toEqual(SUCCESS);
      const shown = await profileNamed(site, payload.name as string);
      expect(shown).toEqual({ ...payload, profileId: shown.profileId, defaultProfile: false });
    });

    it.each(accepted)('modify takes %s', async (_label, fields) => {
      const site = await h.createSite();
      const { profileId } = await made(site);
      const payload = body(fields);
      expect(answer(await modify(site, profileId, payload))).toEqual(SUCCESS);
      expect(await profileNamed(site, payload.name as string)).toEqual({ ...payload, profileId, defaultProfile: false });
    });

    it.each(refusals)('create refuses %s', (_label, fields, expected) => refused(() => create(siteId, body(fields)), expected));

    it.each(refusals)('modify refuses %s', async (_label, fields, expected) => {
      const { profileId } = await made(siteId);
      await refused(() => modify(siteId, profileId, body(fields)), expected);
    });

    it.each([
      ['create', () => create(siteId, [VALID])],
      ['modify', () => modify(siteId, 'c'.repeat(24), ['Guest'])],
    ])('%s refuses a body that is not an object with HTTP 400 −1001', (_label, run) =>
      refused(run, { status: 400, body: { errorCode: -1001, msg: 'Invalid request parameters. The request body must be an object.' } }),
    );
  });

  describe('modifyRateLimitProfile', () => {
    it('replaces the name and both limits; disabling a direction drops its limit', async () => {
      const { profileId } = await made(siteId, { name: 'Old name' });
      const change = { name: 'New name', downLimitEnable: false, downLimit: 77, upLimitEnable: true, upLimit: 128 };
      expect(answer(await modify(siteId, profileId, change))).toEqual(SUCCESS);
      expect(await profileNamed(siteId, 'New name')).toEqual({
        profileId,
        name: 'New name',
        downLimitEnable: false,
        upLimitEnable: true,
        upLimit: 128,
        defaultProfile: false,
      });
      expect((await profiles(siteId)).some((profile) => profile.name === 'Old name')).toBe(false);
    });

    it('takes the name the profile already has', async () => {
      const { profileId, name } = await made(siteId);
      expect(answer(await modify(siteId, profileId, { ...VALID, name, upLimit: 1 }))).toEqual(SUCCESS);
      expect((await profileNamed(siteId, name)).upLimit).toBe(1);
    });

    it("refuses another profile's name (−33733)", async () => {
      const site = await h.createSite();
      await made(site, { name: 'Taken' });
      const { profileId } = await made(site, { name: 'Mine' });
      await refused(() => modify(site, profileId, { ...VALID, name: 'Taken' }), PROFILE_EXISTS);
      await refused(() => modify(site, profileId, { ...VALID, name: 'Default' }), PROFILE_EXISTS);
    });

    it('answers −33732 for an unknown id and for a profile of another site', async () => {
      const other = await h.createSite();
      const theirs = await made(other);
      await refused(() => modify(siteId, 'd'.repeat(24), VALID), PROFILE_NOT_EXIST);
      await refused(() => modify(siteId, 'not-an-id', VALID), PROFILE_NOT_EXIST);
      await refused(() => modify(siteId, theirs.profileId, VALID), PROFILE_NOT_EXIST);
      const theirDefault = (await defaultOf(other)).profileId;
      await refused(() => modify(siteId, theirDefault, VALID), PROFILE_NOT_EXIST);
    });
  });

  describe('deleteRateLimitProfile', () => {
    it('deletes a profile, which then answers −33732', async () => {
      const { profileId, name } = await made(siteId);
      expect(answer(await remove(siteId, profileId))).toEqual(SUCCESS);
      expect((await profiles(siteId)).some((profile) => profile.name === name)).toBe(false);
      await refused(() => remove(siteId, profileId), PROFILE_NOT_EXIST);
    });

    it('answers −33732 for an unknown id and for a profile of another site', async () => {
      const other = await h.createSite();
      const theirs = await made(other);
      await refused(() => remove(siteId, 'd'.repeat(24)), PROFILE_NOT_EXIST);
      await refused(() => remove(siteId, theirs.profileId), PROFILE_NOT_EXIST);
      const theirDefault = (await defaultOf(other)).profileId;
      await refused(() => remove(siteId, theirDefault), PROFILE_NOT_EXIST);
    });

    it('refuses a profile a voucher group uses (−33737), naming one of its voucher codes', async () => {
      const site = await h.createSite();
      const { profileId } = await made(site);
      const groupId = await groupUsing(site, profileId, 'Lobby vouchers', ['QZKM7R', 'AB12CD']);
      await refused(() => remove(site, profileId), usedByVoucher('AB12CD'));
      // Once no group uses it, it goes.
      await h.store.db.deleteFrom('voucher_groups').where('id', '=', groupId).execute();
      expect(answer(await remove(site, profileId))).toEqual(SUCCESS);
    });

    it('names the group when the group using the profile holds no voucher', async () => {
      const site = await h.createSite();
      const { profileId } = await made(site);
      await groupUsing(site, profileId, 'Empty group', []);
      await refused(() => remove(site, profileId), usedByVoucher('Empty group'));
    });

    it('names a voucher code when any group using the profile holds one', async () => {
      const site = await h.createSite();
      const { profileId } = await made(site);
      await groupUsing(site, profileId, 'Emptied group', []);
      h.clock.advance(1);
      await groupUsing(site, profileId, 'Full group', ['XY34ZW']);
      await refused(() => remove(site, profileId), usedByVoucher('XY34ZW'));
    });

    it('deletes a profile while groups use only other profiles', async () => {
      const site = await h.createSite();
      const used = await made(site);
      const unused = await made(site);
      await groupUsing(site, used.profileId, 'Other profile group', ['MN56PQ']);
      expect(answer(await remove(site, unused.profileId))).toEqual(SUCCESS);
    });
  });

  describe('a locked site', () => {
    it('answers −33004 to every profile operation and writes nothing', async () => {
      const site = await h.createSite();
      const { profileId } = await made(site);
      expect(await h.store.sites.lock(site, 'restore', h.clock.now(), h.clock.now() + 60_000)).toBe(true);
      await refused(() => list(site), SITE_BUSY);
      await refused(() => create(site, { ...VALID, name: uniqueName() }), SITE_BUSY);
      await refused(() => modify(site, profileId, { ...VALID, name: uniqueName() }), SITE_BUSY);
      await refused(() => remove(site, profileId), SITE_BUSY);
      await h.store.sites.unlock(site);
    });

    it('is checked inside each write, for a lock taken after the request was let in', async () => {
      const site = await h.createSite();
      const { profileId } = await made(site);
      const service = new RateLimitProfileService(h.store, h.clock, cryptoRandom);
      expect(await h.store.sites.lock(site, 'restore', h.clock.now(), h.clock.now() + 60_000)).toBe(true);
      const before = await profileRows();
      const busy = { code: -33004 };
      await expect(service.create(site, { ...VALID, name: uniqueName() })).rejects.toMatchObject(busy);
      await expect(service.modify(site, profileId, { ...VALID, name: uniqueName() })).rejects.toMatchObject(busy);
      await expect(service.delete(site, profileId)).rejects.toMatchObject(busy);
      expect(await profileRows()).toEqual(before);
      await h.store.sites.unlock(site);
    });
  });

  describe('getProfile, for voucher groups naming a profile', () => {
    it("answers a profile of the site and −33732 for another site's profile or an unknown id", async () => {
      const other = await h.createSite();
      const mine = await made(siteId, { name: uniqueName(), downLimitEnable: false, upLimitEnable: true, upLimit: 300 });
      const theirs = await made(other);
      const service = new RateLimitProfileService(h.store, h.clock, cryptoRandom);
      expect(await service.getProfile(siteId, mine.profileId)).toMatchObject({
        id: mine.profileId,
        siteId,
        name: mine.name,
        downLimitEnable: false,
        downLimit: undefined,
        upLimitEnable: true,
        upLimit: 300,
        isDefault: false,
      });
      const missing = { code: -33732, message: 'The Rate Limit profile does not exist.' };
      await expect(service.getProfile(siteId, theirs.profileId)).rejects.toMatchObject(missing);
      await expect(service.getProfile(siteId, 'd'.repeat(24))).rejects.toMatchObject(missing);
      expect(await h.store.rateLimitProfiles.getProfile(other, mine.profileId)).toBeUndefined();
    });
  });

  describe('answers against the controller spec', () => {
    const OPERATIONS = [
      'getRateLimitProfileList',
      'createRateLimitProfile',
      'modifyRateLimitProfile',
      'deleteRateLimitProfile',
    ] as const;
    type Operation = (typeof OPERATIONS)[number];
    let validators: ReturnType<typeof responseValidators>;
    beforeAll(() => {
      if (HAVE_SPEC) validators = responseValidators(JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as Spec);
    });

    const calls: [string, Operation, () => Promise<LightMyRequestResponse>][] = [
      ['a new site', 'getRateLimitProfileList', async () => list(await h.createSite())],
      ['profiles with and without limits', 'getRateLimitProfileList', async () => {
        const site = await h.createSite();
        await made(site);
        await made(site, { downLimitEnable: false, upLimitEnable: false });
        return list(site);
      }],
      ['a create', 'createRateLimitProfile', () => create(siteId, { ...VALID, name: uniqueName() })],
      ['a modify', 'modifyRateLimitProfile', async () => modify(siteId, (await made(siteId)).profileId, { ...VALID, name: uniqueName() })],
      ['a delete', 'deleteRateLimitProfile', async () => remove(siteId, (await made(siteId)).profileId)],
    ];

    it.skipIf(!HAVE_SPEC).each(calls)(`answers %s in the response schema of %s${SKIP_NOTE}`, async (_label, operationId, call) => {
      const response = await call();
      expect(answer(response)).toMatchObject(SUCCESS);
      const { validate } = validators.get(operationId)!;
      expect(validate(response.json()) ? [] : validate.errors, response.body).toEqual([]);
    });

    it.skipIf(!HAVE_SPEC)(`serves each profile operation at the method and path the spec gives it${SKIP_NOTE}`, () => {
      const served = h.app.operations.map((route) => `${route.operation} ${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
      for (const operationId of OPERATIONS) {
        const inSpec = validators.get(operationId)!;
        expect(served).toContain(`${operationId} ${inSpec.method.toUpperCase()} ${inSpec.path}`);
      }
    });

    it.skipIf(!HAVE_SPEC)(`would catch a create that answered a result${SKIP_NOTE}`, () => {
      const body = { errorCode: 0, msg: 'Success.', result: { profileId: 'a'.repeat(24) } };
      expect(validators.get('createRateLimitProfile')!.validate(body)).toBe(false);
    });
  });
});

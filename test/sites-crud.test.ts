import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, createHarness, VALID_SITE, type Harness } from './helpers.js';
import {
  expectRefused,
  listUrl,
  NAME_EXISTS,
  SITE_ID,
  SITE_LIMIT,
  SITE_NOT_EXIST,
  siteRows,
  SITES_URL,
  siteUrl,
  success,
  uniqueName,
} from './sites-support.js';

/** What getSiteEntity shows for VALID_SITE created with nothing else: the documented defaults. */
const defaultsOf = (siteId: string, name: string) => ({
  siteId,
  name,
  type: 0,
  tagIds: [],
  region: VALID_SITE.region,
  timeZone: VALID_SITE.timeZone,
  scenario: VALID_SITE.scenario,
  supportES: false,
  supportL2: false,
  ntpEnable: false,
  ntpServers: [],
});

const PLACE = { region: VALID_SITE.region, timeZone: VALID_SITE.timeZone, scenario: VALID_SITE.scenario };

describe('site lifecycle: createNewSite, getSiteEntity, updateSiteEntity, deleteSite', () => {
  let h: Harness;
  let admin: string;
  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
  });
  afterAll(() => h.close());

  const create = (payload: object) => h.call({ method: 'POST', url: SITES_URL, token: admin, payload });
  const get = (siteId: string) => h.call({ method: 'GET', url: siteUrl(siteId), token: admin });
  const update = (siteId: string, payload: object) => h.call({ method: 'PUT', url: siteUrl(siteId), token: admin, payload });
  const remove = (siteId: string) => h.call({ method: 'DELETE', url: siteUrl(siteId), token: admin });

  it('creates a site and answers its id as 24 lowercase hex characters', async () => {
    const response = await create({ ...VALID_SITE, name: uniqueName() });
    const siteId = response.json().result?.siteId;
    expect(answer(response)).toEqual(success({ siteId }));
    expect(siteId).toMatch(SITE_ID);
  });

  it('shows a site created with only the required fields with its defaults', async () => {
    const name = uniqueName();
    const siteId = (await create({ ...VALID_SITE, name })).json().result.siteId;
    expect(answer(await get(siteId))).toEqual(success(defaultsOf(siteId, name)));
  });

  it('keeps every optional field given at creation', async () => {
    const name = uniqueName();
    const optional = {
      type: 1,
      tagIds: ['tag-north', 'tag-south'],
      longitude: -122.4194,
      latitude: 37.7749,
      address: '1 Harbour Road, Pier 7',
      supportES: true,
      supportL2: true,
    };
    const siteId = (await create({ ...VALID_SITE, name, ...optional })).json().result.siteId;
    expect(answer(await get(siteId))).toEqual(success({ ...defaultsOf(siteId, name), ...optional }));
  });

  it('ignores body fields the operation does not take', async () => {
    const name = uniqueName();
    const siteId = (await create({ ...VALID_SITE, name, ntpEnable: true, siteId: 'f'.repeat(24) })).json().result.siteId;
    expect(siteId).not.toBe('f'.repeat(24));
    expect(answer(await get(siteId))).toEqual(success(defaultsOf(siteId, name)));
  });

  it('keeps the device account with the site', async () => {
    const account = { username: 'field-tech', password: 'Kx7#mQ2$vL9w' };
    const siteId = (await create({ ...VALID_SITE, name: uniqueName(), deviceAccountSetting: account })).json().result.siteId;
    const row = await h.store.db.selectFrom('sites').selectAll().where('id', '=', siteId).executeTakeFirstOrThrow();
    expect({ username: row.device_username, password: row.device_password }).toEqual(account);
  });

  it('never sends the device account password back, nor logs it', async () => {
    const password = 'Zq8!unique-Pw7';
    const created = await create({ ...VALID_SITE, name: uniqueName(), deviceAccountSetting: { username: 'admin', password } });
    const siteId = created.json().result.siteId;
    const responses = [
      created,
      await get(siteId),
      await h.call({ method: 'GET', url: listUrl('page=1&pageSize=1000'), token: admin }),
      await update(siteId, { ...PLACE, address: 'Moved' }),
    ];
    for (const response of responses) {
      expect(response.json().errorCode, response.body).toBe(0);
      expect(response.body).not.toContain(password);
      expect(response.body).not.toContain('deviceAccount');
    }
    expect(h.logs()).not.toContain(password);
  });

  it('changes region, time zone and scenario and leaves every field it is not given as it was', async () => {
    const name = uniqueName();
    const optional = { type: 1, tagIds: ['keep'], longitude: 10.5, latitude: -20.25, address: 'Kept', supportES: true, supportL2: true };
    const siteId = (await create({ ...VALID_SITE, name, ...optional })).json().result.siteId;
    const change = { region: 'United Kingdom', timeZone: 'Europe/London', scenario: 'Hotel' };
    expect(answer(await update(siteId, change))).toEqual(success());
    expect(answer(await get(siteId))).toEqual(success({ ...defaultsOf(siteId, name), ...optional, ...change }));
  });

  it('changes every optional field it is given', async () => {
    const siteId = (await create({ ...VALID_SITE, name: uniqueName() })).json().result.siteId;
    const newName = uniqueName('Renamed');
    const change = {
      name: newName,
      type: 1,
      tagIds: ['new-tag'],
      longitude: 180,
      latitude: -90,
      address: 'New address',
      supportES: true,
      supportL2: true,
      ntpEnable: true,
    };
    expect(answer(await update(siteId, { ...PLACE, ...change }))).toEqual(success());
    expect(answer(await get(siteId))).toEqual(success({ ...defaultsOf(siteId, newName), ...change }));
  });

  it('keeps up to 5 NTP servers and shows their addresses', async () => {
    const siteId = (await create({ ...VALID_SITE, name: uniqueName() })).json().result.siteId;
    const addresses = ['pool.ntp.org', 'time.google.com', '192.168.0.1', 'ntp-1.example.net', 'a.b'];
    const ntpServers = addresses.map((address) => ({ address }));
    expect(answer(await update(siteId, { ...PLACE, ntpEnable: true, ntpServers }))).toEqual(success());
    expect((await get(siteId)).json().result).toMatchObject({ ntpEnable: true, ntpServers: addresses });
    expect(answer(await update(siteId, { ...PLACE, ntpServers: [] }))).toEqual(success());
    expect((await get(siteId)).json().result).toMatchObject({ ntpEnable: true, ntpServers: [] });
  });

  it('sets a manual daylight saving time and shows it with the site time zone', async () => {
    const siteId = (await create({ ...VALID_SITE, name: uniqueName() })).json().result.siteId;
    const dst = {
      enable: true,
      mode: 2,
      start: { month: 3, serial: 5, day: 7, hour: 2, minute: 0 },
      end: { month: 10, serial: 5, day: 7, hour: 3, minute: 0 },
      offset: 3_600_000,
    };
    expect(answer(await update(siteId, { ...PLACE, timeZone: 'Europe/London', dst }))).toEqual(success());
    expect((await get(siteId)).json().result.dst).toEqual({ ...dst, timeZone: 'Europe/London' });

    // A later change that leaves dst out keeps it; one that turns it off stores that.
    expect(answer(await update(siteId, { ...PLACE, timeZone: 'Europe/London', address: 'x' }))).toEqual(success());
    expect((await get(siteId)).json().result.dst).toEqual({ ...dst, timeZone: 'Europe/London' });
    expect(answer(await update(siteId, { ...PLACE, dst: { enable: false } }))).toEqual(success());
    expect((await get(siteId)).json().result.dst).toEqual({ enable: false, timeZone: PLACE.timeZone });
  });

  it('deletes a site, after which every operation on it answers −33000', async () => {
    const siteId = (await create({ ...VALID_SITE, name: uniqueName() })).json().result.siteId;
    expect(answer(await remove(siteId))).toEqual(success());
    expect(answer(await get(siteId))).toEqual(SITE_NOT_EXIST);
    await expectRefused(h, () => update(siteId, PLACE), SITE_NOT_EXIST);
    await expectRefused(h, () => remove(siteId), SITE_NOT_EXIST);
    const list = await h.call({ method: 'GET', url: listUrl('page=1&pageSize=1000'), token: admin });
    expect(list.json().result.data.map((site: { siteId: string }) => site.siteId)).not.toContain(siteId);
  });

  it('deletes only the site it names', async () => {
    const keep = (await create({ ...VALID_SITE, name: uniqueName() })).json().result.siteId;
    const drop = (await create({ ...VALID_SITE, name: uniqueName() })).json().result.siteId;
    const before = (await get(keep)).json();
    expect(answer(await remove(drop))).toEqual(success());
    expect((await get(keep)).json()).toEqual(before);
  });

  it('frees the name of a deleted site for a new one', async () => {
    const name = uniqueName();
    const first = (await create({ ...VALID_SITE, name })).json().result.siteId;
    expect(answer(await remove(first))).toEqual(success());
    const again = await create({ ...VALID_SITE, name });
    expect(answer(again)).toEqual(success({ siteId: again.json().result?.siteId }));
    expect(again.json().result.siteId).not.toBe(first);
  });
});

describe('site names are unique', () => {
  let h: Harness;
  let admin: string;
  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
  });
  afterAll(() => h.close());

  const create = (payload: object) => h.call({ method: 'POST', url: SITES_URL, token: admin, payload });
  const update = (siteId: string, payload: object) => h.call({ method: 'PUT', url: siteUrl(siteId), token: admin, payload });

  it('refuses to create a site under a name that exists with −33101', async () => {
    const name = uniqueName();
    await h.createSite({ name });
    await expectRefused(h, () => create({ ...VALID_SITE, name }), NAME_EXISTS);
  });

  it('refuses to rename a site to the name of another with −33101', async () => {
    const taken = uniqueName();
    await h.createSite({ name: taken });
    const siteId = await h.createSite();
    await expectRefused(h, () => update(siteId, { ...PLACE, name: taken, address: 'not written' }), NAME_EXISTS);
  });

  it('lets a site keep its own name on update', async () => {
    const name = uniqueName();
    const siteId = await h.createSite({ name });
    expect(answer(await update(siteId, { ...PLACE, name }))).toEqual(success());
  });

  it('treats names that differ only in case as different names, as documented', async () => {
    const name = uniqueName('Case Test');
    await h.createSite({ name });
    const response = await create({ ...VALID_SITE, name: name.toUpperCase() });
    expect(answer(response)).toEqual(success({ siteId: response.json().result?.siteId }));
  });

  it('creates exactly one site when two requests race for one name', async () => {
    const name = uniqueName('Race');
    const answers = (await Promise.all([1, 2, 3].map(() => create({ ...VALID_SITE, name })))).map(answer);
    expect(answers.filter((a) => (a.body as { errorCode: number }).errorCode === 0)).toHaveLength(1);
    expect(answers.filter((a) => isDeepStrictEqual(a, NAME_EXISTS))).toHaveLength(2);
    expect((await siteRows(h)).filter((row) => row.name === name)).toHaveLength(1);
  });
});

describe('the site cap', () => {
  const LIMIT = 2;
  let h: Harness;
  let admin: string;
  beforeAll(async () => {
    h = await createHarness({ siteLimit: LIMIT });
    admin = await h.token('admin');
  });
  afterAll(() => h.close());

  const create = () => h.call({ method: 'POST', url: SITES_URL, token: admin, payload: { ...VALID_SITE, name: uniqueName() } });

  it('refuses a site past the limit with −33104 and writes nothing', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await create()).json().errorCode).toBe(0);
    await expectRefused(h, create, SITE_LIMIT);
  });

  it('still lets sites at the limit be changed', async () => {
    const [first] = await siteRows(h);
    expect(answer(await h.call({ method: 'PUT', url: siteUrl(first!.id), token: admin, payload: PLACE }))).toEqual(success());
  });

  it('makes room again when a site is deleted', async () => {
    const [first] = await siteRows(h);
    expect(answer(await h.call({ method: 'DELETE', url: siteUrl(first!.id), token: admin }))).toEqual(success());
    expect((await create()).json().errorCode).toBe(0);
    await expectRefused(h, create, SITE_LIMIT);
  });

  it('never passes the limit when creates race', async () => {
    for (const row of await siteRows(h)) await h.call({ method: 'DELETE', url: siteUrl(row.id), token: admin });
    const answers = (await Promise.all(Array.from({ length: 6 }, create))).map(answer);
    expect(answers.filter((a) => (a.body as { errorCode: number }).errorCode === 0)).toHaveLength(LIMIT);
    expect(answers.filter((a) => isDeepStrictEqual(a, SITE_LIMIT))).toHaveLength(6 - LIMIT);
    expect(await siteRows(h)).toHaveLength(LIMIT);
  });
});

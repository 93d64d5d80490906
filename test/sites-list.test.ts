import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, createHarness, type Harness } from './helpers.js';
import { invalid, listUrl, malformed, siteUrl, success } from './sites-support.js';

/**
 * One fixed set of sites, created in this order, that every listing below is checked against.
 * The names hold the characters a LIKE pattern treats specially (%, _ and \), so the search tests
 * show that a search key matches them literally.
 */
const FIXTURE = [
  { name: 'Alpha Cafe', type: 0, tagIds: ['tag-a'] },
  { name: 'Beta Hotel', type: 1, tagIds: ['tag-a', 'tag-b'] },
  { name: 'Gamma 100% Wifi', type: 0, tagIds: [] },
  { name: 'Delta_Point', type: 1, tagIds: ['tag_c'] },
  { name: 'DeltaXPoint', type: 0, tagIds: ['tagXc'] },
  { name: 'Back\\slash Bar', type: 0, tagIds: ['TAG-A'] },
  { name: 'ALPHA Annex', type: 1, tagIds: [] },
  { name: 'ÜBER Lounge', type: 0, tagIds: [] },
] as const;
type FixtureName = (typeof FIXTURE)[number]['name'];

describe('getSiteList', () => {
  let h: Harness;
  let admin: string;
  const ids = new Map<string, string>();
  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
    // The clock stands still: every site is created in the same millisecond, and the unsorted
    // list must still come in creation order.
    for (const site of FIXTURE) ids.set(site.name, await h.createSite({ ...site, tagIds: [...site.tagIds] }));
  });
  afterAll(() => h.close());

  const list = (query: string, token = admin) => h.call({ method: 'GET', url: listUrl(query), token });
  const names = async (query: string, token = admin) => {
    const response = await list(query, token);
    expect(response.json().errorCode, response.body).toBe(0);
    return (response.json().result.data as { name: string }[]).map((site) => site.name);
  };
  const inOrder = (wanted: readonly FixtureName[]) => FIXTURE.map((site) => site.name).filter((name) => wanted.includes(name));

  it('answers the page in the grid shape with every site summary field', async () => {
    const response = await list('page=1&pageSize=1');
    const first = FIXTURE[0];
    expect(answer(response)).toEqual(
      success({
        totalRows: FIXTURE.length,
        currentPage: 1,
        currentSize: 1,
        data: [
          {
            siteId: ids.get(first.name),
            name: first.name,
            type: first.type,
            tagIds: first.tagIds,
            region: 'United States',
            timeZone: 'America/New_York',
            scenario: 'Restaurant',
            supportES: false,
            supportL2: false,
          },
        ],
      }),
    );
  });

  it('lists unsorted sites in creation order', async () => {
    expect(await names('page=1&pageSize=1000')).toEqual(FIXTURE.map((site) => site.name));
  });

  it.each([
    [1, 3],
    [2, 3],
    [3, 3],
    [4, 3],
    [1, 1000],
  ])('answers page %i of size %i as that slice of the whole list', async (page, pageSize) => {
    const all = FIXTURE.map((site) => site.name);
    const response = await list(`page=${page}&pageSize=${pageSize}`);
    expect(response.json().result).toMatchObject({ totalRows: FIXTURE.length, currentPage: page, currentSize: pageSize });
    expect(await names(`page=${page}&pageSize=${pageSize}`)).toEqual(all.slice((page - 1) * pageSize, page * pageSize));
  });

  it.each<[string, FixtureName[]]>([
    ['cafe', ['Alpha Cafe']],
    ['ALPHA', ['Alpha Cafe', 'ALPHA Annex']],
    ['alpha', ['Alpha Cafe', 'ALPHA Annex']],
    ['point', ['Delta_Point', 'DeltaXPoint']],
    ['%', ['Gamma 100% Wifi']],
    ['0%', ['Gamma 100% Wifi']],
    ['_', ['Delta_Point']],
    ['a_p', ['Delta_Point']],
    ['\\', ['Back\\slash Bar']],
    ['k\\s', ['Back\\slash Bar']],
    ['ÜBER', ['ÜBER Lounge']],
    ['r lou', ['ÜBER Lounge']],
    ['nowhere', []],
  ])('searchKey %j finds the names holding it, ignoring case and matching %, _ and \\ literally', async (key, found) => {
    const response = await list(`page=1&pageSize=1000&searchKey=${encodeURIComponent(key)}`);
    expect(response.json().result.totalRows).toBe(found.length);
    expect(await names(`page=1&pageSize=1000&searchKey=${encodeURIComponent(key)}`)).toEqual(inOrder(found));
  });

  it('searchKey ignores case beyond ASCII too', async () => {
    expect(await names(`page=1&pageSize=1000&searchKey=${encodeURIComponent('über')}`)).toEqual(['ÜBER Lounge']);
  });

  it('takes an empty searchKey as no search', async () => {
    expect(await names('page=1&pageSize=1000&searchKey=')).toEqual(FIXTURE.map((site) => site.name));
  });

  it.each([
    ['asc', (a: string, b: string) => (a < b ? -1 : 1)],
    ['desc', (a: string, b: string) => (a < b ? 1 : -1)],
  ])('sorts by name %s', async (direction, compare) => {
    expect(await names(`page=1&pageSize=1000&sorts.name=${direction}`)).toEqual(FIXTURE.map((site) => site.name).sort(compare));
  });

  it('sorts before it pages', async () => {
    const sorted = FIXTURE.map((site) => site.name).sort();
    expect(await names('page=2&pageSize=2&sorts.name=asc')).toEqual(sorted.slice(2, 4));
  });

  it('takes the first sorts.name when the query holds more than one, as the spec says', async () => {
    const descending = FIXTURE.map((site) => site.name).sort().reverse();
    expect(await names('page=1&pageSize=1000&sorts.name=desc&sorts.name=asc')).toEqual(descending);
  });

  it.each([
    ['0', FIXTURE.filter((site) => site.type === 0).map((site) => site.name)],
    ['1', FIXTURE.filter((site) => site.type === 1).map((site) => site.name)],
  ])('filters.type=%s lists only the sites of that type', async (type, found) => {
    expect(await names(`page=1&pageSize=1000&filters.type=${type}`)).toEqual(found);
  });

  it.each<[string, FixtureName[]]>([
    ['tag-a', ['Alpha Cafe', 'Beta Hotel']],
    ['tag-b', ['Beta Hotel']],
    ['tag_c', ['Delta_Point']],
    ['TAG-A', ['Back\\slash Bar']],
    ['tag', []],
    ['tag-%', []],
  ])('filters.tag=%s lists only the sites holding exactly that tag id', async (tag, found) => {
    expect(await names(`page=1&pageSize=1000&filters.tag=${encodeURIComponent(tag)}`)).toEqual(inOrder(found));
  });

  it('combines search, filters, sorting and paging, counting the filtered rows', async () => {
    const response = await list('page=1&pageSize=1&searchKey=a&filters.type=1&sorts.name=desc');
    const matching = FIXTURE.filter((site) => site.type === 1 && site.name.toLowerCase().includes('a'))
      .map((site) => site.name)
      .sort()
      .reverse();
    expect(response.json().result).toMatchObject({ totalRows: matching.length, currentPage: 1, currentSize: 1 });
    expect(response.json().result.data.map((site: { name: string }) => site.name)).toEqual(matching.slice(0, 1));
  });

  it('shows an app scoped to a list of sites only those sites, and counts only them', async () => {
    const scope = [ids.get('Beta Hotel')!, ids.get('DeltaXPoint')!];
    for (const role of ['admin', 'viewer', 'hotspot-operator'] as const) {
      const token = await h.token(role, scope);
      const response = await list('page=1&pageSize=1000', token);
      expect(response.json().result.totalRows, role).toBe(2);
      expect(await names('page=1&pageSize=1000', token)).toEqual(['Beta Hotel', 'DeltaXPoint']);
      expect(await names('page=1&pageSize=1000&searchKey=beta', token)).toEqual(['Beta Hotel']);
      expect(await names('page=1&pageSize=1000&searchKey=alpha', token)).toEqual([]);
    }
  });

  it('shows an app scoped only to sites that no longer exist an empty list', async () => {
    const gone = await h.createSite();
    const token = await h.token('viewer', [gone]);
    await h.call({ method: 'DELETE', url: siteUrl(gone), token: admin });
    expect(answer(await list('page=1&pageSize=10', token))).toEqual(
      success({ totalRows: 0, currentPage: 1, currentSize: 10, data: [] }),
    );
  });

  it.each([
    ['pageSize 1', 'page=1&pageSize=1'],
    ['pageSize 1000', 'page=1&pageSize=1000'],
    ['page 1', 'page=1&pageSize=10'],
    ['a page past the end', 'page=99&pageSize=10'],
    ['sorts.name in upper case', 'page=1&pageSize=10&sorts.name=DESC'],
    ['a searchKey of 128 characters', `page=1&pageSize=10&searchKey=${'k'.repeat(128)}`],
  ])('takes %s', async (_label, query) => {
    const response = await list(query);
    const { page, pageSize } = Object.fromEntries(new URLSearchParams(query));
    expect(answer(response)).toMatchObject(
      success({ totalRows: expect.any(Number), currentPage: Number(page), currentSize: Number(pageSize), data: expect.any(Array) }),
    );
  });

  it.each([
    ['pageSize 0', 'page=1&pageSize=0', invalid('pageSize must be within 1-1000.')],
    ['pageSize 1001', 'page=1&pageSize=1001', invalid('pageSize must be within 1-1000.')],
    ['page 0', 'page=0&pageSize=10', invalid('page must be within 1-2147483647.')],
    ['page -1', 'page=-1&pageSize=10', invalid('page must be within 1-2147483647.')],
    ['sorts.name other than asc or desc', 'page=1&pageSize=10&sorts.name=up', invalid('sorts.name must be asc or desc.')],
    ['filters.type 2', 'page=1&pageSize=10&filters.type=2', invalid('filters.type must be 0 or 1.')],
    ['filters.type -1', 'page=1&pageSize=10&filters.type=-1', invalid('filters.type must be 0 or 1.')],
    ['filters.type as a word', 'page=1&pageSize=10&filters.type=pro', invalid('filters.type must be 0 or 1.')],
    ['a searchKey of 129 characters', `page=1&pageSize=10&searchKey=${'k'.repeat(129)}`, invalid('searchKey must be at most 128 characters.')],
    ['no page', 'pageSize=10', malformed('page is required.')],
    ['no pageSize', 'page=1', malformed('pageSize is required.')],
    ['no query at all', '', malformed('page is required.')],
    ['page that is not a number', 'page=first&pageSize=10', malformed('page must be an integer.')],
    ['pageSize that is not a whole number', 'page=1&pageSize=2.5', malformed('pageSize must be an integer.')],
  ])('refuses %s', async (_label, query, expected) => {
    expect(answer(await list(query))).toEqual(expected);
  });
});

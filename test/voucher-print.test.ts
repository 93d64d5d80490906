import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, createHarness, type Harness } from './helpers.js';
import {
  createGroup,
  hotspotUrl,
  HEX_ID,
  invalid,
  malformed,
  NOT_A_GROUP,
  refused,
  SITE_BUSY,
  success,
  type Body,
} from './voucher-groups-support.js';
import { dataPart, filePart, GIF, jpeg, multipart, type Part, png, PNG_SIGNATURE, segment } from './voucher-print-support.js';

/**
 * The cloud-only print operations (cloud-voucher-docs/VoucherAPI.md): getVoucherGroupOptions,
 * editVoucherGroupPattern with the pattern read back through the three print operations, and
 * uploadVoucherLogo / getVoucherLogo with logos judged by their bytes.
 */

const MAX_LOGO_BYTES = 512 * 1024;

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const dataUrl = (type: string, bytes: Buffer) => `data:${type};base64,${bytes.toString('base64')}`;

describe('voucher print patterns and logos', () => {
  let h: Harness;
  let admin: string;
  let siteId: string;

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
    siteId = await h.createSite();
  });
  afterAll(() => h.close());

  const logosUrl = (site: string) => `${hotspotUrl(site)}/files/voucher/logos`;
  const patternUrl = (site: string, groupId: string) => `${hotspotUrl(site)}/voucher-groups/${groupId}/pattern`;
  const upload = (site: string, parts: readonly Part[]) => h.call({ method: 'POST', url: logosUrl(site), token: admin, ...multipart(parts) });
  const editPattern = (site: string, groupId: string, body: unknown) =>
    h.call({ method: 'PATCH', url: patternUrl(site, groupId), token: admin, payload: body as object });
  const printGroup = async (site: string, groupId: string) =>
    (await h.call({ method: 'GET', url: `${hotspotUrl(site)}/voucher-groups/${groupId}/print-unused`, token: admin })).json()
      .result as Body[];

  /** Uploads a logo to `site` and answers its id. */
  async function uploadLogo(site: string, bytes: Buffer = png(2, 1)): Promise<string> {
    const response = await upload(site, [filePart(bytes, 'logo.png', 'image/png')]);
    if (response.json().errorCode !== 0) throw new Error(`upload failed: ${response.body}`);
    return response.json().result.id as string;
  }

  describe('getVoucherGroupOptions', () => {
    const optionsUrl = (site: string, query: string) => `${hotspotUrl(site)}/voucher-group-options?${query}`;

    it('answers the groups as {groupId, name}, newest first, paged as every Omada list', async () => {
      const site = await h.createSite();
      const ids: string[] = [];
      for (const name of ['Lobby', 'Pool', 'Spa']) {
        ids.push(await createGroup(h, admin, site, { name }));
        h.clock.advance(1000);
      }
      const first = await h.call({ method: 'GET', url: optionsUrl(site, 'page=1&pageSize=2'), token: admin });
      expect(answer(first)).toEqual(
        success({ totalRows: 3, currentPage: 1, currentSize: 2, data: [{ groupId: ids[2], name: 'Spa' }, { groupId: ids[1], name: 'Pool' }] }),
      );
      const second = await h.call({ method: 'GET', url: optionsUrl(site, 'page=2&pageSize=2'), token: admin });
      expect(answer(second)).toEqual(success({ totalRows: 3, currentPage: 2, currentSize: 2, data: [{ groupId: ids[0], name: 'Lobby' }] }));
    });

    it('answers an empty page for a site without groups', async () => {
      const site = await h.createSite();
      expect(answer(await h.call({ method: 'GET', url: optionsUrl(site, 'page=1&pageSize=10'), token: admin }))).toEqual(
        success({ totalRows: 0, currentPage: 1, currentSize: 10, data: [] }),
      );
    });

    it.each([
      ['pageSize 0', 'page=1&pageSize=0', invalid('pageSize must be within 1-1000.')],
      ['pageSize 1001', 'page=1&pageSize=1001', invalid('pageSize must be within 1-1000.')],
      ['page 0', 'page=0&pageSize=10', invalid('page must be within 1-2147483647.')],
      ['no page', 'pageSize=10', malformed('page is required.')],
    ])('refuses %s', async (_label, query, expected) => {
      expect(answer(await h.call({ method: 'GET', url: optionsUrl(siteId, query), token: admin }))).toEqual(expected);
    });
  });

  describe('editVoucherGroupPattern', () => {
    let groupId: string;
    let logoId: string;

    beforeAll(async () => {
      groupId = await createGroup(h, admin, siteId, { amount: 2, printComments: 'Welcome' });
      logoId = await uploadLogo(siteId);
    });

    it('a group whose pattern was never edited prints without pattern fields', async () => {
      const [brief] = await printGroup(siteId, groupId);
      expect(Object.keys(brief!).sort()).toEqual(['code', 'duration', 'durationType', 'limitType', 'printComments', 'validity']);
    });

    // Each accepted value is read back through printVoucherGroup, each refused one writes nothing.
    it.each<[string, Body, Body]>([
      ['logoSize 50', { logoSize: 50 }, { logoSize: 50 }],
      ['logoSize 175', { logoSize: 175 }, { logoSize: 175 }],
      ['titleSize 12', { titleSize: 12 }, { titleSize: 12 }],
      ['titleSize 18', { titleSize: 18 }, { titleSize: 18 }],
      ['position 0', { position: 0 }, { position: 0 }],
      ['position 2', { position: 2 }, { position: 2 }],
      ['patternType 2', { patternType: 2 }, { patternType: 2 }],
      ['patternType 1 with a title of 64 characters', { patternType: 1, title: 'T'.repeat(64) }, { patternType: 1, title: 'T'.repeat(64) }],
      ['a one-character title', { title: 'T' }, { title: 'T' }],
      ['patternType 0 with a logo', { patternType: 0, logoPictureId: 'LOGO' }, { patternType: 0, picId: 'LOGO' }],
      ['printComments of 256 characters', { printComments: 'c'.repeat(256) }, { printComments: 'c'.repeat(256) }],
      ['printComments empty', { printComments: '' }, { printComments: '' }],
    ])('accepts %s and prints it', async (_label, body, printed) => {
      const withLogo = JSON.parse(JSON.stringify(body).replace('"LOGO"', JSON.stringify(logoId))) as Body;
      const expected = JSON.parse(JSON.stringify(printed).replace('"LOGO"', JSON.stringify(logoId))) as Body;
      expect(answer(await editPattern(siteId, groupId, withLogo))).toEqual(success());
      const briefs = await printGroup(siteId, groupId);
      expect(briefs).toHaveLength(2);
      for (const brief of briefs) expect(brief).toMatchObject(expected);
    });

    it.each<[string, Body, string]>([
      ['logoSize 49', { logoSize: 49 }, 'logoSize must be within 50-175.'],
      ['logoSize 176', { logoSize: 176 }, 'logoSize must be within 50-175.'],
      ['logoSize 100.5', { logoSize: 100.5 }, 'logoSize must be an integer.'],
      ['titleSize 11', { titleSize: 11 }, 'titleSize must be within 12-18.'],
      ['titleSize 19', { titleSize: 19 }, 'titleSize must be within 12-18.'],
      ['position -1', { position: -1 }, 'position must be within 0-2.'],
      ['position 3', { position: 3 }, 'position must be within 0-2.'],
      ['patternType -1', { patternType: -1 }, 'patternType must be within 0-2.'],
      ['patternType 3', { patternType: 3 }, 'patternType must be within 0-2.'],
      ['an empty title', { title: '' }, 'title must contain 1 to 64 characters.'],
      ['a title of 65 characters', { title: 'T'.repeat(65) }, 'title must contain 1 to 64 characters.'],
      ['printComments of 257 characters', { printComments: 'c'.repeat(257) }, 'printComments must be at most 256 characters.'],
      ['33 SSIDs', { ssidList: Array.from({ length: 33 }, (_, i) => `SSID ${i}`) }, 'ssidList must be at most 32 items.'],
      ['an SSID of 33 characters', { ssidList: ['S'.repeat(33)] }, 'ssidList[0] must contain 1 to 32 characters.'],
      ['33 networks', { networkList: Array.from({ length: 33 }, (_, i) => `LAN ${i}`) }, 'networkList must be at most 32 items.'],
      ['a network of 65 characters', { networkList: ['N'.repeat(65)] }, 'networkList[0] must contain 1 to 64 characters.'],
      ['durationEnable not a boolean', { durationEnable: 'yes' }, 'durationEnable must be a boolean.'],
      ['limitEnable not a boolean', { limitEnable: 1 }, 'limitEnable must be a boolean.'],
      ['ssidNetworkenable not a boolean', { ssidNetworkenable: 'on' }, 'ssidNetworkenable must be a boolean.'],
      ['a logo that does not exist', { logoPictureId: 'f'.repeat(24) }, 'logoPictureId does not name a voucher logo of this site.'],
    ])('refuses %s with −1001 and writes nothing', async (_label, body, sentence) => {
      const before = await printGroup(siteId, groupId);
      await refused(h, () => editPattern(siteId, groupId, body), invalid(sentence));
      expect(await printGroup(siteId, groupId)).toEqual(before);
    });

    it('refuses patternType 0 without a logo and patternType 1 without a title on a fresh group', async () => {
      const fresh = await createGroup(h, admin, siteId);
      await refused(h, () => editPattern(siteId, fresh, { patternType: 0 }), invalid('logoPictureId is required when patternType is 0.'));
      await refused(h, () => editPattern(siteId, fresh, { patternType: 1 }), invalid('title is required when patternType is 1.'));
    });

    it('refuses a logo of another site', async () => {
      const otherSite = await h.createSite();
      const foreignLogo = await uploadLogo(otherSite);
      await refused(h, () => editPattern(siteId, groupId, { logoPictureId: foreignLogo }), invalid('logoPictureId does not name a voucher logo of this site.'));
    });

    it('refuses a group that is not the site\'s', async () => {
      await refused(h, () => editPattern(siteId, 'f'.repeat(24), { position: 1 }), NOT_A_GROUP);
    });

    it('the three print operations carry the pattern: toggles leave out what does not print', async () => {
      const site = await h.createSite();
      const patterned = await createGroup(h, admin, site, { amount: 1, limitType: 0, limitNum: 3 });
      h.clock.advance(1000);
      const plain = await createGroup(h, admin, site, { amount: 1 });
      const edit = {
        patternType: 1,
        position: 0,
        title: 'Harbour Cafe',
        titleSize: 16,
        logoSize: 60,
        durationEnable: false,
        limitEnable: true,
        ssidNetworkenable: true,
        ssidList: ['Cafe Guest'],
        networkList: ['LAN'],
        printComments: 'Enjoy',
      };
      expect(answer(await editPattern(site, patterned, edit))).toEqual(success());
      const [patternedCode] = (await printGroup(site, patterned)).map((brief) => brief.code as string);
      const [plainCode] = (await printGroup(site, plain)).map((brief) => brief.code as string);
      const patternedBrief = {
        code: patternedCode,
        limitType: 0,
        limitNum: 3,
        validity: 'Permanent',
        printComments: 'Enjoy',
        patternType: 1,
        position: 0,
        logoSize: 60,
        title: 'Harbour Cafe',
        titleSize: 16,
        ssidNameList: ['Cafe Guest'],
        networkNameList: ['LAN'],
      };
      const plainBrief = { code: plainCode, limitType: 2, durationType: 0, duration: 60, validity: 'Permanent' };

      expect(await printGroup(site, patterned)).toEqual([patternedBrief]);
      const selected = await h.call({ method: 'POST', url: `${hotspotUrl(site)}/voucher-groups/batch/print-unused`, token: admin, payload: { type: 0 } });
      expect(answer(selected)).toEqual(success([plainBrief, patternedBrief]));
      const vouchers = await h.call({ method: 'POST', url: `${hotspotUrl(site)}/vouchers/batch/print`, token: admin, payload: { type: 0, groupId: patterned } });
      expect(answer(vouchers)).toEqual(success([patternedBrief]));

      // A later edit keeps what it leaves out; turning the lists off drops them, limit off drops the limit.
      expect(answer(await editPattern(site, patterned, { ssidNetworkEnable: false, limitEnable: false, durationEnable: true }))).toEqual(success());
      const { ssidNameList: _s, networkNameList: _n, limitType: _t, limitNum: _l, ...rest } = patternedBrief;
      expect(await printGroup(site, patterned)).toEqual([{ ...rest, durationType: 0, duration: 60 }]);
      // printComments is the group's own: its detail shows the edit too.
      const detail = await h.call({ method: 'GET', url: `${hotspotUrl(site)}/voucher-groups/${patterned}?page=1&pageSize=1`, token: admin });
      expect(detail.json().result.printComments).toBe('Enjoy');
    });

    it('goes with its group', async () => {
      const doomed = await createGroup(h, admin, siteId);
      expect(answer(await editPattern(siteId, doomed, { position: 1 }))).toEqual(success());
      const count = async () =>
        (await h.store.db.selectFrom('voucher_print_patterns').select('group_id').where('group_id', '=', doomed).execute()).length;
      expect(await count()).toBe(1);
      await h.call({ method: 'DELETE', url: `${hotspotUrl(siteId)}/voucher-groups/${doomed}`, token: admin });
      expect(await count()).toBe(0);
    });
  });

  describe('uploadVoucherLogo and getVoucherLogo', () => {
    const getLogo = (site: string, picId: string) => h.call({ method: 'GET', url: `${logosUrl(site)}/${picId}`, token: admin });

    it.each<[string, () => Buffer, string, string]>([
      ['a PNG', () => png(3, 2), 'image/png', 'logo.png'],
      ['a JPEG', () => jpeg(), 'image/jpeg', 'logo.jpg'],
    ])('stores %s and answers its picture info; getVoucherLogo answers the same', async (_label, build, type, defaultName) => {
      const bytes = build();
      const response = await upload(siteId, [filePart(bytes, '')]);
      const body = response.json();
      expect(answer(response)).toEqual(success({ id: body.result.id, fileName: defaultName, url: dataUrl(type, bytes) }));
      expect(body.result.id).toMatch(HEX_ID);
      expect(answer(await getLogo(siteId, body.result.id))).toEqual(success({ id: body.result.id, fileName: defaultName, url: dataUrl(type, bytes) }));
    });

    it('takes the file name from data, else from the file part, and ignores the declared type', async () => {
      const bytes = png(1, 1);
      const named = await upload(siteId, [dataPart({ fileName: 'brand.png', md5: md5(bytes) }), filePart(bytes, 'upload.gif', 'image/gif')]);
      expect(answer(named)).toMatchObject(success({ fileName: 'brand.png', url: dataUrl('image/png', bytes) }));
      const fromPart = await upload(siteId, [filePart(jpeg(), 'house.jpeg', 'text/plain')]);
      expect(answer(fromPart)).toMatchObject(success({ fileName: 'house.jpeg', url: dataUrl('image/jpeg', jpeg()) }));
    });

    it('with only an md5 answers the logo uploaded before with those bytes, and writes nothing', async () => {
      const bytes = png(5, 5);
      const first = (await upload(siteId, [filePart(bytes, 'five.png')])).json().result;
      const before = await h.store.db.selectFrom('voucher_logos').select('id').execute();
      expect(answer(await upload(siteId, [dataPart({ md5: md5(bytes).toUpperCase() })]))).toEqual(success(first));
      expect(await h.store.db.selectFrom('voucher_logos').select('id').execute()).toEqual(before);
    });

    const garbagePng = Buffer.concat([PNG_SIGNATURE, Buffer.from('this is not a chunk at all, only garbage bytes')]);
    const badCrc = (() => {
      const bytes = png(2, 2);
      // A byte inside the IDAT chunk: its checksum no longer holds.
      bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0xff;
      return bytes;
    })();
    const withoutIend = png(2, 2).subarray(0, -12);
    const oversized = Buffer.concat([png(1, 1), Buffer.alloc(MAX_LOGO_BYTES)]);

    it.each<[string, () => readonly Part[], string]>([
      ['a GIF', () => [filePart(GIF, 'logo.png', 'image/png')], 'file must be a PNG or JPEG image.'],
      ['plain text declared as a PNG', () => [filePart(Buffer.from('hello'), 'logo.png', 'image/png')], 'file must be a PNG or JPEG image.'],
      ['a PNG header followed by garbage', () => [filePart(garbagePng, 'logo.png', 'image/png')], 'file is not a valid PNG image.'],
      ['a PNG with a broken checksum', () => [filePart(badCrc)], 'file is not a valid PNG image.'],
      ['a PNG cut before IEND', () => [filePart(withoutIend)], 'file is not a valid PNG image.'],
      ['a JPEG cut short', () => [filePart(jpeg().subarray(0, 30))], 'file is not a valid JPEG image.'],
      ['a JPEG with no frame before its scan', () => [filePart(Buffer.from([0xff, 0xd8, ...segment(0xda, [1, 1, 0, 0, 63, 0]), 0x3f, 0xff, 0xd9]))], 'file is not a valid JPEG image.'],
      ['a PNG of 4097 pixels wide', () => [filePart(png(4097, 1))], 'file must be an image of 1-4096 pixels each way.'],
      ['a JPEG of 0 pixels high', () => [filePart(jpeg(1, 0))], 'file must be an image of 1-4096 pixels each way.'],
      ['a file over 512 KiB', () => [filePart(oversized)], `file must not exceed ${MAX_LOGO_BYTES} bytes.`],
      ['an empty file', () => [filePart(Buffer.alloc(0))], 'file must not be empty.'],
      ['no file and no md5', () => [dataPart({ fileName: 'logo.png' })], 'file or data.md5 is required.'],
      ['an md5 no logo has', () => [dataPart({ md5: 'a'.repeat(32) })], 'md5 does not name a voucher logo of this site; send the file.'],
      ['an md5 that is not hex', () => [dataPart({ md5: 'xyz' }), filePart(png(1, 1))], 'md5 must be 32 hexadecimal characters.'],
      ['an md5 that does not match the file', () => [dataPart({ md5: 'b'.repeat(32) }), filePart(png(1, 1))], 'md5 does not match the file.'],
      ['data that is not JSON', () => [{ name: 'data', content: '{nope' }, filePart(png(1, 1))], 'data must be a JSON object.'],
      ['a file name with a path', () => [dataPart({ fileName: '../etc/passwd' }), filePart(png(1, 1))], 'fileName must not contain control characters or path separators.'],
      ['a file name of 129 characters', () => [dataPart({ fileName: 'n'.repeat(129) }), filePart(png(1, 1))], 'fileName must be within 1-128 characters.'],
      ['two files', () => [filePart(png(1, 1)), filePart(png(1, 1))], 'The upload must carry exactly one file part.'],
      ['a data part over 4 KiB', () => [dataPart({ fileName: 'n'.repeat(5000) }), filePart(png(1, 1))], 'data must not exceed 4096 bytes.'],
      ['two data parts', () => [dataPart({}), dataPart({}), filePart(png(1, 1))], 'The upload must carry only the parts file and data.'],
      ['an unknown part', () => [{ name: 'logo', content: 'x' }], 'logo is not a part of this upload; send file and data.'],
    ])('refuses %s with −1001 and writes nothing', async (_label, parts, sentence) => {
      await refused(h, () => upload(siteId, parts()), invalid(sentence));
    });

    it('refuses a JSON body: the docs send multipart/form-data', async () => {
      await refused(
        h,
        () => h.call({ method: 'POST', url: logosUrl(siteId), token: admin, payload: { fileName: 'logo.png' } }),
        invalid('The upload must be multipart/form-data with a file part, a data part or both.'),
      );
    });

    it.each([
      ['without a boundary', 'multipart/form-data', 'xx'],
      ['cut inside a part', `multipart/form-data; boundary=abc`, '--abc\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc'],
    ])('refuses a multipart body %s with HTTP 400 −1001', async (_label, type, payload) => {
      await refused(
        h,
        () => h.call({ method: 'POST', url: logosUrl(siteId), token: admin, payload, headers: { 'content-type': type } }),
        malformed('The multipart body is malformed.'),
      );
    });

    it('getVoucherLogo refuses a logo that is not the site\'s', async () => {
      const otherSite = await h.createSite();
      const foreign = await uploadLogo(otherSite);
      expect(answer(await getLogo(siteId, foreign))).toEqual(invalid('picId does not name a voucher logo of this site.'));
      expect(answer(await getLogo(siteId, 'f'.repeat(24)))).toEqual(invalid('picId does not name a voucher logo of this site.'));
    });

    it('logos and patterns go with their site', async () => {
      const site = await h.createSite();
      const groupId = await createGroup(h, admin, site);
      const logo = await uploadLogo(site);
      expect(answer(await editPattern(site, groupId, { patternType: 0, logoPictureId: logo }))).toEqual(success());
      await h.call({ method: 'DELETE', url: `/openapi/v1/${h.settings.omadacId}/sites/${site}`, token: admin });
      expect(await h.store.db.selectFrom('voucher_logos').select('id').where('site_id', '=', site).execute()).toEqual([]);
      expect(await h.store.db.selectFrom('voucher_print_patterns').select('group_id').where('site_id', '=', site).execute()).toEqual([]);
    });

    it('another instance on the same database serves the logo', async () => {
      const bytes = png(4, 4);
      const logo = await uploadLogo(siteId, bytes);
      const other = h.database.openAnother();
      try {
        const found = await other.voucherPrint.getLogo(siteId, logo);
        expect(found?.bytes.equals(bytes)).toBe(true);
        expect(found).toMatchObject({ mediaType: 'image/png', width: 4, height: 4, md5: md5(bytes) });
      } finally {
        await other.close();
      }
    });
  });

  describe('a locked site', () => {
    it('answers −33004 to the writes and writes nothing', async () => {
      const site = await h.createSite();
      const groupId = await createGroup(h, admin, site);
      const now = h.clock.now();
      expect(await h.store.sites.lock(site, 'test', now, now + 60_000)).toBe(true);
      try {
        await refused(h, () => editPattern(site, groupId, { position: 1 }), SITE_BUSY);
        await refused(h, () => upload(site, [filePart(png(1, 1))]), SITE_BUSY);
      } finally {
        await h.store.sites.unlock(site);
      }
      expect(answer(await editPattern(site, groupId, { position: 1 }))).toEqual(success());
    });

    it('the store checks the lock too, for a write that passed the guard just before the lock', async () => {
      const site = await h.createSite();
      const groupId = await createGroup(h, admin, site);
      const now = h.clock.now();
      expect(await h.store.sites.lock(site, 'test', now, now + 60_000)).toBe(true);
      try {
        const before = await h.store.db.selectFrom('voucher_print_patterns').select('group_id').execute();
        const pattern = { patternType: 2, position: 1, logoId: undefined, logoSize: 100, title: undefined, titleSize: 15, durationEnable: true, limitEnable: true, ssidNetworkEnable: false, ssidList: [], networkList: [] };
        await expect(h.store.voucherPrint.savePattern(site, groupId, pattern, undefined, now)).rejects.toMatchObject({ code: -33004 });
        expect(await h.store.db.selectFrom('voucher_print_patterns').select('group_id').execute()).toEqual(before);
      } finally {
        await h.store.sites.unlock(site);
      }
    });
  });
});

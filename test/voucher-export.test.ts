import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import ExcelJS from 'exceljs';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, createHarness, OMADAC_ID, START, type Harness } from './helpers.js';
import { createGroup, DAY_MS, invalid, malformed, SITE_BUSY, type Expected } from './voucher-groups-support.js';

/**
 * The voucher export (issue 6 part 4): the file in full, cell by cell, in CSV and XLSX; statuses
 * as of the request; formula injection neutralised; each selection type; every refusal still an
 * envelope; and a 100,000-voucher export that streams in bounded memory.
 */

const MIN = 60_000;
const CSV_TYPE = 'text/csv; charset=utf-8';
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const HEADER = [
  'Code',
  'Group',
  'Status',
  'Limit',
  'Duration (min)',
  'Duration Type',
  'Validity',
  'Price',
  'Currency',
  'Created',
  'First Use',
  'Uses',
  'Traffic Used (bytes)',
];
const FORBIDDEN: Expected = { status: 403, body: { errorCode: -1005, msg: 'Operation forbidden.' } };
const EVIL_NAME = '=HYPERLINK("http://x.io","Hi")';

const exportUrl = (site: string) => `/openapi/v1/${OMADAC_ID}/files/hotspot/sites/${site}/vouchers/export`;

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF line ends) into rows of fields. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  expect(field, 'the file ends with CRLF').toBe('');
  expect(row).toEqual([]);
  return rows;
}

/** The rows of the first worksheet of an XLSX file, each cell as exceljs reads it. */
async function parseXlsx(body: Buffer): Promise<unknown[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(body as unknown as ArrayBuffer);
  expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['Vouchers']);
  const rows: unknown[][] = [];
  workbook.worksheets[0]!.eachRow({ includeEmpty: true }, (row) => {
    // exceljs rows are 1-based; slot 0 is always empty.
    rows.push((row.values as unknown[]).slice(1));
  });
  return rows;
}

/** A CSV row as a spreadsheet cell list would read: numbers are text in CSV. */
const asCsv = (rows: (string | number)[][]) => rows.map((row) => row.map((cell) => String(cell)));
/** Numbers stay numbers in XLSX; empty text cells are absent (undefined) when read back. */
const asXlsx = (rows: (string | number)[][]) => rows.map((row) => row.map((cell) => (cell === '' ? undefined : cell)));

function csvOf(response: LightMyRequestResponse): string[][] {
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers['content-type']).toBe(CSV_TYPE);
  const bytes = response.rawPayload;
  expect([...bytes.subarray(0, 3)], 'a UTF-8 BOM').toEqual([0xef, 0xbb, 0xbf]);
  return parseCsv(bytes.subarray(3).toString('utf8'));
}

describe('voucher export', () => {
  let h: Harness;
  let admin: string;
  let siteId: string;
  let macs = 0;

  beforeAll(async () => {
    // The clock moves on by days; tokens outlast the whole suite.
    h = await createHarness({ accessTokenTtlSeconds: 365 * 86_400 });
    admin = await h.token('admin');
    siteId = await h.createSite({ name: 'Harbour Café, Pier 9' });
  });
  afterAll(() => h.close());

  const post = (site: string, payload: unknown, token = admin) => h.call({ method: 'POST', url: exportUrl(site), token, payload: payload as object });
  const codesOf = async (groupId: string) =>
    (await h.store.db.selectFrom('vouchers').select('code').where('group_id', '=', groupId).orderBy('code').execute()).map((v) => v.code);
  const redeem = async (site: string, voucherCode: string) => {
    const clientMac = `AA-BB-CC-00-00-${String(++macs).padStart(2, '0')}`;
    const response = await h.call({ method: 'POST', url: '/portal/auth', payload: { authType: 3, voucherCode, clientMac, site } });
    expect(response.json().errorCode, response.body).toBe(0);
  };

  describe('a site with three groups, one voucher redeemed and one window closed', () => {
    let site: string;
    let lobby: string;
    let evil: string;
    let open: string;
    let lobbyCodes: string[];
    let evilCodes: string[];
    let openCodes: string[];
    // START is 12:00 UTC, 07:00 in New York (the harness's site time zone).
    const created = ['2026-01-15 07:00', '2026-01-15 07:00', '2026-01-15 07:01'];

    beforeAll(async () => {
      site = await h.createSite({ name: 'Export Main' });
      lobby = await createGroup(h, admin, site, {
        name: 'Lobby',
        amount: 3,
        limitType: 0,
        limitNum: 1,
        durationType: 0,
        duration: 60,
        unitPrice: 250,
        currency: 'USD',
      });
      evil = await createGroup(h, admin, site, {
        name: EVIL_NAME,
        amount: 2,
        limitType: 1,
        limitNum: 3,
        durationType: 1,
        duration: 120,
        unitPrice: 999_999_999,
        currency: 'USD',
        validityType: 1,
        effectiveTime: START,
        expirationTime: START + DAY_MS,
      });
      h.clock.advance(MIN);
      open = await createGroup(h, admin, site, { name: 'Open, "quoted"', amount: 2, limitType: 2 });
      lobbyCodes = await codesOf(lobby);
      evilCodes = await codesOf(evil);
      openCodes = await codesOf(open);
      // The first Lobby voucher is in use from 07:01 local time.
      await redeem(site, lobbyCodes[0]!);
    });

    /** The rows as of now, given the status of each group's vouchers in code order. */
    function expectedRows(status: { lobby: string[]; evil: string; open: string; lobbyFirstUse: string }) {
      const evilValidity = '2026-01-15 07:00 - 2026-01-16 07:00';
      return [
        ...lobbyCodes.map((code, i) => [
          code, 'Lobby', status.lobby[i]!, '1 user', 60, 'Per client', 'Permanent', '250', 'USD', created[0]!,
          i === 0 ? status.lobbyFirstUse : '', i === 0 ? 1 : 0, 0,
        ]),
        ...evilCodes.map((code) => [
          code, EVIL_NAME, status.evil, '3 online', 120, 'Per voucher', evilValidity, '999999999', 'USD', created[1]!, '', 0, 0,
        ]),
        ...openCodes.map((code) => [
          code, 'Open, "quoted"', status.open, 'Unlimited', 60, 'Per client', 'Permanent', '', '', created[2]!, '', 0, 0,
        ]),
      ];
    }

    const neutral = (rows: (string | number)[][]) =>
      rows.map((row) => row.map((cell) => (typeof cell === 'string' && cell.startsWith('=') ? `'${cell}` : cell)));

    it('answers a CSV file with its name, type and every cell, statuses as of the request', async () => {
      const response = await post(site, { format: 0, type: 0 });
      expect(response.headers['content-disposition']).toBe('attachment; filename="vouchers-Export-Main-20260115.csv"');
      expect(response.headers['cache-control']).toBe('no-store');
      const rows = csvOf(response);
      expect(rows[0]).toEqual(HEADER);
      const expected = expectedRows({ lobby: ['In use', 'Unused', 'Unused'], evil: 'Unused', open: 'Unused', lobbyFirstUse: '2026-01-15 07:01' });
      expect(rows.slice(1)).toEqual(asCsv(neutral(expected)));
    });

    it('neutralises formula injection in CSV and quotes per RFC 4180', async () => {
      const text = csvOf(await post(site, { format: 0, type: 1, groupIds: [evil, open] }))
        .slice(1)
        .map((row) => row[1]);
      expect(text).toEqual([`'${EVIL_NAME}`, `'${EVIL_NAME}`, 'Open, "quoted"', 'Open, "quoted"']);
      const raw = (await post(site, { format: 0, type: 1, groupIds: [evil] })).rawPayload.toString('utf8');
      expect(raw).toContain(`,"'=HYPERLINK(""http://x.io"",""Hi"")",`);
    });

    it('answers an XLSX file read back cell by cell', async () => {
      const response = await post(site, { format: 1, type: 0 });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers['content-type']).toBe(XLSX_TYPE);
      expect(response.headers['content-disposition']).toBe('attachment; filename="vouchers-Export-Main-20260115.xlsx"');
      const rows = await parseXlsx(response.rawPayload);
      expect(rows[0]).toEqual(HEADER);
      const expected = expectedRows({ lobby: ['In use', 'Unused', 'Unused'], evil: 'Unused', open: 'Unused', lobbyFirstUse: '2026-01-15 07:01' });
      // XLSX cells are typed: text is text (never a formula), so names go out as they are.
      expect(rows.slice(1)).toEqual(asXlsx(expected));
    });

    it('selects groups by type 0, 1 and 2, and by queryData.searchKey', async () => {
      const codes = async (payload: object) => csvOf(await post(site, { format: 0, ...payload })).slice(1).map((row) => row[0]);
      expect(await codes({ type: 0, groupIds: [lobby] })).toEqual([...lobbyCodes, ...evilCodes, ...openCodes]);
      expect(await codes({ type: 1, groupIds: [open, lobby] })).toEqual([...lobbyCodes, ...openCodes]);
      expect(await codes({ type: 2, groupIds: [lobby] })).toEqual([...evilCodes, ...openCodes]);
      expect(await codes({ type: 2 })).toEqual([...lobbyCodes, ...evilCodes, ...openCodes]);
      expect(await codes({ type: 0, queryData: { page: 1, pageSize: 1, searchKey: 'lob' } })).toEqual(lobbyCodes);
      // A group of another site, or none at all, selects nothing: the file holds the header only.
      const other = await createGroup(h, admin, siteId);
      expect(csvOf(await post(site, { format: 0, type: 1, groupIds: [other, 'c'.repeat(24)] }))).toEqual([HEADER]);
    });

    it('shows the statuses of the moment: time run out, window closed', async () => {
      h.clock.advance(2 * DAY_MS);
      const expected = expectedRows({ lobby: ['Expired', 'Unused', 'Unused'], evil: 'Expired', open: 'Unused', lobbyFirstUse: '2026-01-15 07:01' });
      const rows = csvOf(await post(site, { format: 0, type: 0 }));
      expect(rows.slice(1)).toEqual(asCsv(neutral(expected)));
      expect((await parseXlsx((await post(site, { format: 1, type: 0 })).rawPayload)).slice(1)).toEqual(asXlsx(expected));
      // The file is named for the day of the request in the site's time zone.
      expect((await post(site, { format: 0, type: 0 })).headers['content-disposition']).toBe(
        'attachment; filename="vouchers-Export-Main-20260117.csv"',
      );
    });
  });

  it('names the file by the site name made safe, or by the site id when nothing of it is left', async () => {
    const disposition = async (site: string) => (await post(site, { format: 0, type: 0 })).headers['content-disposition'];
    expect(await disposition(siteId)).toMatch(/^attachment; filename="vouchers-Harbour-Cafe-Pier-9-\d{8}\.csv"$/);
    const cjk = await h.createSite({ name: '港湾咖啡' });
    expect(await disposition(cjk)).toMatch(new RegExp(`^attachment; filename="vouchers-${cjk}-\\d{8}\\.csv"$`));
  });

  it('inside a batch answers −1620: a file is no envelope', async () => {
    const response = await h.call({
      method: 'POST',
      url: `/openapi/v1/${OMADAC_ID}/batch`,
      token: admin,
      payload: { actions: [{ method: 'POST', path: exportUrl(siteId), body: { format: 0, type: 0 } }] },
    });
    expect(response.json().result.response).toEqual([{ errorCode: -1620, msg: 'Error occurred while executing action.' }]);
  });

  it('survives a client that goes away mid-file, and goes on serving', async () => {
    const site = await h.createSite();
    await createGroup(h, admin, site, { amount: 5000, codeLength: 10, codeForm: [0, 1] });
    for (const format of [0, 1]) {
      const response = await h.app.inject({
        method: 'POST',
        url: exportUrl(site),
        headers: { authorization: `AccessToken=${admin}` },
        payload: { format, type: 0 },
        payloadAsStream: true,
      });
      const stream = response.stream();
      for await (const _chunk of stream) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(csvOf(await post(site, { format: 0, type: 0 }))).toHaveLength(5001);
  });

  describe('refusals answer the envelope', () => {
    it.each([
      ['format 2', { format: 2, type: 0 }, invalid('format must be within 0-1.')],
      ['format as text', { format: 'csv', type: 0 }, invalid('format must be an integer.')],
      ['no format', { type: 0 }, invalid('format is required.')],
      ['type 3', { format: 0, type: 3 }, invalid('type must be within 0-2.')],
      ['type 1 without groupIds', { format: 0, type: 1 }, invalid('groupIds is required when type is 1.')],
    ])('%s answers −1001', async (_label, payload, expected) => {
      const response = await post(siteId, payload);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(answer(response)).toEqual(expected);
    });

    it('a body that is not an object answers 400 −1001', async () => {
      expect(answer(await post(siteId, [1]))).toEqual(malformed('The request body must be an object.'));
    });

    it('viewers and hotspot operators lack Site Export Data Access: −1005', async () => {
      for (const role of ['viewer', 'hotspot-operator'] as const) {
        expect(answer(await post(siteId, { format: 0, type: 0 }, await h.token(role)))).toEqual(FORBIDDEN);
      }
    });

    it('a locked site answers −33004', async () => {
      const site = await h.createSite();
      await createGroup(h, admin, site);
      const now = h.clock.now();
      expect(await h.store.sites.lock(site, 'test', now, now + MIN)).toBe(true);
      expect(answer(await post(site, { format: 0, type: 0 }))).toEqual(SITE_BUSY);
      expect(answer(await post(site, { format: 1, type: 0 }))).toEqual(SITE_BUSY);
      await h.store.sites.unlock(site);
      expect((await post(site, { format: 0, type: 0 })).statusCode).toBe(200);
    });
  });
});

/** The V8 collector, to measure what is live rather than what is not yet collected. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('a 100,000-voucher export', () => {
  let h: Harness;
  let admin: string;
  let site: string;
  const GROUPS = 20;
  const PER_GROUP = 5000;

  beforeAll(async () => {
    h = await createHarness({ accessTokenTtlSeconds: 365 * 86_400, voucherLimitPerSite: GROUPS * PER_GROUP });
    admin = await h.token('admin');
    site = await h.createSite({ name: 'Stadium' });
    for (let i = 0; i < GROUPS; i++) {
      await createGroup(h, admin, site, { name: `Block ${String(i).padStart(2, '0')}`, amount: PER_GROUP, codeLength: 10, codeForm: [0, 1] });
    }
  }, 120_000);
  afterAll(() => h.close());

  /**
   * Runs an export, reading its body as a stream, and answers the bytes seen and the largest live
   * heap growth over the baseline, measured after a full collection every ~1 MB read.
   */
  async function streamed(format: number, onChunk: (chunk: Buffer) => void) {
    const gc = collector();
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let bytes = 0;
    let sinceSample = 0;
    const response = await h.app.inject({
      method: 'POST',
      url: exportUrl(site),
      headers: { authorization: `AccessToken=${admin}` },
      payload: { format, type: 0 },
      payloadAsStream: true,
    });
    expect(response.statusCode).toBe(200);
    for await (const chunk of response.stream()) {
      const buffer = chunk as Buffer;
      onChunk(buffer);
      bytes += buffer.length;
      sinceSample += buffer.length;
      if (sinceSample >= (format === 0 ? 1_000_000 : 250_000)) {
        sinceSample = 0;
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      }
    }
    return { bytes, peak };
  }

  it('streams CSV in bounded memory with every row', async () => {
    let lines = 0;
    const { bytes, peak } = await streamed(0, (chunk) => {
      for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++;
    });
    expect(lines).toBe(1 + GROUPS * PER_GROUP);
    // The file is ~8.6 MB: holding its rows, as text or as cells, would take at least that much
    // heap; streaming keeps about one batch of 2000 (~2 MB measured).
    expect(bytes).toBeGreaterThan(8_000_000);
    expect(peak, `live heap growth ${Math.round(peak / 1e6)} MB`).toBeLessThan(Math.min(bytes / 2, 60_000_000));
  }, 60_000);

  it('streams XLSX in bounded memory with every row', async () => {
    const chunks: Buffer[] = [];
    const { peak } = await streamed(1, (chunk) => chunks.push(chunk));
    // The worksheet's XML runs to tens of MB before compression; streaming keeps ~3 MB live (measured).
    expect(peak, `live heap growth ${Math.round(peak / 1e6)} MB`).toBeLessThan(16_000_000);
    // Rows are counted by exceljs's streaming reader, so the check itself holds no worksheet.
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(
      Readable.from([Buffer.concat(chunks)]),
      { worksheets: 'emit', sharedStrings: 'ignore', hyperlinks: 'ignore', styles: 'ignore', entries: 'ignore' },
    );
    let rows = 0;
    let last: unknown[] = [];
    for await (const worksheet of reader) {
      for await (const row of worksheet as AsyncIterable<ExcelJS.Row>) {
        rows++;
        last = (row.values as unknown[]).slice(1, 3);
      }
    }
    expect(rows).toBe(1 + GROUPS * PER_GROUP);
    expect(last[1]).toBe('Block 19');
  }, 60_000);
});

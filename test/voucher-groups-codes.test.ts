import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './helpers.js';
import { allVouchers, createGroup, DIGITS, HEX_ID, LETTERS, siteCodes } from './voucher-groups-support.js';
import { siteNumber } from '../src/store/sql-helpers.js';

/**
 * The codes a create draws (CONTRACT §4): their length and alphabet per codeForm, exactly
 * `amount` of them, unique within the site across its groups.
 */

const ALPHABETS: [form: number[], alphabet: string, label: string][] = [
  [[0], DIGITS, 'digits only'],
  [[1], LETTERS, 'letters without I, L and O'],
  [[0, 1], DIGITS + LETTERS, 'digits and letters, at least one of each'],
];

const hasDigit = (code: string) => [...code].some((char) => DIGITS.includes(char));
const hasLetter = (code: string) => [...code].some((char) => LETTERS.includes(char));

describe('voucher codes', () => {
  let h: Harness;
  let admin: string;

  beforeAll(async () => {
    h = await createHarness();
    admin = await h.token('admin');
  });
  afterAll(() => h.close());

  const cases = ALPHABETS.flatMap(([form, alphabet, label]) =>
    [6, 8, 10].map((length) => [JSON.stringify(form), length, label, form, alphabet] as const),
  );

  it.each(cases)('codeForm %s, length %i: %s', async (_form, length, _label, codeForm, alphabet) => {
    const siteId = await h.createSite();
    const groupId = await createGroup(h, admin, siteId, { amount: 1500, codeLength: length, codeForm });
    const vouchers = await allVouchers(h, admin, siteId, groupId);
    expect(vouchers).toHaveLength(1500);
    const codes = vouchers.map((voucher) => voucher.code);
    expect(new Set(codes).size).toBe(1500);
    expect(new Set(vouchers.map((voucher) => voucher.id)).size).toBe(1500);
    expect(vouchers.every((voucher) => HEX_ID.test(voucher.id))).toBe(true);
    const pattern = new RegExp(`^[${alphabet}]{${length}}$`);
    expect(codes.filter((code) => !pattern.test(code))).toEqual([]);
    if (codeForm.length === 2) {
      expect(codes.filter((code) => !hasDigit(code) || !hasLetter(code))).toEqual([]);
    }
    // 1500 codes over the alphabet use every one of its characters.
    expect(new Set(codes.join('')).size).toBe(alphabet.length);
    expect(await siteCodes(h, siteId)).toHaveLength(1500);
  });

  it.each([1, 2, 999, 1000, 1001, 5000])('creates exactly %i vouchers, all read back over pages of 1000', async (amount) => {
    const siteId = await h.createSite();
    const groupId = await createGroup(h, admin, siteId, { amount, codeLength: 10, codeForm: [0, 1] });
    const vouchers = await allVouchers(h, admin, siteId, groupId);
    expect(vouchers).toHaveLength(amount);
    expect(new Set(vouchers.map((voucher) => voucher.code)).size).toBe(amount);
    const rows = await h.store.db.selectFrom('vouchers').select(['code', 'group_id']).where('site_number', '=', siteNumber(siteId)).execute();
    expect(rows).toHaveLength(amount);
    expect(rows.every((row) => row.group_id === groupId)).toBe(true);
  });

  it('keeps codes unique within a site across groups, and lets another site hold the same codes', async () => {
    const tiny = await createHarness({}, { codeAlphabet: { digits: '01', letters: 'AB' } });
    try {
      const token = await tiny.token('admin');
      const first = await tiny.createSite();
      const second = await tiny.createSite();
      // Six groups share the 64 binary codes of length 6: every group after the first collides and redraws.
      for (const amount of [20, 20, 10, 10, 2, 2]) {
        await createGroup(tiny, token, first, { amount, codeLength: 6, codeForm: [0] });
        await createGroup(tiny, token, second, { amount, codeLength: 6, codeForm: [0] });
      }
      const firstCodes = await siteCodes(tiny, first);
      const secondCodes = await siteCodes(tiny, second);
      expect(new Set(firstCodes).size).toBe(64);
      expect(firstCodes).toHaveLength(64);
      expect([...secondCodes].sort()).toEqual([...firstCodes].sort());
    } finally {
      await tiny.close();
    }
  });

  it('draws mixed codes from a small alphabet with a digit and a letter in each', async () => {
    const tiny = await createHarness({}, { codeAlphabet: { digits: '01', letters: 'AB' } });
    try {
      const token = await tiny.token('admin');
      const siteId = await tiny.createSite();
      // 4^6 codes less the 2^6 all-digit and 2^6 all-letter ones: 3968 mixed codes; take them all.
      await createGroup(tiny, token, siteId, { amount: 3968, codeLength: 6, codeForm: [0, 1] });
      const codes = await siteCodes(tiny, siteId);
      expect(new Set(codes).size).toBe(3968);
      expect(codes.filter((code) => !/^[01AB]{6}$/.test(code) || !/[01]/.test(code) || !/[AB]/.test(code))).toEqual([]);
    } finally {
      await tiny.close();
    }
  });
});

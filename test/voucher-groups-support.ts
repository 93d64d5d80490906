import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { answer, MINIMAL_GROUP, OMADAC_ID, tableCounts, type Harness } from './helpers.js';

/**
 * Shared pieces of the voucher group suites (voucher-groups-*.test.ts). Expected codes and
 * messages are written out from the spec's operation descriptions and CONTRACT.md rather than
 * imported from the error catalogue, so a typo there fails a test instead of hiding in both places.
 */

export const hotspotUrl = (siteId: string) => `/openapi/v1/${OMADAC_ID}/sites/${siteId}/hotspot`;
export const groupsUrl = (siteId: string, query?: string) =>
  `${hotspotUrl(siteId)}/voucher-groups${query === undefined ? '' : `?${query}`}`;
export const groupUrl = (siteId: string, groupId: string, query = 'page=1&pageSize=1000') =>
  `${hotspotUrl(siteId)}/voucher-groups/${groupId}?${query}`;
export const voucherUrl = (siteId: string, voucherId: string) => `${hotspotUrl(siteId)}/vouchers/${voucherId}`;
export const settingUrl = (siteId: string) => `${hotspotUrl(siteId)}/setting`;
export const portalAddUrl = (siteId: string) => `/openapi/v1/${OMADAC_ID}/sites/${siteId}/portal`;
export const portalsUrl = (siteId: string) => `/openapi/v1/${OMADAC_ID}/sites/${siteId}/portals`;
export const profilesUrl = (siteId: string) => `/openapi/v1/${OMADAC_ID}/sites/${siteId}/rate-limit-profiles`;
/** Modify and delete live at the singular path, as the controller documents them. */
export const profileUrl = (siteId: string, profileId: string) => `/openapi/v1/${OMADAC_ID}/sites/${siteId}/rate-limit-profile/${profileId}`;

export const HEX_ID = /^[0-9a-f]{24}$/;
export const DAY_MS = 24 * 60 * 60 * 1000;

// The expected-answer builders are the sites suite's; one set serves every suite.
import { invalid, type Expected } from './sites-support.js';
import { siteNumber } from '../src/store/sql-helpers.js';

export { invalid, malformed, success, type Expected } from './sites-support.js';

const business = (errorCode: number, msg: string): Expected => ({ status: 200, body: { errorCode, msg } });

export const SITE_NOT_EXIST = business(-33000, 'This site does not exist.');
export const SITE_BUSY = business(
  -33004,
  'Operation failed because other operations (site copying, restoring, template synchronizing, etc.) are being performed on this site. Please wait and try again later.',
);
export const PROFILE_NOT_EXIST = business(-33732, 'The Rate Limit profile does not exist.');
export const VOUCHER_LIMIT = business(-42010, 'The number of vouchers has reached the limit. New vouchers cannot be created.');
export const PORTAL_REQUIRED = business(-42036, 'Please select at least one portal before creating vouchers.');
export const DUPLICATED_NAME = business(-42059, 'Duplicated voucher group name.');
export const CURRENCY_NOT_SUPPORTED = business(-42060, 'Currency is not supported.');
export const CURRENCY_CONFLICT = business(
  -42061,
  'You are creating voucher groups with different currency in same site, this will prevent collecting incoming amount of vouchers.',
);
export const PORTALS_NOT_EXIST = business(-42062, 'One or more portals may not exist.');
export const EXPIRATION_TOO_FAR = business(-42063, 'The expiration time cannot exceed 1000 days.');
export const TOKEN_EXPIRED: Expected = {
  status: 401,
  body: {
    errorCode: -44112,
    msg: 'The access token has expired. Please re-initiate the refreshToken process to obtain the access token.',
  },
};
export const TOKEN_INVALID: Expected = { status: 401, body: { errorCode: -44113, msg: 'The Access Token is Invalid.' } };
export const NOT_A_GROUP = invalid('groupId does not name a voucher group of this site.');
export const NOT_A_VOUCHER = invalid('id does not name a voucher of this site.');

/** The 41 currency short codes of the Access Guide's table 5.4.2, in its order. */
export const CURRENCY_CODES = [
  'AUD', 'BIF', 'BRL', 'CAD', 'CHF', 'CLP', 'CNY', 'CZK', 'DJF', 'DKK', 'EUR', 'GBP', 'GNF', 'HKD',
  'HUF', 'ILS', 'INR', 'JPY', 'KMF', 'KRW', 'MGA', 'MXN', 'MYR', 'NOK', 'NZD', 'PHP', 'PLN', 'PYG',
  'RUB', 'RWF', 'SEK', 'SGD', 'THB', 'TWD', 'UGX', 'USD', 'VND', 'VUV', 'XAF', 'XOF', 'XPF',
];

export const DIGITS = '0123456789';
export const LETTERS = 'ABCDEFGHJKMNPQRSTUVWXYZ';

export { MINIMAL_GROUP };

export type Body = Record<string, unknown>;

/** A deep copy of `body` with `path` ("a.b.c") set to `value`, or removed when `value` is undefined. */
export function withField(body: Body, path: string, value: unknown): Body {
  const copy = structuredClone(body);
  const parts = path.split('.');
  let node = copy;
  for (const part of parts.slice(0, -1)) node = node[part] as Body;
  const last = parts[parts.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** Posts a create body to `siteId`'s voucher groups. */
export function postGroup(h: Harness, token: string, siteId: string, body: unknown): Promise<LightMyRequestResponse> {
  return h.call({ method: 'POST', url: groupsUrl(siteId), token, payload: body as object });
}

let groupNames = 0;
/** A group name no other test of this process uses. */
export const uniqueName = (prefix = 'Group') => `${prefix} ${++groupNames}`;

/** Creates a group (MINIMAL_GROUP with `overrides`, under a fresh name unless one is given) and answers its id. */
export async function createGroup(h: Harness, token: string, siteId: string, overrides: Body = {}): Promise<string> {
  const response = await postGroup(h, token, siteId, { ...MINIMAL_GROUP, name: uniqueName(), ...overrides });
  const body = response.json();
  if (body.errorCode !== 0) throw new Error(`group create failed: ${response.body}`);
  return body.result.id as string;
}

/** Runs a request that must be refused: it answers `expected` in full and writes nothing. */
export async function refused(h: Harness, run: () => Promise<LightMyRequestResponse>, expected: Expected): Promise<void> {
  const before = await tableCounts(h.store);
  expect(answer(await run())).toEqual(expected);
  expect(await tableCounts(h.store)).toEqual(before);
}

/** Creates a voucher portal in `siteId` and answers its id. */
export async function createPortal(h: Harness, token: string, siteId: string, name: string): Promise<string> {
  const response = await h.call({
    method: 'POST',
    url: portalAddUrl(siteId),
    token,
    payload: {
      name,
      enable: true,
      authType: 11,
      hotspot: { enabledTypes: [3] },
      authTimeout: { customTimeout: 2, customTimeoutUnit: 2 },
      httpsRedirectEnable: false,
      landingPage: 1,
    },
  });
  if (response.json().errorCode !== 0) throw new Error(`portal create failed: ${response.body}`);
  const list = (await h.call({ method: 'GET', url: portalsUrl(siteId), token })).json().result as { id: string; name: string }[];
  return list.find((portal) => portal.name === name)!.id;
}

/** Creates a rate limit profile in `siteId` and answers its id. */
export async function createProfile(h: Harness, token: string, siteId: string, name: string, limits: Body): Promise<string> {
  const response = await h.call({ method: 'POST', url: profilesUrl(siteId), token, payload: { name, ...limits } });
  if (response.json().errorCode !== 0) throw new Error(`profile create failed: ${response.body}`);
  const list = (await h.call({ method: 'GET', url: profilesUrl(siteId), token })).json().result as { profileId: string; name: string }[];
  return list.find((profile) => profile.name === name)!.profileId;
}

export interface SimpleVoucher {
  id: string;
  code: string;
  status: number;
  [field: string]: unknown;
}

/** Every voucher of a group, read through getVoucherGroupDetail a page of 1000 at a time. */
export async function allVouchers(h: Harness, token: string, siteId: string, groupId: string): Promise<SimpleVoucher[]> {
  const vouchers: SimpleVoucher[] = [];
  for (let page = 1; ; page++) {
    const result = (await h.call({ method: 'GET', url: groupUrl(siteId, groupId, `page=${page}&pageSize=1000`), token })).json()
      .result as { totalRows: number; data: SimpleVoucher[] };
    vouchers.push(...result.data);
    if (result.data.length === 0 || vouchers.length >= result.totalRows) return vouchers;
  }
}

/** Every code a site holds, straight from the store. */
export async function siteCodes(h: Harness, siteId: string): Promise<string[]> {
  const rows = await h.store.db.selectFrom('vouchers').select('code').where('site_number', '=', siteNumber(siteId)).execute();
  return rows.map((row) => row.code);
}

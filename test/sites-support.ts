import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { answer, OMADAC_ID, tableCounts, type Harness } from './helpers.js';

/**
 * Shared pieces of the site suites. The expected codes and messages below are written out from
 * CONTRACT.md and the spec's operation descriptions on purpose, rather than imported from the
 * error catalogue, so that a typo in the catalogue fails a test instead of hiding in both places.
 */

export const SITES_URL = `/openapi/v1/${OMADAC_ID}/sites`;
export const siteUrl = (siteId: string) => `${SITES_URL}/${siteId}`;
export const listUrl = (query: string) => `${SITES_URL}?${query}`;

export const SITE_ID = /^[0-9a-f]{24}$/;

export type Expected = { status: number; body: Record<string, unknown> };

export const success = (result?: unknown): Expected => ({
  status: 200,
  body: { errorCode: 0, msg: 'Success.', ...(result !== undefined && { result }) },
});

/** A field rule broken: HTTP 200, −1001, and one sentence naming the field (CONTRACT §2). */
export const invalid = (sentence: string): Expected => ({
  status: 200,
  body: { errorCode: -1001, msg: `Invalid request parameters. ${sentence}` },
});

/** A request the server cannot read: HTTP 400, −1001 (CONTRACT §2). */
export const malformed = (sentence: string): Expected => ({
  status: 400,
  body: { errorCode: -1001, msg: `Invalid request parameters. ${sentence}` },
});

export const SITE_NOT_EXIST: Expected = { status: 200, body: { errorCode: -33000, msg: 'This site does not exist.' } };
export const NAME_EXISTS: Expected = {
  status: 200,
  body: { errorCode: -33101, msg: 'This name already exists. Please enter another name for this site.' },
};
export const SITE_LIMIT: Expected = {
  status: 200,
  body: { errorCode: -33104, msg: 'The number of sites has reached the limit.' },
};
export const SCENARIO_NOT_EXIST: Expected = { status: 200, body: { errorCode: -33809, msg: 'This scenario does not exist.' } };
export const CONTROLLER_NOT_EXIST: Expected = { status: 200, body: { errorCode: -7131, msg: 'Controller ID not exist.' } };
export const UNSUPPORTED_PATH: Expected = { status: 404, body: { errorCode: -1600, msg: 'Unsupported request path.' } };
export const INTERNAL_ERROR: Expected = { status: 500, body: { errorCode: -1, msg: 'Internal server error.' } };

/** The fields of the name rule's −1001 sentence, shared by create and update. */
export const NAME_RULE =
  'name must contain 1 to 64 characters, not start with a space, +, -, @ or =, and not end with a space.';

/** Every stored site row, to show that a refused update changed nothing. */
export const siteRows = (h: Harness) => h.store.db.selectFrom('sites').selectAll().orderBy('id').execute();

/**
 * Runs a request that must be refused, checks it answered `expected` in full and that it wrote
 * nothing: no row added or removed anywhere, and no site row changed.
 */
export async function expectRefused(h: Harness, run: () => Promise<LightMyRequestResponse>, expected: Expected) {
  const counts = await tableCounts(h.store);
  const rows = await siteRows(h);
  expect(answer(await run())).toEqual(expected);
  expect(await tableCounts(h.store)).toEqual(counts);
  expect(await siteRows(h)).toEqual(rows);
}

let uniqueNames = 0;
/** A site name no other test in the process uses. */
export const uniqueName = (prefix = 'Site') => `${prefix} ${process.pid}-${++uniqueNames}`;

import { sql, type ExpressionBuilder, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from './schema.js';

/** SQLite and PostgreSQL report a unique-key violation differently; both mean "taken". */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

export const flag = (value: boolean): number => (value ? 1 : 0);
export const optional = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

/** `%`, `_` and `\` in a search key match themselves. */
export function likePattern(searchKey: string): string {
  return `%${searchKey.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export type Dialect = 'sqlite' | 'postgres';

/** A case-insensitive substring match of `column` against `searchKey`, folded by the database. */
export function containsIgnoringCase(column: string, searchKey: string): RawBuilder<boolean> {
  return likeIgnoringCase(column, likePattern(searchKey));
}

/** `column` matches the LIKE `pattern` (see likePattern) ignoring case; `pattern` may be a prepared query's slot. */
export function likeIgnoringCase(column: string, pattern: unknown): RawBuilder<boolean> {
  return sql<boolean>`lower(${sql.ref(column)}) like lower(${pattern}) escape '\\'`;
}

/**
 * Breaks ties of `created_at` (rows made in the same millisecond) by insertion order, which ids
 * follow: they begin with their creation time and a per-millisecond sequence (see newId).
 */
export function insertionOrder(table: string) {
  return sql.ref(`${table}.id`);
}

/**
 * Serialises the transactions that count rows before adding one (a cap), so concurrent ones
 * cannot both pass the count. SQLite already admits one writer at a time; PostgreSQL takes a
 * transaction-scoped advisory lock on `name`.
 */
export async function serializeOn(
  trx: Transaction<Database> | Kysely<Database>,
  dialect: Dialect,
  name: string,
): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${name}))`.execute(trx);
}

/**
 * The number of the site `siteId` (see 008-site-numbers), by which vouchers name their site, as a
 * subquery: `.where('site_number', '=', siteNumber(siteId))`. `siteId` may be a prepared query's slot.
 */
export function siteNumber(siteId: string) {
  return (eb: ExpressionBuilder<Database, keyof Database>) =>
    eb.selectFrom('sites').select('sites.number').where('sites.id', '=', siteId);
}

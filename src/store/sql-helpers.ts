import { sql, type RawBuilder } from 'kysely';

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
  return sql<boolean>`lower(${sql.ref(column)}) like lower(${likePattern(searchKey)}) escape '\\'`;
}

/**
 * Breaks ties of `created_at` (rows made in the same millisecond) by insertion order. SQLite gives
 * every new row a rowid above the existing ones; elsewhere the id, which begins with its creation
 * second, stands in.
 */
export function insertionOrder(dialect: Dialect, table: string) {
  return dialect === 'sqlite' ? sql.raw(`${table}.rowid`) : sql.ref(`${table}.id`);
}

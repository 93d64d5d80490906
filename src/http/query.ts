import { invalidField } from '../domain/errors.js';

export type Direction = 'asc' | 'desc';

function direction(field: string, value: unknown): Direction {
  const text = String(Array.isArray(value) ? value[0] : value).toLowerCase();
  if (text !== 'asc' && text !== 'desc') throw invalidField(`${field} must be asc or desc.`);
  return text;
}

/**
 * The sort a paged list asks for. Omada lists take `sorts.<field>=asc|desc`; when several come,
 * the first one in the query string takes effect.
 */
export function firstSort<F extends string>(
  query: Record<string, unknown>,
  fields: readonly F[],
): { field: F; direction: Direction } | undefined {
  for (const key of Object.keys(query)) {
    if (!key.startsWith('sorts.')) continue;
    const field = key.slice('sorts.'.length) as F;
    if (fields.includes(field)) return { field, direction: direction(key, query[key]) };
  }
  return undefined;
}

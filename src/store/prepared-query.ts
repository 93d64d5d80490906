import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Where a value goes in a query built once: a named slot, filled at each run. */
class Slot {
  constructor(readonly name: string) {}
}

/** The SELECTs whose rows may be served again while the database is unchanged (see SqliteReadCache). */
const reusable = new WeakSet<object>();

/** Whether the rows `query` answered may be kept and served again for the same SQL and values. */
export function mayReuseRows(query: CompiledQuery): boolean {
  return reusable.has(query.query);
}

/** Rows a backend kept for reads with `reuseRows` (see SqliteReadCache). */
export interface KeptRows {
  /** The rows kept for `query` if they are still exactly what the database would answer. */
  lookup(query: CompiledQuery): readonly unknown[] | undefined;
}

const keptRows = new WeakMap<Kysely<Database>, KeptRows>();

/**
 * Lets prepared reads on `db` be answered from `kept` without a trip through Kysely's executor and
 * connection lock (a cache hit costs less than that trip); a miss still takes it.
 */
export function answerFromKeptRows(db: Kysely<Database>, kept: KeptRows): void {
  keptRows.set(db, kept);
}

export interface PreparedQueryOptions {
  /**
   * The rows depend on nothing but the SQL, its values and what the database holds, so a backend
   * that knows when the database last changed may answer them again from memory (SQLite does).
   */
  readonly reuseRows?: boolean;
}

interface Template {
  readonly query: CompiledQuery;
  /** For each bound parameter, the slot that fills it, or the constant the builder gave. */
  readonly sources: readonly (Slot | { readonly constant: unknown })[];
}

/**
 * A query Kysely builds and compiles once and that then runs with new values as often as needed:
 * for the queries every request makes (the token, the site, a page of groups), building and
 * compiling them anew cost more than the database spent answering them.
 *
 * `build` receives the database and `slot(name)`, a stand-in for a value to use wherever the query
 * takes one (`where`, `limit`, `offset`); `execute` fills each slot from its `values`. The query is
 * built at its first run, for the dialect of the database it runs on (one store has one).
 *
 * @example
 *   // One per repository instance: the SQL it compiles is that of the instance's dialect.
 *   readonly #siteName = new PreparedQuery((db, slot) =>
 *     db.selectFrom('sites').select('name').where('id', '=', slot<string>('id')),
 *   );
 *   const rows = await this.#siteName.execute(this.db, { id: siteId });
 */
export class PreparedQuery<R> {
  #template: Template | undefined;

  constructor(
    private readonly build: (db: Kysely<Database>, slot: <T>(name: string) => T) => Compilable<R>,
    private readonly options: PreparedQueryOptions = {},
  ) {}

  async execute(db: Kysely<Database>, values: Readonly<Record<string, unknown>>): Promise<R[]> {
    const template = this.#template ?? this.#compile(db);
    const parameters = template.sources.map((source) => (source instanceof Slot ? values[source.name] : source.constant));
    const query: CompiledQuery<R> = { ...(template.query as CompiledQuery<R>), parameters };
    if (this.options.reuseRows) {
      const kept = keptRows.get(db)?.lookup(query);
      if (kept !== undefined) return kept as R[];
    }
    const result = await db.executeQuery<R>(query);
    return result.rows;
  }

  #compile(db: Kysely<Database>): Template {
    const query = this.build(db, (name) => new Slot(name) as never).compile();
    const sources = query.parameters.map((parameter) => (parameter instanceof Slot ? parameter : { constant: parameter }));
    if (this.options.reuseRows) reusable.add(query.query);
    this.#template = { query, sources };
    return this.#template;
  }
}

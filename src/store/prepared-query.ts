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
  /** Something to wait for before `lookup` (a reading shared with other reads), or undefined. */
  ready(): Promise<void> | undefined;
  /** The rows kept for `sql` with `parameters` if they are still exactly what the database would answer. */
  lookup(sql: string, parameters: readonly unknown[]): readonly unknown[] | undefined;
}

const keptRows = new WeakMap<Kysely<Database>, KeptRows>();

/**
 * Lets prepared reads on `db` be answered from `kept` without a trip through Kysely's executor and
 * connection lock (a cache hit costs less than that trip); a miss still takes it.
 */
export function answerFromKeptRows(db: Kysely<Database>, kept: KeptRows): void {
  keptRows.set(db, kept);
}

function freezeDeep<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const field of Object.values(value)) freezeDeep(field);
    Object.freeze(value);
  }
  return value;
}

/**
 * `convert` for the rows of reads with `reuseRows`. A kept read answers the same frozen row
 * objects again while the database is unchanged; each of those is converted once, and the
 * record made of it, frozen in turn, is answered with it every time. So callers share records
 * no caller can change. Rows not kept (read inside a transaction, or on a backend that keeps
 * none) are not frozen, and are converted at every read.
 */
export function convertOnce<Row extends object, R>(convert: (row: Row) => R): (row: Row) => R {
  const converted = new WeakMap<Row, R>();
  return (row) => {
    if (!Object.isFrozen(row)) return convert(row);
    let record = converted.get(row);
    if (record === undefined) {
      record = freezeDeep(convert(row));
      converted.set(row, record);
    }
    return record;
  };
}

/**
 * SQL run at once on a connection, in the transaction it is in. On SQLite the redemption batch
 * runs its queries so (see KyselyRedemptionRepository): inside a transaction that already holds
 * the one connection, the trip through Kysely's executor, the driver and their promises cost
 * about as much as SQLite's own work on those small statements.
 */
export interface ImmediateSql {
  /** The Kysely instance over the same connection, which compiles the queries for its dialect. */
  readonly db: Kysely<Database>;
  /** The rows `sql` answers with `parameters` (none for a statement that returns none). */
  run(sql: string, parameters: readonly unknown[]): unknown[];
  /**
   * A mark that differs whenever the database may have changed other than through `run`: a
   * statement through Kysely on this connection that is not a SELECT, or a commit by another
   * connection. Read in a write transaction, it stands until the transaction ends (nothing else
   * writes meanwhile). So what was read under an equal mark still holds, but for what `run` wrote.
   */
  changeMark(): string;
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

/** The parameters of `template` with each slot filled from `values`. */
function fill(template: Template, values: Readonly<Record<string, unknown>>): unknown[] {
  const { sources } = template;
  const parameters = new Array<unknown>(sources.length);
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i]!;
    parameters[i] = source instanceof Slot ? values[source.name] : source.constant;
  }
  return parameters;
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
    const parameters = fill(template, values);
    const kept = this.options.reuseRows ? keptRows.get(db) : undefined;
    if (kept !== undefined) {
      const waiting = kept.ready();
      if (waiting !== undefined) await waiting;
      const rows = kept.lookup(template.query.sql, parameters);
      if (rows !== undefined) return rows as R[];
    }
    const query: CompiledQuery<R> = { ...(template.query as CompiledQuery<R>), parameters };
    const result = await db.executeQuery<R>(query);
    return result.rows;
  }

  /** The rows the query answers with `values`, run at once on `sql`'s connection. */
  runAtOnce(sql: ImmediateSql, values: Readonly<Record<string, unknown>>): R[] {
    const template = this.#template ?? this.#compile(sql.db);
    return sql.run(template.query.sql, fill(template, values)) as R[];
  }

  #compile(db: Kysely<Database>): Template {
    const query = this.build(db, (name) => new Slot(name) as never).compile();
    const sources = query.parameters.map((parameter) => (parameter instanceof Slot ? parameter : { constant: parameter }));
    if (this.options.reuseRows) reusable.add(query.query);
    this.#template = { query, sources };
    return this.#template;
  }
}

/** A prepared query that a piece of QueryWork asks to run, with the values of its slots. */
export interface QueryCall {
  readonly query: PreparedQuery<unknown>;
  readonly values: Readonly<Record<string, unknown>>;
}

/**
 * Database work written once for both ways of running it: a generator that yields each query it
 * needs (`yield* rowsOf(query, values)`) and is handed back its rows. `runAtOnce` runs it on
 * SQLite's connection with nothing between one statement and the next; `runThrough` runs it
 * through Kysely, each statement awaited. A statement that fails is thrown into the work at the
 * point it asked, as `await` would.
 */
export type QueryWork<T> = Generator<QueryCall, T, unknown[]>;

/** The rows `query` answers with `values`, from inside QueryWork. */
export function* rowsOf<R>(query: PreparedQuery<R>, values: Readonly<Record<string, unknown>>): Generator<QueryCall, R[], unknown[]> {
  return (yield { query, values }) as R[];
}

/** Runs `work` to its end on `sql`, every statement at once. */
export function runAtOnce<T>(work: QueryWork<T>, sql: ImmediateSql): T {
  let step = work.next();
  while (!step.done) {
    let rows: unknown[];
    try {
      rows = step.value.query.runAtOnce(sql, step.value.values);
    } catch (error) {
      step = work.throw(error);
      continue;
    }
    step = work.next(rows);
  }
  return step.value;
}

/** Runs `work` to its end through Kysely on `db`, each statement awaited. */
export async function runThrough<T>(work: QueryWork<T>, db: Kysely<Database>): Promise<T> {
  let step = work.next();
  while (!step.done) {
    let rows: unknown[];
    try {
      rows = await step.value.query.execute(db, step.value.values);
    } catch (error) {
      step = work.throw(error);
      continue;
    }
    step = work.next(rows);
  }
  return step.value;
}

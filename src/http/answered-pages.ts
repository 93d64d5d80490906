import type { FastifyReply } from 'fastify';

/** The content type Fastify gives an object it serializes as JSON; an answer sent as bytes keeps it. */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** An answer serialized once (by its route's own response serializer), sent as those bytes. */
export class AnsweredBody {
  constructor(private readonly bytes: Buffer) {}

  send(reply: FastifyReply): FastifyReply {
    return reply.header('content-type', JSON_CONTENT_TYPE).send(this.bytes);
  }
}

interface Answer<Shown> {
  readonly shown: Shown;
  readonly body: AnsweredBody;
}

/**
 * The last answer given for each page of a list, as bytes, with what it showed. Clients poll
 * their lists, and most polls find nothing changed.
 *
 * A page's rows come from the store. Read from SQLite's kept rows (see SqliteReadCache and
 * convertOnce), they are one frozen array, the same for as long as the database is unchanged,
 * and that array is the key. An answer is a pure function of its rows and of `Shown`: everything
 * else the page shows that is not a field of a row (the page asked for, the total, values that
 * move with the clock). When a request reads the same array and its `Shown` equals the one kept,
 * the kept bytes are exactly what serializing the answer anew would give, and are sent instead.
 * Rows in an array that is not frozen (PostgreSQL, or rows adjusted for this moment) are never
 * kept, and their answers are built and serialized as usual.
 */
export class AnsweredPages<Row extends object, Shown> {
  readonly #answers = new WeakMap<readonly Row[], Answer<Shown>>();

  /** `same` tells whether two `Shown` give the same answer for the same rows. */
  constructor(private readonly same: (kept: Shown, now: Shown) => boolean) {}

  /** Whether an answer made of `rows` may be kept. */
  mayKeep(rows: readonly Row[]): boolean {
    return Object.isFrozen(rows);
  }

  /** The answer kept for `rows` when it showed what `shown` shows. */
  find(rows: readonly Row[], shown: Shown): AnsweredBody | undefined {
    const answer = this.#answers.get(rows);
    return answer !== undefined && this.same(answer.shown, shown) ? answer.body : undefined;
  }

  /**
   * Keeps `serialized`, the answer made of `rows` and `shown` as the route serializes it
   * (reply.serialize), when it may (see mayKeep), and answers it.
   */
  keep(rows: readonly Row[], shown: Shown, serialized: string | Buffer | ArrayBuffer): AnsweredBody {
    const body = new AnsweredBody(typeof serialized === 'string' ? Buffer.from(serialized) : Buffer.from(serialized as ArrayBuffer));
    if (this.mayKeep(rows)) this.#answers.set(rows, { shown, body });
    return body;
  }
}

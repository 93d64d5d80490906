import { Type, type Static } from '@sinclair/typebox';
import { Envelope } from './common.js';

/** Up to 20 actions in one batch, as the controller documents ("Up to 20 entries are allowed"). */
export const BATCH_ACTION_LIMIT = 20;

/**
 * "Request action entity". The spec types `body` as a string but describes it as "a JSON object
 * but not a string", so an object it is. `query` is the query string of the path, e.g.
 * `"page=1&pageSize=10"`. The method and path are checked by the batch, not here, so that an
 * unsupported one answers in its own slot, as the single call would.
 */
export const BatchAction = Type.Object({
  method: Type.String({ maxLength: 16 }),
  path: Type.String({ minLength: 1, maxLength: 2048 }),
  query: Type.Optional(Type.String({ maxLength: 8192 })),
  body: Type.Optional(Type.Object({})),
});
export type BatchAction = Static<typeof BatchAction>;

/** "Batch request entity": `interrupt` defaults to true. */
export const BatchBody = Type.Object({
  interrupt: Type.Optional(Type.Boolean({ default: true })),
  actions: Type.Array(BatchAction, { minItems: 1, maxItems: BATCH_ACTION_LIMIT }),
});
export type BatchBody = Static<typeof BatchBody>;

/** "OperationResponseObject": one action's envelope, without its HTTP status. */
export const BatchActionAnswer = Type.Object({
  errorCode: Type.Integer(),
  msg: Type.String(),
  result: Type.Optional(Type.Unknown()),
});
export type BatchActionAnswer = Static<typeof BatchActionAnswer>;

/** "OperationResponseBatch Response Entity": the answers in the order of the actions. */
export const BatchResponse = Envelope(Type.Object({ response: Type.Array(BatchActionAnswer) }));

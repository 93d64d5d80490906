import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest, LightMyRequestResponse } from 'fastify';
import type { Random } from '../../domain/clock.js';
import { Errors, OmadaError, type ErrorDef } from '../../domain/errors.js';
import { ControllerParams } from '../schemas/common.js';
import { BatchBody, BatchResponse, type BatchAction, type BatchActionAnswer } from '../schemas/batch.js';

const SUCCESS = { errorCode: 0, msg: 'Success.' } as const;

/** The methods an action may use: the spec's POST, PATCH, PUT and DELETE, and GET for reads. */
const ACTION_METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const OPEN_API_PREFIX = '/openapi/v1/';
/** Only to resolve an action's path the way the router will see it; never contacted. */
const BASE = 'http://voucherd.invalid';
/** Carries the app's own nonce on every action, so a batch run as an action can tell. */
const ACTION_HEADER = 'x-voucherd-batch-action';

const slot = (errorDef: ErrorDef): BatchActionAnswer => ({ errorCode: errorDef.code, msg: errorDef.msg });

/**
 * The URL an action asks for, with its dot segments resolved as the request parser would resolve
 * them, or undefined when that is not an Open API path (the token endpoint, the captive portal,
 * `/metrics`, another host). `query` is appended to any query the path carries.
 */
export function actionUrl(path: string, query: string | undefined): string | undefined {
  if (!path.startsWith('/')) return undefined;
  let url: URL;
  try {
    url = new URL(path, BASE);
  } catch {
    return undefined;
  }
  if (url.origin !== BASE || !url.pathname.startsWith(OPEN_API_PREFIX)) return undefined;
  const search = [url.search.slice(1), query?.replace(/^\?/, '') ?? ''].filter((part) => part !== '').join('&');
  return search === '' ? url.pathname : `${url.pathname}?${search}`;
}

/** The envelope of an action's answer, or undefined when the answer is not one. */
function envelopeOf(response: LightMyRequestResponse): BatchActionAnswer | undefined {
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { errorCode, msg, result } = body as Record<string, unknown>;
  if (!Number.isInteger(errorCode) || typeof msg !== 'string') return undefined;
  return { errorCode: errorCode as number, msg, ...(result !== undefined && { result }) };
}

/**
 * `batchController`: each action runs as its own request through the whole app, with the
 * caller's Authorization header, so its guard (token, permission, site scope, site lock),
 * validation, transaction and error envelope are exactly those of the single call. Actions run
 * one after another; with `interrupt` (the default) the first answer other than success stops
 * the batch and the actions after it answer −1619. What earlier actions wrote stays written.
 */
export const batchRoutes: FastifyPluginAsyncTypebox<{ random: Random }> = async (app, { random }) => {
  const nonce = random.bytes(16).toString('hex');

  async function run(action: BatchAction, request: FastifyRequest): Promise<BatchActionAnswer> {
    const method = action.method.toUpperCase();
    const url = actionUrl(action.path, action.query);
    if (!ACTION_METHODS.has(method) || url === undefined) return slot(Errors.UNSUPPORTED_PATH);
    let response: LightMyRequestResponse;
    try {
      response = await app.inject({
        method: method as 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
        url,
        remoteAddress: request.ip,
        headers: {
          [ACTION_HEADER]: nonce,
          ...(request.headers.authorization !== undefined && { authorization: request.headers.authorization }),
        },
        ...(action.body !== undefined && { payload: action.body }),
      });
    } catch (error) {
      request.log.error({ err: error, method, path: url.split('?', 1)[0] }, 'batch action failed');
      return slot(Errors.BATCH_ACTION_FAILED);
    }
    return envelopeOf(response) ?? slot(Errors.BATCH_ACTION_FAILED);
  }

  app.post(
    '/openapi/v1/:omadacId/batch',
    {
      config: { operation: 'batchController' },
      schema: { params: ControllerParams, body: BatchBody, response: { 200: BatchResponse } },
      // A batch is not one of the "other OpenAPIs" a batch may run: as an action it is an
      // unsupported path, refused after its guard (a client's own header without the nonce is ignored).
      onRequest: async (request) => {
        if (request.headers[ACTION_HEADER] === nonce) throw new OmadaError(Errors.UNSUPPORTED_PATH);
      },
      // A null field of an action is a field left out, as in any body (the app's hook stops at arrays).
      preValidation: async (request) => {
        const actions = (request.body as { actions?: unknown } | undefined)?.actions;
        if (!Array.isArray(actions)) return;
        for (const action of actions) {
          if (typeof action !== 'object' || action === null || Array.isArray(action)) continue;
          for (const [key, value] of Object.entries(action)) {
            if (value === null) delete (action as Record<string, unknown>)[key];
          }
        }
      },
    },
    async (request) => {
      const { actions, interrupt = true } = request.body;
      const response: BatchActionAnswer[] = [];
      let interrupted = false;
      for (const action of actions) {
        if (interrupted) {
          response.push(slot(Errors.BATCH_INTERRUPTED));
          continue;
        }
        const answer = await run(action, request);
        response.push(answer);
        interrupted = interrupt && answer.errorCode !== 0;
      }
      return { ...SUCCESS, result: { response } };
    },
  );
};

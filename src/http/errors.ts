import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Errors, OmadaError, type ErrorDef } from '../domain/errors.js';
import { isDatabaseUnavailable } from '../store/database-errors.js';
import { describe, isMalformed } from './validation.js';

export function sendError(reply: FastifyReply, errorDef: ErrorDef, msg: string = errorDef.msg): FastifyReply {
  return reply.code(errorDef.status).send({ errorCode: errorDef.code, msg });
}

const detail = (errorDef: ErrorDef, sentence: string) => `${errorDef.msg} ${sentence}`;

/** What a framework-level client error (bad JSON, wrong content type, too large) tells the caller. */
function clientError(error: FastifyError, bodyLimit: number): { def: ErrorDef; msg: string } {
  if (error.statusCode === 413) {
    return {
      def: Errors.REQUEST_TOO_LARGE,
      msg: detail(Errors.REQUEST_TOO_LARGE, `The request body must not exceed ${bodyLimit} bytes.`),
    };
  }
  if (error.statusCode === 415 || error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return { def: Errors.MALFORMED_REQUEST, msg: detail(Errors.MALFORMED_REQUEST, 'Content-Type must be application/json.') };
  }
  if (error instanceof SyntaxError || /JSON/.test(error.code ?? '')) {
    return { def: Errors.MALFORMED_REQUEST, msg: detail(Errors.MALFORMED_REQUEST, 'The request body is not valid JSON.') };
  }
  return { def: Errors.MALFORMED_REQUEST, msg: detail(Errors.MALFORMED_REQUEST, 'The request is malformed.') };
}

/**
 * The one place errors become envelopes: catalogue errors as they are, schema failures as −1001
 * naming the field, framework client errors as 4xx/−1001, a database that cannot be reached as
 * 503/−1, and anything else as 500/−1 with the detail kept for the log only.
 */
export function registerErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof OmadaError) return sendError(reply, error.def, error.message);
    if (error.validation && error.validation.length > 0) {
      const first = error.validation[0]!;
      const context = error.validationContext ?? 'body';
      const def = isMalformed(first, context) ? Errors.MALFORMED_REQUEST : Errors.INVALID_PARAMETERS;
      return sendError(reply, def, detail(def, describe(first)));
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      const { def, msg } = clientError(error, bodyLimit);
      return sendError(reply, def, msg);
    }
    // The database down, restarting or out of disk: 503, so clients and balancers retry rather than give up.
    if (isDatabaseUnavailable(error)) {
      request.log.error({ err: error }, 'request failed: database unavailable');
      return sendError(reply, Errors.DATABASE_UNAVAILABLE);
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, Errors.INTERNAL);
  });

  app.setNotFoundHandler((_request, reply) => sendError(reply, Errors.UNSUPPORTED_PATH));
}

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Errors, OmadaError } from '../../domain/errors.js';
import type { TokenService } from '../../domain/tokens.js';
import { Envelope } from '../schemas/common.js';

const TokenQuery = Type.Object({
  grant_type: Type.Optional(Type.String()),
  refresh_token: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  client_secret: Type.Optional(Type.String()),
});

const TokenResponse = Envelope(
  Type.Object({
    accessToken: Type.String(),
    tokenType: Type.String(),
    expiresIn: Type.Integer(),
    refreshToken: Type.String(),
  }),
);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const tokenRoutes: FastifyPluginAsyncTypebox<{ tokens: TokenService }> = async (app, { tokens }) => {
  app.post(
    '/openapi/authorize/token',
    { schema: { querystring: TokenQuery, response: { 200: TokenResponse } } },
    async (request) => {
      // The body is optional (a refresh may carry everything in its query), but when sent it is an object.
      const body = request.body ?? {};
      if (!isObject(body)) {
        throw new OmadaError(Errors.MALFORMED_REQUEST, 'The request body must be a JSON object.');
      }
      const { query } = request;
      const pair = await tokens.grant({
        grantType: query.grant_type,
        omadacId: body.omadacId,
        clientId: query.client_id ?? body.client_id,
        clientSecret: query.client_secret ?? body.client_secret,
        refreshToken: query.refresh_token ?? body.refresh_token,
        remoteAddress: request.ip,
      });
      return { errorCode: 0, msg: 'Open API Get Access Token successfully.', result: pair };
    },
  );
};

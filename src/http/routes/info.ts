import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Envelope } from '../schemas/common.js';

/** voucherd presents itself as a software controller of the Open API generation it implements. */
export const CONTROLLER_VERSION = '5.15.0';
const SOFTWARE_CONTROLLER = 1;

const InfoResponse = Envelope(
  Type.Object({
    controllerVer: Type.String(),
    apiVer: Type.String(),
    configured: Type.Boolean(),
    type: Type.Integer(),
    omadacId: Type.String(),
  }),
);

export const infoRoutes: FastifyPluginAsyncTypebox<{ omadacId: string }> = async (app, { omadacId }) => {
  app.get('/api/info', { schema: { response: { 200: InfoResponse } } }, async () => ({
    errorCode: 0,
    msg: 'Success.',
    result: { controllerVer: CONTROLLER_VERSION, apiVer: '3', configured: true, type: SOFTWARE_CONTROLLER, omadacId },
  }));
};

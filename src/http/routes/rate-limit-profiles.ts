import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RateLimitProfileService } from '../../domain/rate-limit-profiles.js';
import type { RateLimitProfileRecord } from '../../store/port.js';
import { site } from '../guard.js';
import { EnvelopeWithoutResult, SiteParams } from '../schemas/common.js';
import {
  RateLimitProfileBody,
  RateLimitProfileListResponse,
  RateLimitProfileParams,
} from '../schemas/rate-limit-profiles.js';

const SUCCESS = { errorCode: 0, msg: 'Success.' } as const;

function view(profile: RateLimitProfileRecord) {
  return {
    profileId: profile.id,
    name: profile.name,
    downLimitEnable: profile.downLimitEnable,
    downLimit: profile.downLimit,
    upLimitEnable: profile.upLimitEnable,
    upLimit: profile.upLimit,
    defaultProfile: profile.isDefault,
  };
}

/**
 * The controller's rate limit profile operations. The list lives at `…/rate-limit-profiles`
 * while one profile is modified or deleted at the singular `…/rate-limit-profile/{profileId}`,
 * as the controller documents them.
 */
export const rateLimitProfileRoutes: FastifyPluginAsyncTypebox<{ profiles: RateLimitProfileService }> = async (
  app,
  { profiles },
) => {
  app.get(
    '/openapi/v1/:omadacId/sites/:siteId/rate-limit-profiles',
    {
      config: { operation: 'getRateLimitProfileList' },
      schema: { params: SiteParams, response: { 200: RateLimitProfileListResponse } },
    },
    async (request) => ({ ...SUCCESS, result: (await profiles.list(site(request).id)).map(view) }),
  );

  app.post(
    '/openapi/v1/:omadacId/sites/:siteId/rate-limit-profiles',
    {
      config: { operation: 'createRateLimitProfile' },
      schema: { params: SiteParams, body: RateLimitProfileBody, response: { 200: EnvelopeWithoutResult } },
    },
    async (request) => {
      // The controller answers a create without a result; the new id is found in the list.
      await profiles.create(site(request).id, request.body);
      return SUCCESS;
    },
  );

  app.put(
    '/openapi/v1/:omadacId/sites/:siteId/rate-limit-profile/:profileId',
    {
      config: { operation: 'modifyRateLimitProfile' },
      schema: { params: RateLimitProfileParams, body: RateLimitProfileBody, response: { 200: EnvelopeWithoutResult } },
    },
    async (request) => {
      await profiles.modify(site(request).id, request.params.profileId, request.body);
      return SUCCESS;
    },
  );

  app.delete(
    '/openapi/v1/:omadacId/sites/:siteId/rate-limit-profile/:profileId',
    {
      config: { operation: 'deleteRateLimitProfile' },
      schema: { params: RateLimitProfileParams, response: { 200: EnvelopeWithoutResult } },
    },
    async (request) => {
      await profiles.delete(site(request).id, request.params.profileId);
      return SUCCESS;
    },
  );
};

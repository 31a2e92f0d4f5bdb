import type { FastifyPluginAsync } from 'fastify';
import { ApiError } from '../api-error.js';
import type { Services } from '../services/index.js';
import { appRoutes } from './apps.js';
import { blobUploadRoutes } from './blob-upload.js';
import { releaseRoutes } from './releases.js';
import { transparencyAdminRoutes } from './transparency-log.js';

/**
 * The admin API under /v1. Authentication runs onRequest, before any body is read, so an
 * unauthenticated 100 MB upload costs nothing.
 */
export const adminRoutes: FastifyPluginAsync<{ services: Services; maxFileBytes: number }> = async (app, opts) => {
  app.addHook('onRequest', async (request, reply) => {
    if (await opts.services.auth.authenticate(request.headers.authorization)) return;
    void reply.header('www-authenticate', 'Bearer');
    throw new ApiError(
      401,
      'unauthorized',
      request.headers.authorization
        ? 'the API key is unknown or revoked; use a valid key (the owner key is in admin.key in the server data folder)'
        : 'send an API key as "Authorization: Bearer <key>" (the owner key is in admin.key in the server data folder)',
    );
  });
  await app.register(appRoutes, { services: opts.services });
  await app.register(releaseRoutes, { services: opts.services });
  await app.register(transparencyAdminRoutes, { services: opts.services });
  await app.register(blobUploadRoutes, { services: opts.services, maxFileBytes: opts.maxFileBytes });
};

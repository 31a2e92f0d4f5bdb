import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../domain/services.js';
import { installAccessHooks } from './access-hooks.js';
import { appRoutes } from './apps-routes.js';
import { auditRoutes } from './audit-routes.js';
import { blobUploadRoutes } from './blob-upload-routes.js';
import { channelRoutes } from './channels-routes.js';
import { keyRoutes } from './keys-routes.js';
import { releaseOpsRoutes } from './release-ops-routes.js';
import { releaseRoutes } from './releases-routes.js';
import { transparencyAdminRoutes } from './transparency-log-routes.js';
import { trustRoutes } from './trust-routes.js';
import { insightRoutes } from './insight-routes.js';
import { userRoutes } from './users-routes.js';
import { codePushAdminRoutes } from './codepush/codepush-routes.js';
import { expoAdminRoutes } from './expo/expo-routes.js';
import { sourcemapRoutes } from './sourcemaps/sourcemap-routes.js';

/** The admin API under /v1: every route authenticated and checked for role and scope (access-hooks.ts). */
export const adminRoutes: FastifyPluginAsync<{ services: Services; maxFileBytes: number }> = async (app, opts) => {
  installAccessHooks(app, opts.services);
  await app.register(appRoutes, { services: opts.services });
  await app.register(releaseRoutes, { services: opts.services });
  await app.register(transparencyAdminRoutes, { services: opts.services });
  await app.register(releaseOpsRoutes, { services: opts.services });
  await app.register(channelRoutes, { services: opts.services });
  await app.register(keyRoutes, { services: opts.services });
  await app.register(auditRoutes, { services: opts.services });
  await app.register(trustRoutes, { services: opts.services });
  await app.register(insightRoutes, { services: opts.services });
  await app.register(userRoutes, { services: opts.services });
  await app.register(codePushAdminRoutes, { codepush: opts.services.codepush });
  await app.register(expoAdminRoutes, { expo: opts.services.expo });
  await app.register(sourcemapRoutes, { sourcemaps: opts.services.sourcemaps });
  await app.register(blobUploadRoutes, { services: opts.services, maxFileBytes: opts.maxFileBytes });
};

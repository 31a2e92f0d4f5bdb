import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../services/index.js';
import { installAccessHooks } from './access-hooks.js';
import { appRoutes } from './apps.js';
import { auditRoutes } from './audit.js';
import { blobUploadRoutes } from './blob-upload.js';
import { channelRoutes } from './channels.js';
import { keyRoutes } from './keys.js';
import { releaseOpsRoutes } from './release-ops.js';
import { releaseRoutes } from './releases.js';
import { transparencyAdminRoutes } from './transparency-log.js';
import { trustRoutes } from './trust.js';
import { insightRoutes } from './insight.js';
import { userRoutes } from './users.js';
import { codePushAdminRoutes } from '../codepush/index.js';
import { expoAdminRoutes } from '../expo/index.js';
import { sourcemapRoutes } from '../sourcemaps/index.js';

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

import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { appsApi } from '@updraft/api';
import { mayReachApp, type Services } from '../domain/services.js';
import { actorOf } from './access-hooks.js';
import { ACCESS, adminRoute } from './route-schemas.js';

/** Root, targets and releases v1 are small, but allow generous key lists and signatures. */
const TRUST_BODY_LIMIT = 8 * 1024 * 1024;

export const appRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { services: Services } }> = async (
  app,
  { services },
) => {
  app.post(
    '/apps',
    adminRoute(ACCESS.appsWrite, 'apps', 'Create an app and its online keys', appsApi.createApp),
    async (request, reply) => {
      const { created, ...body } = await services.apps.createApp(actorOf(request), request.body.appId);
      return reply.code(created ? 201 : 200).send(body);
    },
  );

  app.get('/apps', adminRoute(ACCESS.read, 'apps', "The organization's apps", appsApi.listApps), async (request) => {
    const actor = actorOf(request);
    return { apps: (await services.apps.listApps(actor.orgId)).filter((a) => mayReachApp(actor, a.appId)) };
  });

  app.get(
    '/apps/:appId',
    adminRoute(ACCESS.read, 'apps', 'One app, its channels and pointers', appsApi.getApp),
    async (request) => services.apps.getApp(request.params.appId),
  );

  app.put(
    '/apps/:appId/trust',
    {
      bodyLimit: TRUST_BODY_LIMIT,
      config: { access: ACCESS.appsWrite },
      schema: {
        tags: ['apps'],
        summary: "Upload the publisher's root, targets and releases v1",
        ...appsApi.uploadTrust,
      },
    },
    async (request) => services.apps.acceptTrust(actorOf(request), request.params.appId, request.body),
  );
};

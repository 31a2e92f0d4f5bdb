import type { FastifyPluginAsync } from 'fastify';
import { mayReachApp, type Services } from '../services/index.js';
import { actorOf } from './access-hooks.js';
import { ACCESS, appParams, envelope, identifier, noQuery } from './schemas.js';

/** Root, targets and releases v1 are small, but allow generous key lists and signatures. */
const TRUST_BODY_LIMIT = 8 * 1024 * 1024;

export const appRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.post<{ Body: { appId: string } }>(
    '/apps',
    {
      config: { access: ACCESS.appsWrite },
      schema: {
        tags: ['apps'],
        summary: 'Create an app and its online keys',
        body: { type: 'object', required: ['appId'], properties: { appId: identifier }, additionalProperties: false },
      },
    },
    async (request, reply) => {
      const { created, ...body } = await services.apps.createApp(actorOf(request), request.body.appId);
      return reply.code(created ? 201 : 200).send(body);
    },
  );

  app.get(
    '/apps',
    {
      config: { access: ACCESS.read },
      schema: {
        tags: ['apps'],
        summary: "The organization's apps",
        querystring: { type: 'object', properties: {}, additionalProperties: false },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return { apps: (await services.apps.listApps(actor.orgId)).filter((a) => mayReachApp(actor, a.appId)) };
    },
  );

  app.get<{ Params: { appId: string } }>(
    '/apps/:appId',
    {
      config: { access: ACCESS.read },
      schema: {
        tags: ['apps'],
        summary: 'One app, its channels and pointers',
        params: appParams,
        querystring: noQuery,
      },
    },
    async (request) => services.apps.getApp(request.params.appId),
  );

  app.put<{ Params: { appId: string }; Body: { root: unknown; targets: unknown; releases: unknown } }>(
    '/apps/:appId/trust',
    {
      bodyLimit: TRUST_BODY_LIMIT,
      config: { access: ACCESS.appsWrite },
      schema: {
        tags: ['apps'],
        summary: "Upload the publisher's root, targets and releases v1",
        params: appParams,
        body: {
          type: 'object',
          required: ['root', 'targets', 'releases'],
          properties: { root: envelope, targets: envelope, releases: envelope },
          additionalProperties: false,
        },
      },
    },
    async (request) => services.apps.acceptTrust(actorOf(request), request.params.appId, request.body),
  );
};

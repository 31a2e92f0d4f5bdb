import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../services/index.js';
import { appParams, envelope, identifier } from './schemas.js';

/** Root, targets and releases v1 are small, but allow generous key lists and signatures. */
const TRUST_BODY_LIMIT = 8 * 1024 * 1024;

export const appRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.post<{ Body: { appId: string } }>(
    '/apps',
    {
      schema: {
        body: { type: 'object', required: ['appId'], properties: { appId: identifier }, additionalProperties: false },
      },
    },
    async (request, reply) => {
      const { created, ...body } = await services.apps.createApp(request.body.appId);
      return reply.code(created ? 201 : 200).send(body);
    },
  );

  app.get('/apps', { schema: { querystring: { type: 'object' } } }, async () => ({
    apps: await services.apps.listApps(),
  }));

  app.get<{ Params: { appId: string } }>('/apps/:appId', { schema: { params: appParams } }, async (request) =>
    services.apps.getApp(request.params.appId),
  );

  app.put<{ Params: { appId: string }; Body: { root: unknown; targets: unknown; releases: unknown } }>(
    '/apps/:appId/trust',
    {
      bodyLimit: TRUST_BODY_LIMIT,
      schema: {
        params: appParams,
        body: {
          type: 'object',
          required: ['root', 'targets', 'releases'],
          properties: { root: envelope, targets: envelope, releases: envelope },
          additionalProperties: false,
        },
      },
    },
    async (request) => services.apps.acceptTrust(request.params.appId, request.body),
  );
};

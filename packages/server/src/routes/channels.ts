import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../services/index.js';
import { actorOf } from './access-hooks.js';
import { ACCESS, appParams, identifier, noQuery } from './schemas.js';

const channelParams = {
  type: 'object',
  required: ['appId', 'channel'],
  properties: { appId: identifier, channel: identifier },
  additionalProperties: false,
} as const;

export const channelRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.get<{ Params: { appId: string } }>(
    '/apps/:appId/channels',
    {
      config: { access: ACCESS.read },
      schema: {
        tags: ['channels'],
        summary: 'Channels with their pointers and rollout state',
        params: appParams,
        querystring: noQuery,
      },
    },
    async (request) => ({ channels: await services.channels.list(request.params.appId) }),
  );

  app.post<{ Params: { appId: string }; Body: { name: string; protected?: boolean } }>(
    '/apps/:appId/channels',
    {
      config: { access: ACCESS.channelCreate },
      schema: {
        tags: ['channels'],
        summary: 'Create a channel (optionally protected)',
        params: appParams,
        body: {
          type: 'object',
          required: ['name'],
          properties: { name: identifier, protected: { type: 'boolean' } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await services.channels.create(
            actorOf(request),
            request.params.appId,
            request.body.name,
            request.body.protected ?? false,
          ),
        ),
  );

  app.put<{ Params: { appId: string; channel: string }; Body: { protected: boolean } }>(
    '/apps/:appId/channels/:channel/protection',
    {
      config: { access: ACCESS.channelProtect },
      schema: {
        tags: ['channels'],
        summary: 'Protect or unprotect a channel',
        params: channelParams,
        body: {
          type: 'object',
          required: ['protected'],
          properties: { protected: { type: 'boolean' } },
          additionalProperties: false,
        },
      },
    },
    async (request) =>
      services.channels.setProtected(
        actorOf(request),
        request.params.appId,
        request.params.channel,
        request.body.protected,
      ),
  );
};

import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { channelsApi } from '@updraft/api';
import type { Services } from '../domain/services.js';
import { actorOf } from './access-hooks.js';
import { ACCESS, adminRoute } from './route-schemas.js';

export const channelRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { services: Services } }> = async (
  app,
  { services },
) => {
  app.get(
    '/apps/:appId/channels',
    adminRoute(ACCESS.read, 'channels', 'Channels with their pointers and rollout state', channelsApi.listChannels),
    async (request) => ({ channels: await services.channels.list(request.params.appId) }),
  );

  app.post(
    '/apps/:appId/channels',
    adminRoute(ACCESS.channelCreate, 'channels', 'Create a channel (optionally protected)', channelsApi.createChannel),
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

  app.put(
    '/apps/:appId/channels/:channel/protection',
    adminRoute(ACCESS.channelProtect, 'channels', 'Protect or unprotect a channel', channelsApi.protectChannel),
    async (request) =>
      services.channels.setProtected(
        actorOf(request),
        request.params.appId,
        request.params.channel,
        request.body.protected,
      ),
  );
};

import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { accessApi } from '@updraft/api';
import type { Services } from '../domain/services.js';
import { actorOf } from './access-hooks.js';
import { ACCESS, adminRoute } from './route-schemas.js';

/** API keys of members and CI service accounts, and organizations. */
export const keyRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { services: Services } }> = async (
  app,
  { services },
) => {
  app.post(
    '/keys',
    adminRoute(
      ACCESS.keys,
      'keys',
      'Create an API key (shown once; the server keeps only its SHA-256)',
      accessApi.createKey,
    ),
    async (request, reply) => reply.code(201).send(await services.apiKeys.create(actorOf(request), request.body)),
  );

  app.get(
    '/keys',
    adminRoute(ACCESS.keys, 'keys', "The organization's API keys (never the keys themselves)", accessApi.listKeys),
    async (request) => ({ keys: await services.apiKeys.list(actorOf(request)) }),
  );

  app.delete(
    '/keys/:keyId',
    adminRoute(ACCESS.keys, 'keys', 'Revoke an API key', accessApi.revokeKey),
    async (request) => services.apiKeys.revoke(actorOf(request), request.params.keyId),
  );

  app.get(
    '/org',
    adminRoute(ACCESS.read, 'keys', "The caller's organization and its apps", accessApi.getOrganization),
    async (request) => services.apiKeys.organization(actorOf(request)),
  );

  app.post(
    '/orgs',
    adminRoute(
      ACCESS.orgCreate,
      'keys',
      'Create a separate organization and its first owner key (shown once)',
      accessApi.createOrganization,
    ),
    async (request, reply) =>
      reply.code(201).send(await services.apiKeys.createOrganization(actorOf(request), request.body)),
  );
};

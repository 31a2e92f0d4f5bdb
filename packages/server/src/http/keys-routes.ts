import type { FastifyPluginAsync } from 'fastify';
import { ROLES, SCOPES, type CreateKeyInput, type Services } from '../domain/services.js';
import { actorOf } from './access-hooks.js';
import { ACCESS, dateTime, identifier } from './route-schemas.js';

const keyName = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001f\\u007f]+$' } as const;

/** API keys of members and CI service accounts, and organizations. */
export const keyRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.post<{ Body: CreateKeyInput }>(
    '/keys',
    {
      config: { access: ACCESS.keys },
      schema: {
        tags: ['keys'],
        summary: 'Create an API key (shown once; the server keeps only its SHA-256)',
        body: {
          type: 'object',
          required: ['name', 'role'],
          properties: {
            name: keyName,
            role: { type: 'string', enum: [...ROLES] },
            kind: { type: 'string', enum: ['member', 'service'], description: 'service = a CI service account' },
            scopes: { type: 'array', maxItems: SCOPES.length + 1, items: { type: 'string', enum: ['*', ...SCOPES] } },
            expiresAt: dateTime,
            apps: {
              type: 'array',
              minItems: 1,
              maxItems: 100,
              items: identifier,
              description: 'limit the key to these apps; every other app answers 404 (default: every app)',
            },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => reply.code(201).send(await services.apiKeys.create(actorOf(request), request.body)),
  );

  app.get(
    '/keys',
    {
      config: { access: ACCESS.keys },
      schema: {
        tags: ['keys'],
        summary: "The organization's API keys (never the keys themselves)",
        querystring: { type: 'object', properties: {}, additionalProperties: false },
      },
    },
    async (request) => ({ keys: await services.apiKeys.list(actorOf(request)) }),
  );

  app.delete<{ Params: { keyId: string } }>(
    '/keys/:keyId',
    {
      config: { access: ACCESS.keys },
      schema: {
        tags: ['keys'],
        summary: 'Revoke an API key',
        params: {
          type: 'object',
          required: ['keyId'],
          properties: {
            keyId: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => services.apiKeys.revoke(actorOf(request), request.params.keyId),
  );

  app.get(
    '/org',
    {
      config: { access: ACCESS.read },
      schema: {
        tags: ['keys'],
        summary: "The caller's organization and its apps",
        querystring: { type: 'object', properties: {}, additionalProperties: false },
      },
    },
    async (request) => services.apiKeys.organization(actorOf(request)),
  );

  app.post<{ Body: { id: string; name: string } }>(
    '/orgs',
    {
      config: { access: ACCESS.orgCreate },
      schema: {
        tags: ['keys'],
        summary: 'Create a separate organization and its first owner key (shown once)',
        body: {
          type: 'object',
          required: ['id', 'name'],
          properties: { id: identifier, name: keyName },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await services.apiKeys.createOrganization(actorOf(request), request.body)),
  );
};

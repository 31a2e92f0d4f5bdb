import type { FastifyPluginAsync } from 'fastify';
import { METADATA_ROLES, ONLINE_ROLES, type MetadataRole, type OnlineRole } from '../persistence/persistence.js';
import type { Services } from '../domain/services.js';
import { EXPIRY_FIELDS, MAX_LIFETIME_S, MIN_LIFETIME_S, type ExpiryField } from '@updraft/signing';
import { actorOf } from './access-hooks.js';
import { ACCESS, appParams, envelope, identifier, noQuery } from './route-schemas.js';

/** Root and targets are small; releases carries every release, like a publish. */
const METADATA_BODY_LIMIT = 64 * 1024 * 1024;

const lifetime = { type: 'integer', minimum: MIN_LIFETIME_S, maximum: MAX_LIFETIME_S } as const;

/** Key rotation, offline-metadata renewal, per-app lifetimes and re-signing (docs/api.md "Trust"). */
export const trustRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.post<{ Params: { appId: string }; Body: { role: OnlineRole } }>(
    '/apps/:appId/online-keys',
    {
      config: { access: ACCESS.appsWrite },
      schema: {
        tags: ['trust'],
        summary: 'Generate a new online key (snapshot, timestamp, director) for a rotation',
        querystring: noQuery,
        params: appParams,
        body: {
          type: 'object',
          required: ['role'],
          properties: { role: { type: 'string', enum: [...ONLINE_ROLES] } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await services.trust.createOnlineKey(actorOf(request), request.params.appId, request.body.role)),
  );

  app.get<{ Params: { appId: string; role: MetadataRole } }>(
    '/apps/:appId/metadata/:role',
    {
      config: { access: ACCESS.publishRead },
      schema: {
        tags: ['trust'],
        summary: 'The latest version of a role, as devices get it',
        querystring: noQuery,
        params: {
          type: 'object',
          required: ['appId', 'role'],
          properties: { appId: identifier, role: { type: 'string', enum: [...METADATA_ROLES] } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const bytes = await services.trust.latest(request.params.appId, request.params.role);
      return reply.type('application/json').send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  );

  app.post<{ Params: { appId: string }; Body: { root?: unknown; targets?: unknown; releases?: unknown } }>(
    '/apps/:appId/metadata',
    {
      bodyLimit: METADATA_BODY_LIMIT,
      config: { access: ACCESS.appsWrite },
      schema: {
        tags: ['trust'],
        summary: 'Upload new root, targets and/or releases versions (key rotation, renewal)',
        querystring: noQuery,
        params: appParams,
        body: {
          type: 'object',
          properties: { root: envelope, targets: envelope, releases: envelope },
          additionalProperties: false,
        },
      },
    },
    async (request) => services.trust.updateMetadata(actorOf(request), request.params.appId, request.body),
  );

  app.get<{ Params: { appId: string } }>(
    '/apps/:appId/expiry',
    {
      config: { access: ACCESS.publishRead },
      schema: { tags: ['trust'], summary: "The app's metadata lifetimes", params: appParams, querystring: noQuery },
    },
    async (request) => services.expiry.getPolicy(request.params.appId),
  );

  app.put<{ Params: { appId: string }; Body: Partial<Record<ExpiryField, number>> }>(
    '/apps/:appId/expiry',
    {
      config: { access: ACCESS.appsWrite },
      schema: {
        tags: ['trust'],
        summary: "Set some of the app's metadata lifetimes (seconds); re-signs at once",
        params: appParams,
        querystring: noQuery,
        body: {
          type: 'object',
          properties: Object.fromEntries(EXPIRY_FIELDS.map((f) => [f, lifetime])),
          additionalProperties: false,
        },
      },
    },
    async (request) => services.expiry.setPolicy(actorOf(request), request.params.appId, request.body),
  );

  app.post<{ Params: { appId: string }; Body: { force?: boolean } | undefined }>(
    '/apps/:appId/resign',
    {
      config: { access: ACCESS.resign },
      schema: {
        tags: ['trust'],
        summary: 'Re-sign timestamp, snapshot and director near expiry (all with force)',
        querystring: noQuery,
        params: appParams,
        body: { type: 'object', properties: { force: { type: 'boolean' } }, additionalProperties: false },
      },
    },
    async (request) => services.expiry.refresh(actorOf(request), request.params.appId, request.body?.force === true),
  );
};

import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../services/index.js';
import type { PublishRequest } from '../services/index.js';
import { actorOf } from './access-hooks.js';
import {
  ACCESS,
  appParams,
  basisPoints,
  dateTime,
  envelope,
  identifier,
  LIMIT_PATTERN,
  noQuery,
  notes,
  sha256,
  targeting,
} from './schemas.js';

export const MAX_MISSING_QUERY = 20_000;
/** 20000 hashes of 64 characters, quoted and separated. */
const MISSING_BODY_LIMIT = 2 * 1024 * 1024;
/** The releases metadata grows by one target per release, so a publish carries all of them. */
const PUBLISH_BODY_LIMIT = 64 * 1024 * 1024;

const embeddedParams = {
  type: 'object',
  required: ['appId', 'platform', 'runtimeVersion'],
  properties: { appId: identifier, platform: identifier, runtimeVersion: identifier },
  additionalProperties: false,
} as const;

const embeddedFile = {
  type: 'object',
  required: ['path', 'sha256', 'length'],
  properties: {
    path: { type: 'string', minLength: 1, maxLength: 1024 },
    sha256,
    length: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
  },
  additionalProperties: false,
} as const;

type EmbeddedParams = { appId: string; platform: string; runtimeVersion: string };

export const releaseRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.put<{ Params: EmbeddedParams; Body: { files: { path: string; sha256: string; length: number }[] } }>(
    '/apps/:appId/embedded/:platform/:runtimeVersion',
    {
      bodyLimit: MISSING_BODY_LIMIT * 4,
      config: { access: ACCESS.publish },
      schema: {
        tags: ['publish'],
        summary: 'Register the bundle the app binary ships, so publishes patch against it',
        params: embeddedParams,
        querystring: noQuery,
        body: {
          type: 'object',
          required: ['files'],
          properties: { files: { type: 'array', items: embeddedFile, minItems: 1, maxItems: MAX_MISSING_QUERY } },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { appId, platform, runtimeVersion } = request.params;
      return services.releases.registerEmbedded(appId, platform, runtimeVersion, request.body.files);
    },
  );

  app.get<{ Params: EmbeddedParams }>(
    '/apps/:appId/embedded/:platform/:runtimeVersion',
    {
      config: { access: ACCESS.publishRead },
      schema: {
        tags: ['publish'],
        summary: 'The registered embedded bundle of (platform, runtimeVersion)',
        params: embeddedParams,
        querystring: noQuery,
      },
    },
    async (request) => {
      const { appId, platform, runtimeVersion } = request.params;
      return services.releases.embeddedBundle(appId, platform, runtimeVersion);
    },
  );

  app.post<{ Params: { appId: string }; Body: { sha256: string[] } }>(
    '/apps/:appId/blobs/missing',
    {
      bodyLimit: MISSING_BODY_LIMIT,
      config: { access: ACCESS.publishRead },
      schema: {
        tags: ['publish'],
        summary: 'Which of these blobs the app does not hold yet',
        params: appParams,
        body: {
          type: 'object',
          required: ['sha256'],
          properties: { sha256: { type: 'array', items: sha256, maxItems: MAX_MISSING_QUERY } },
          additionalProperties: false,
        },
      },
    },
    async (request) => ({ missing: await services.releases.missingBlobs(request.params.appId, request.body.sha256) }),
  );

  app.get<{ Params: { appId: string } }>(
    '/apps/:appId/releases-metadata',
    {
      config: { access: ACCESS.publishRead },
      schema: {
        tags: ['publish'],
        summary: 'The current releases role envelope',
        params: appParams,
        querystring: noQuery,
      },
    },
    async (request, reply) => {
      const bytes = await services.releases.releasesMetadata(request.params.appId);
      // The stored bytes as they are: the publisher signs the next version on top of exactly this.
      return reply.type('application/json').send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  );

  app.post<{ Params: { appId: string }; Body: PublishRequest }>(
    '/apps/:appId/releases',
    {
      bodyLimit: PUBLISH_BODY_LIMIT,
      config: { access: ACCESS.publish },
      schema: {
        tags: ['publish'],
        summary: 'Publish a release the publisher signed and point a channel at it',
        params: appParams,
        body: {
          type: 'object',
          required: ['releases', 'releaseId', 'channel'],
          properties: {
            releases: envelope,
            releaseId: identifier,
            channel: identifier,
            basisPoints,
            mandatory: { type: 'boolean' },
            targeting,
            notes,
            startAt: dateTime,
            createChannel: {
              type: 'boolean',
              description:
                'create the channel when the app has none of that name (needs release-manager+ with the channels scope); default false: an unknown channel is refused',
            },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await services.releases.publish(actorOf(request), request.params.appId, request.body)),
  );

  app.get<{ Params: { appId: string }; Querystring: { channel?: string; limit?: string } }>(
    '/apps/:appId/releases',
    {
      config: { access: ACCESS.read },
      schema: {
        tags: ['releases'],
        summary: 'Releases, newest first',
        params: appParams,
        querystring: {
          type: 'object',
          properties: { channel: identifier, limit: { type: 'string', pattern: LIMIT_PATTERN } },
          additionalProperties: false,
        },
      },
    },
    async (request) => ({
      releases: await services.releases.listReleases(request.params.appId, {
        ...(request.query.channel !== undefined ? { channel: request.query.channel } : {}),
        limit: Number(request.query.limit ?? 100),
      }),
    }),
  );
};

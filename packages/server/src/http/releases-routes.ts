import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { releasesApi } from '@updraft/api';
import type { Services } from '../domain/services.js';
import { actorOf } from './access-hooks.js';
import { ACCESS, adminRoute } from './route-schemas.js';
import { storedJson } from './stored-json.js';

/** 20000 hashes of 64 characters, quoted and separated. */
const MISSING_BODY_LIMIT = 2 * 1024 * 1024;
/** A publish carries the whole releases listing (bounded by what the publisher keeps, docs/protocol.md §3.1). */
const PUBLISH_BODY_LIMIT = 64 * 1024 * 1024;

export const releaseRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { services: Services } }> = async (
  app,
  { services },
) => {
  app.put(
    '/apps/:appId/embedded/:platform/:runtimeVersion',
    {
      bodyLimit: MISSING_BODY_LIMIT * 4,
      config: { access: ACCESS.publish },
      schema: {
        tags: ['publish'],
        summary: 'Register the bundle the app binary ships, so publishes patch against it',
        ...releasesApi.registerEmbedded,
      },
    },
    async (request) => {
      const { appId, platform, runtimeVersion } = request.params;
      return services.releases.registerEmbedded(appId, platform, runtimeVersion, request.body.files);
    },
  );

  app.get(
    '/apps/:appId/embedded/:platform/:runtimeVersion',
    adminRoute(
      ACCESS.publishRead,
      'publish',
      'The registered embedded bundle of (platform, runtimeVersion)',
      releasesApi.getEmbedded,
    ),
    async (request) => {
      const { appId, platform, runtimeVersion } = request.params;
      return services.releases.embeddedBundle(appId, platform, runtimeVersion);
    },
  );

  app.post(
    '/apps/:appId/blobs/missing',
    {
      bodyLimit: MISSING_BODY_LIMIT,
      config: { access: ACCESS.publishRead },
      schema: {
        tags: ['publish'],
        summary: 'Which of these blobs the app does not hold yet',
        ...releasesApi.missingBlobs,
      },
    },
    async (request) => ({ missing: await services.releases.missingBlobs(request.params.appId, request.body.sha256) }),
  );

  app.get(
    '/apps/:appId/releases-metadata',
    adminRoute(ACCESS.publishRead, 'publish', 'The current releases role envelope', releasesApi.releasesMetadata),
    async (request, reply) => {
      const bytes = await services.releases.releasesMetadata(request.params.appId);
      // The stored bytes as they are: the publisher signs the next version on top of exactly this.
      return reply.type('application/json').send(storedJson(bytes));
    },
  );

  app.get(
    '/apps/:appId/releases-in-use',
    adminRoute(
      ACCESS.publishRead,
      'publish',
      'The releases the next releases version must keep: channel pointers and scheduled starts use them',
      releasesApi.releasesInUse,
    ),
    async (request) => ({ releaseIds: await services.releases.releasesInUse(request.params.appId) }),
  );

  app.post(
    '/apps/:appId/releases',
    {
      bodyLimit: PUBLISH_BODY_LIMIT,
      config: { access: ACCESS.publish },
      schema: {
        tags: ['publish'],
        summary: 'Publish a release the publisher signed and point a channel at it',
        ...releasesApi.publish,
      },
    },
    async (request, reply) =>
      reply.code(201).send(await services.releases.publish(actorOf(request), request.params.appId, request.body)),
  );

  app.get(
    '/apps/:appId/releases',
    adminRoute(ACCESS.read, 'releases', 'Releases, newest first', releasesApi.listReleases),
    async (request) => ({
      releases: await services.releases.listReleases(request.params.appId, {
        ...(request.query.channel !== undefined ? { channel: request.query.channel } : {}),
        limit: Number(request.query.limit ?? 100),
      }),
    }),
  );
};

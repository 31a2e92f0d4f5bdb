import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { trustApi } from '@updraft/api';
import { MAX_LIFETIME_S, MIN_LIFETIME_S, type ExpiryPolicy } from '@updraft/signing';
import type { Services } from '../domain/services.js';
import { actorOf } from './access-hooks.js';
import { ACCESS, adminRoute } from './route-schemas.js';
import { storedJson } from './stored-json.js';

/** Root and targets are small; releases carries every release, like a publish. */
const METADATA_BODY_LIMIT = 64 * 1024 * 1024;

// The contract's lifetimes are the ones the signing package applies: the same fields, the same bounds.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameExpiryFields: Same<trustApi.ExpiryPolicy, ExpiryPolicy> = true;
if (!sameExpiryFields || trustApi.MIN_LIFETIME_S !== MIN_LIFETIME_S || trustApi.MAX_LIFETIME_S !== MAX_LIFETIME_S) {
  throw new Error('@updraft/api and @updraft/signing disagree on the metadata lifetimes');
}

/** Key rotation, offline-metadata renewal, per-app lifetimes and re-signing (docs/api.md "Trust"). */
export const trustRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { services: Services } }> = async (
  app,
  { services },
) => {
  app.post(
    '/apps/:appId/online-keys',
    adminRoute(
      ACCESS.appsWrite,
      'trust',
      'Generate a new online key (snapshot, timestamp, director) for a rotation',
      trustApi.createOnlineKey,
    ),
    async (request, reply) =>
      reply
        .code(201)
        .send(await services.trust.createOnlineKey(actorOf(request), request.params.appId, request.body.role)),
  );

  app.get(
    '/apps/:appId/metadata/:role',
    adminRoute(ACCESS.publishRead, 'trust', 'The latest version of a role, as devices get it', trustApi.latestMetadata),
    async (request, reply) => {
      const bytes = await services.trust.latest(request.params.appId, request.params.role);
      return reply.type('application/json').send(storedJson(bytes));
    },
  );

  app.post(
    '/apps/:appId/metadata',
    {
      bodyLimit: METADATA_BODY_LIMIT,
      config: { access: ACCESS.appsWrite },
      schema: {
        tags: ['trust'],
        summary: 'Upload new root, targets and/or releases versions (key rotation, renewal)',
        ...trustApi.uploadMetadata,
      },
    },
    async (request) => services.trust.updateMetadata(actorOf(request), request.params.appId, request.body),
  );

  app.get(
    '/apps/:appId/expiry',
    adminRoute(ACCESS.publishRead, 'trust', "The app's metadata lifetimes", trustApi.getExpiry),
    async (request) => services.expiry.getPolicy(request.params.appId),
  );

  app.put(
    '/apps/:appId/expiry',
    adminRoute(
      ACCESS.appsWrite,
      'trust',
      "Set some of the app's metadata lifetimes (seconds); re-signs at once",
      trustApi.setExpiry,
    ),
    async (request) => services.expiry.setPolicy(actorOf(request), request.params.appId, request.body),
  );

  app.post(
    '/apps/:appId/resign',
    adminRoute(
      ACCESS.resign,
      'trust',
      'Re-sign timestamp, snapshot and director near expiry (all with force)',
      trustApi.resign,
    ),
    async (request) => services.expiry.refresh(actorOf(request), request.params.appId, request.body?.force === true),
  );
};

import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { ErrorCode, expoApi, expoDeviceApi } from '@updraft/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  expoContentType,
  expoMultipart,
  expoSignatureHeader,
  isUpdraftError,
  parseExpoRequest,
  type ExpoPart,
  type ExpoRequest,
} from '@updraft/protocol';
import { badRequest } from '../../domain/api-error.js';
import { actorOf } from '../access-hooks.js';
import type { DownloadSlots } from '../download-slots.js';
import { BlobSender } from '../blob-sender.js';
import { ACCESS } from '../route-schemas.js';
import type { RepositoryService } from '../../domain/repository-service.js';
import type { SignedBody } from '../../domain/expo/expo-device.js';
import type { ExpoServices } from '../../domain/expo/expo-services.js';

const signatureOf = (s: SignedBody | { signature: string | null; keyId: string | null }) =>
  s.signature !== null && s.keyId !== null ? expoSignatureHeader(s.signature, s.keyId) : undefined;

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * The Expo Updates front door for expo-updates clients (no API key: `updates.url` names the
 * app). The answer's bytes are the publisher's: manifests and directives are sent exactly as
 * stored, with the signatures made at publish time. Response headers are not signed (the
 * protocol signs none), and none are sent that a device acts on besides the protocol's own.
 */
export const expoDeviceRoutes: FastifyPluginAsyncJsonSchemaToTs<{
  Options: { expo: ExpoServices; repository: RepositoryService; downloads: DownloadSlots };
}> = async (app, { expo, repository, downloads }) => {
  const assets = new BlobSender(repository, downloads);

  app.get(
    '/expo/:appId',
    {
      schema: {
        tags: ['expo'],
        summary: 'Expo Updates manifest request (protocol 0 and 1): a signed manifest, a signed directive, or 204',
        ...expoDeviceApi.manifest,
      },
    },
    async (request, reply) => {
      let req: ExpoRequest;
      try {
        req = parseExpoRequest((name) => header(request, name));
      } catch (err) {
        if (isUpdraftError(err)) throw badRequest('invalid-request', err.message);
        throw err;
      }
      void reply
        .header('expo-protocol-version', String(req.protocolVersion))
        .header('expo-sfv-version', '0')
        .header('cache-control', 'private, max-age=0');
      if (!req.accepts.multipart && !req.accepts.json) {
        return reply.code(406).send({
          error: {
            code: ErrorCode.notAcceptable,
            message: 'this server answers multipart/mixed, application/expo+json or application/json',
          },
        });
      }
      const answer = await expo.device.answer(request.params.appId, req);
      // Protocol 0, or a client that takes no multipart: the manifest alone, its signature a header.
      if (req.protocolVersion === 0 || !req.accepts.multipart) {
        if (answer.kind !== 'manifest') return reply.code(204).send();
        const sig = signatureOf(answer.update);
        if (sig) void reply.header('expo-signature', sig);
        return reply.type(req.accepts.json ? 'application/expo+json' : 'application/json').send(answer.update.manifest);
      }
      let part: ExpoPart;
      if (answer.kind === 'manifest') part = { name: 'manifest', body: answer.update.manifest };
      else if (answer.kind === 'directive' || answer.directive) {
        part = { name: 'directive', body: answer.directive!.body };
      } else {
        // Nothing signed to say: a 204, which the client accepts only with expo-protocol-version set.
        return reply.code(204).send();
      }
      const sig = signatureOf(answer.kind === 'manifest' ? answer.update : answer.directive!);
      if (sig) part.signature = sig;
      const boundary = `updraft-${randomBytes(16).toString('hex')}`;
      return sendMultipart(reply, [part], boundary);
    },
  );

  app.get(
    '/expo/:appId/assets/:file',
    {
      schema: {
        tags: ['expo'],
        summary: 'An asset or launch bundle of an Expo update, by SHA-256 (immutable)',
        ...expoDeviceApi.asset,
      },
    },
    async (request, reply) => {
      const { appId, file } = request.params;
      const sha256 = await repository.targetBlob(appId, file);
      if (!sha256) {
        return reply
          .code(404)
          .header('cache-control', 'no-store')
          .send({ error: { code: ErrorCode.notFound, message: 'no such asset of this app on this server' } });
      }
      return assets.send(request, reply, appId, file, sha256, expoContentType(file.slice(65)));
    },
  );
};

function sendMultipart(reply: FastifyReply, parts: ExpoPart[], boundary: string) {
  return reply.type(`multipart/mixed; boundary=${boundary}`).send(Buffer.from(expoMultipart(parts, boundary), 'utf8'));
}

/** Admin routes under /v1 (access checked by the admin plugin's hooks). */
export const expoAdminRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { expo: ExpoServices } }> = async (
  app,
  { expo },
) => {
  app.get(
    '/apps/:appId/expo',
    {
      config: { access: ACCESS.publishRead },
      schema: {
        tags: ['expo'],
        summary: 'Whether the app publishes signed Expo updates, and under which key ids',
        ...expoApi.getStatus,
      },
    },
    async (request) => expo.admin.status(request.params.appId),
  );

  app.put(
    '/apps/:appId/expo/updates/:releaseId',
    {
      config: { access: ACCESS.publish },
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        tags: ['expo'],
        summary: 'Store the Expo update of a published release: manifest bytes and offline signatures',
        ...expoApi.registerUpdate,
      },
    },
    async (request) =>
      expo.admin.registerUpdate(actorOf(request), request.params.appId, request.params.releaseId, request.body),
  );

  app.get(
    '/apps/:appId/expo/updates/:releaseId',
    {
      config: { access: ACCESS.publishRead },
      schema: { tags: ['expo'], summary: 'The Expo update of a release', ...expoApi.getUpdate },
    },
    async (request) => expo.admin.getUpdate(request.params.appId, request.params.releaseId),
  );

  app.post(
    '/apps/:appId/expo/rollbacks',
    {
      config: { access: ACCESS.releaseOps },
      schema: {
        tags: ['expo'],
        summary: 'Serve a rollBackToEmbedded directive (signed by the publisher) on a channel, platform and runtime',
        ...expoApi.rollBackToEmbedded,
      },
    },
    async (request, reply) =>
      reply.code(201).send(await expo.admin.rollBackToEmbedded(actorOf(request), request.params.appId, request.body)),
  );
};
